// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFlowDrain,
  FLOW_CLOSE_TYPES,
  FLOW_HEADER_SIZE,
  FLOW_MAGIC,
  FLOW_RECORD_SIZE,
  FLOW_ROLES,
  FLOW_VERSION,
  FlowDecodeError,
  type FlowRecord,
} from './flow-decode';

type Raw = Omit<FlowRecord, 'localIp' | 'remoteIp' | 'family'> & {
  family: 2 | 10;
  local: number[];
  remote: number[];
};

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
const v6 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 });

function rawRecord(closed: boolean): fc.Arbitrary<Raw> {
  return fc
    .record({
      sock: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      startNs: u53,
      establishedNs: u53,
      endNs: u53,
      bytesSent: u53,
      bytesReceived: u53,
      segsOut: u32,
      segsIn: u32,
      retrans: u32,
      zeroWinPeer: u32,
      zeroWinOwn: u32,
      srttUs: u32,
      pid: u32,
      skErr: u32,
      localPort: fc.integer({ min: 0, max: 65535 }),
      remotePort: fc.integer({ min: 0, max: 65535 }),
      family: fc.constantFrom(2 as const, 10 as const),
      role: fc.constantFrom(...FLOW_ROLES),
      closeType: closed ? fc.constantFrom(...FLOW_CLOSE_TYPES.slice(1)) : fc.constant('open' as const),
      flags: fc.integer({ min: 0, max: 255 }),
      comm: fc.stringMatching(/^[a-z0-9._-]{0,15}$/),
      v4a: v4,
      v4b: v4,
      v6a: v6,
      v6b: v6,
    })
    .map(({ v4a, v4b, v6a, v6b, ...r }) => ({
      ...r,
      local: r.family === 2 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4a] : v6a,
      remote: r.family === 2 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4b] : v6b,
    }));
}

/** What native/src/flow_session.cc writes. */
function encode(closed: Raw[], active: Raw[], nowNs: number): Buffer {
  const out = Buffer.alloc(FLOW_HEADER_SIZE + (closed.length + active.length) * FLOW_RECORD_SIZE);
  out.writeUInt32LE(FLOW_MAGIC, 0);
  out.writeUInt16LE(FLOW_VERSION, 4);
  out.writeUInt16LE(FLOW_RECORD_SIZE, 6);
  out.writeUInt32LE(closed.length, 8);
  out.writeUInt32LE(active.length, 12);
  out.writeBigUInt64LE(BigInt(nowNs), 16);
  let o = FLOW_HEADER_SIZE;
  for (const r of [...closed, ...active]) {
    out.writeBigUInt64LE(r.sock, o);
    out.writeBigUInt64LE(BigInt(r.startNs), o + 8);
    out.writeBigUInt64LE(BigInt(r.establishedNs), o + 16);
    out.writeBigUInt64LE(BigInt(r.endNs), o + 24);
    out.writeBigUInt64LE(BigInt(r.bytesSent), o + 32);
    out.writeBigUInt64LE(BigInt(r.bytesReceived), o + 40);
    const u32s = [r.segsOut, r.segsIn, r.retrans, r.zeroWinPeer, r.zeroWinOwn, r.srttUs, r.pid, r.skErr];
    u32s.forEach((v, i) => {
      out.writeUInt32LE(v, o + 48 + i * 4);
    });
    Buffer.from(r.local).copy(out, o + 80);
    Buffer.from(r.remote).copy(out, o + 96);
    out.writeUInt16LE(r.localPort, o + 112);
    out.writeUInt16LE(r.remotePort, o + 114);
    out.writeUInt16LE(r.family, o + 116);
    out[o + 118] = FLOW_ROLES.indexOf(r.role);
    out[o + 119] = FLOW_CLOSE_TYPES.indexOf(r.closeType);
    out[o + 120] = r.flags;
    out.write(r.comm, o + 128, 16, 'latin1');
    o += FLOW_RECORD_SIZE;
  }
  return out;
}

function expectedIp(bytes: number[], family: 2 | 10): string {
  if (family === 2) return bytes.slice(12).join('.');
  return new URL(
    `http://[${Buffer.from(bytes)
      .toString('hex')
      .replace(/(.{4})(?!$)/g, '$1:')}]`,
  ).hostname.slice(1, -1);
}

const drain = fc.record({
  closed: fc.array(rawRecord(true), { maxLength: 8 }),
  active: fc.array(rawRecord(false), { maxLength: 8 }),
  nowNs: u53,
});

describe('decodeFlowDrain', () => {
  it('decodes every field of every record exactly', () => {
    fc.assert(
      fc.property(drain, ({ closed, active, nowNs }) => {
        const d = decodeFlowDrain(encode(closed, active, nowNs));
        expect(d.nowNs).toBe(nowNs);
        expect(d.closed).toHaveLength(closed.length);
        expect(d.active).toHaveLength(active.length);
        const pairs: Array<[Raw, FlowRecord]> = [
          ...closed.map((r, i) => [r, d.closed[i] as FlowRecord] as [Raw, FlowRecord]),
          ...active.map((r, i) => [r, d.active[i] as FlowRecord] as [Raw, FlowRecord]),
        ];
        for (const [raw, rec] of pairs) {
          const { local, remote, family, ...rest } = raw;
          expect(rec).toMatchObject(rest);
          expect(rec.family).toBe(family === 2 ? 4 : 6);
          // IPv4-mapped IPv6 on an AF_INET6 socket is still printed dotted (it is an IPv4 peer).
          const mapped = (b: number[]) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
          expect(rec.localIp).toBe(mapped(local) ? local.slice(12).join('.') : expectedIp(local, family));
          expect(rec.remoteIp).toBe(mapped(remote) ? remote.slice(12).join('.') : expectedIp(remote, family));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('random, truncated and spliced bytes raise FlowDecodeError and nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          drain.map(({ closed, active, nowNs }) => encode(closed, active, nowNs)),
        ),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (buf, cut, at, byte) => {
          const mutated = Buffer.from(buf.subarray(0, buf.length === 0 ? 0 : cut % (buf.length + 1)));
          if (mutated.length > 0) mutated[at % mutated.length] = byte;
          try {
            const d = decodeFlowDrain(mutated);
            expect(mutated.length).toBe(FLOW_HEADER_SIZE + (d.closed.length + d.active.length) * FLOW_RECORD_SIZE);
          } catch (err) {
            expect(err).toBeInstanceOf(FlowDecodeError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('names each defect precisely', () => {
    const one = encode([], [], 1);
    expect(() => decodeFlowDrain(one.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'truncated' }));
    const badMagic = Buffer.from(one);
    badMagic.writeUInt32LE(0, 0);
    expect(() => decodeFlowDrain(badMagic)).toThrow(expect.objectContaining({ code: 'bad_magic' }));
    const badSize = Buffer.from(one);
    badSize.writeUInt16LE(FLOW_RECORD_SIZE + 8, 6);
    expect(() => decodeFlowDrain(badSize)).toThrow(expect.objectContaining({ code: 'abi_mismatch' }));
    const extra = Buffer.concat([one, Buffer.alloc(3)]);
    expect(() => decodeFlowDrain(extra)).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
    const claimsOne = Buffer.from(one);
    claimsOne.writeUInt32LE(1, 12);
    expect(() => decodeFlowDrain(claimsOne)).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  it('refuses a live record that says it closed, and a close record that says it is open', () => {
    const rec = fc.sample(rawRecord(false), { numRuns: 1, seed: 7 })[0] as Raw;
    const asClosed = encode([rec], [], 0);
    expect(() => decodeFlowDrain(asClosed)).toThrow(expect.objectContaining({ code: 'bad_record' }));
    const badFamily = encode([], [rec], 0);
    badFamily.writeUInt16LE(7, FLOW_HEADER_SIZE + 116);
    expect(() => decodeFlowDrain(badFamily)).toThrow(expect.objectContaining({ code: 'bad_record' }));
  });
});
