import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeL7RequestBatch,
  encodeL7RequestBatch,
  type L7Request,
  type L7RequestBatch,
  L7RequestBatchType,
  parseAgentToken,
  formatAgentToken,
  WireDecodeError,
} from './index';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const str = fc.string({ maxLength: 64 });
const arbRow: fc.Arbitrary<L7Request> = fc.record({
  startTimeUs: u53,
  endTimeUs: u53,
  pid: u32,
  tid: u32,
  processName: str,
  tapSide: fc.integer({ min: 0, max: 2 }),
  clientIp: str,
  clientPort: fc.integer({ min: 0, max: 65535 }),
  serverIp: str,
  serverPort: fc.integer({ min: 0, max: 65535 }),
  protocol: fc.integer({ min: 0, max: 9 }),
  version: str,
  method: str,
  path: fc.string({ maxLength: 300 }),
  host: str,
  statusCode: fc.integer({ min: 0, max: 999 }),
  responseStatus: fc.integer({ min: 0, max: 4 }),
  requestBytes: u53,
  responseBytes: u53,
  xRequestId: str,
  traceparent: str,
  userAgent: str,
  namespace: str,
  service: str,
  environment: str,
  endpoint: str,
  requestType: str,
  containerId: str,
  podUid: str,
  cmdline: fc.string({ maxLength: 512 }),
  processStartTime: u53,
  cgroupId: u53,
  syscallTraceIdRequest: u53,
  syscallTraceIdResponse: u53,
  reqTcpSeq: u32,
  respTcpSeq: u32,
  isTls: fc.boolean(),
});

const RESOURCE_FIELDS = ['namespace', 'service', 'environment'] as const;
const L7RequestType = L7RequestBatchType.lookupType('bathyscope.v1.L7Request');

/** The schema as it was before the resource attributes (fields 23–25), i.e. what an older gateway decodes with. */
function schemaWithoutResourceFields(): protobuf.Type {
  const source = fs.readFileSync(path.join(__dirname, '..', 'proto', 'bathyscope', 'v1', 'telemetry.proto'), 'utf8');
  const old = source
    .split('\n')
    // Every field from 23 on (resource attributes, and the protocol and identity fields added after them).
    .filter((line) => !/^\s*\w+ \w+ = (2[3-9]|[3-9]\d);/.test(line))
    .join('\n');
  const type = protobuf.parse(old).root.lookupType('bathyscope.v1.L7RequestBatch');
  if (type.lookupType('bathyscope.v1.L7Request').fieldsArray.some((f) => f.id >= 23)) {
    throw new Error('failed to strip the resource fields from the schema');
  }
  return type;
}

describe('L7RequestBatch codec', () => {
  it('round-trips any batch exactly, 64-bit fields as plain numbers', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 32 }), u53, fc.array(arbRow, { maxLength: 20 }), (stream, seq, rows) => {
        const decoded = decodeL7RequestBatch(encodeL7RequestBatch({ stream, seq, rows }));
        expect(decoded.stream).toBe(stream);
        expect(decoded.seq).toBe(seq);
        expect(decoded.rows).toHaveLength(rows.length);
        decoded.rows.forEach((r, i) => {
          expect(L7RequestType.toObject(r as never, { defaults: true })).toEqual(rows[i]);
          expect(typeof r.startTimeUs).toBe('number');
        });
      }),
      { numRuns: 200 },
    );
  });

  it('uses field numbers 23–25 for the workload resource attributes', () => {
    expect(RESOURCE_FIELDS.map((name) => L7RequestType.fields[name]?.id)).toEqual([23, 24, 25]);
    for (const name of RESOURCE_FIELDS) expect(L7RequestType.fields[name]?.type).toBe('string');
  });

  it('uses field numbers 28–32 for AutoTracing ids, TCP sequence numbers and TLS', () => {
    const names = ['syscallTraceIdRequest', 'syscallTraceIdResponse', 'reqTcpSeq', 'respTcpSeq', 'isTls'];
    expect(names.map((name) => L7RequestType.fields[name]?.id)).toEqual([28, 29, 30, 31, 32]);
    const [decoded] = decodeL7RequestBatch(
      encodeL7RequestBatch({
        stream: 'l7',
        seq: 1,
        rows: [{ ...fc.sample(arbRow, 1)[0]!, syscallTraceIdRequest: 2 ** 53 - 1 }],
      }),
    ).rows;
    expect(decoded?.syscallTraceIdRequest).toBe(2 ** 53 - 1);
  });

  it('reads resource attributes as "" from agents that do not send them', () => {
    fc.assert(
      fc.property(arbRow, (row) => {
        const old = Object.fromEntries(
          Object.entries(row).filter(([k]) => !(RESOURCE_FIELDS as readonly string[]).includes(k)),
        ) as unknown as L7Request;
        const [decoded] = decodeL7RequestBatch(encodeL7RequestBatch({ stream: 'l7', seq: 1, rows: [old] })).rows;
        for (const name of RESOURCE_FIELDS) expect(decoded?.[name]).toBe('');
        expect(decoded?.userAgent).toBe(row.userAgent);
      }),
    );
  });

  it('stays decodable by a gateway that predates the resource attributes (unknown fields skipped)', () => {
    const OldBatch = schemaWithoutResourceFields();
    fc.assert(
      fc.property(fc.string({ maxLength: 32 }), u53, fc.array(arbRow, { maxLength: 10 }), (stream, seq, rows) => {
        const decoded = OldBatch.toObject(OldBatch.decode(encodeL7RequestBatch({ stream, seq, rows })), {
          defaults: true,
        }) as L7RequestBatch;
        expect(decoded.stream).toBe(stream);
        expect(decoded.seq).toBe(seq);
        expect(decoded.rows).toEqual(
          rows.map(
            ({
              namespace: _n,
              service: _s,
              environment: _e,
              endpoint: _p,
              requestType: _t,
              containerId: _c,
              podUid: _u,
              cmdline: _m,
              processStartTime: _st,
              cgroupId: _g,
              syscallTraceIdRequest: _tq,
              syscallTraceIdResponse: _tr,
              reqTcpSeq: _sq,
              respTcpSeq: _sr,
              isTls: _tls,
              ...rest
            }) => rest,
          ),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('never crashes on arbitrary bytes: decodes or throws WireDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeL7RequestBatch(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never crashes on truncations or bit flips of a valid batch', () => {
    const valid = encodeL7RequestBatch({ stream: 'l7', seq: 3, rows: [{ path: '/x', method: 'GET' } as L7Request] });
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length * 8), (cut, bit) => {
        const mutated = Uint8Array.from(valid.subarray(0, cut));
        if (mutated.length > 0) mutated[(bit >> 3) % mutated.length]! ^= 1 << (bit & 7);
        try {
          decodeL7RequestBatch(mutated);
        } catch (err) {
          expect(err).toBeInstanceOf(WireDecodeError);
        }
      }),
    );
  });
});

describe('agent token', () => {
  it('parses what it formats', () => {
    expect(parseAgentToken(formatAgentToken(42, 'A'.repeat(43)))).toEqual({ agentId: 42, secret: 'A'.repeat(43) });
  });

  it('rejects anything malformed without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const parsed = parseAgentToken(s);
        if (parsed) expect(formatAgentToken(parsed.agentId, parsed.secret)).toBe(s);
      }),
    );
    for (const bad of [
      '',
      'bsa_',
      'bsa_0_aaaaaaaaaaaaaaaaaaaa',
      'bsa_1_short',
      `bsa_99999999999_${'a'.repeat(20)}`,
      `bsa_1_${'a'.repeat(20)}'--`,
    ]) {
      expect(parseAgentToken(bad)).toBeNull();
    }
  });
});
