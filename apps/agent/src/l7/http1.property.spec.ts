import type { SocketEvent } from '@bathyscope/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionTracker } from './connection-tracker';
import { responseStatusOf } from './http1-pairing';
import { socketEvent, splitAt } from './l7-test-kit';
import type { HttpRequestRecord } from './types';

/** One generated exchange and the bytes it puts on the wire. */
interface Exchange {
  method: string;
  path: string;
  host: string;
  version: '1.0' | '1.1';
  request: Buffer;
  /** Interim 1xx responses, then the final one. */
  interim: Buffer[];
  response: Buffer;
  status: number;
  /** The response has no length and ends when the connection closes. */
  untilClose: boolean;
}

const FRAMING_NAMES = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'user-agent',
  'x-request-id',
  'traceparent',
]);

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) => !FRAMING_NAMES.has(n.toLowerCase()));
const headerValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const headers = fc.array(fc.tuple(headerName, headerValue), { maxLength: 8, size: 'medium' });
const path = fc.stringMatching(/^\/[A-Za-z0-9._~%/-]{0,40}(\?[A-Za-z0-9=&%-]{0,20})?$/);
const body = fc.uint8Array({ maxLength: 1000, size: 'medium' }).map((a) => Buffer.from(a));
const caseOf = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());

interface FramedBody {
  body: Buffer;
  encoding: 'length' | 'chunked';
  cuts: number[];
  ext: boolean;
  upperHex: boolean;
  trailers: [string, string][];
  clName: string;
  teName: string;
}

/** Body framing: Content-Length, or chunked with random chunk boundaries, extensions and trailers. */
const framedBody: fc.Arbitrary<FramedBody> = fc.record({
  body,
  encoding: fc.constantFrom('length' as const, 'chunked' as const),
  cuts: fc.array(fc.nat(1000), { maxLength: 6 }),
  ext: fc.boolean(),
  upperHex: fc.boolean(),
  trailers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 2 }),
  clName: caseOf('Content-Length'),
  teName: caseOf('Transfer-Encoding'),
});

function encodeBody(f: FramedBody): { header: string; bytes: Buffer } {
  if (f.encoding === 'length') return { header: `${f.clName}: ${f.body.length}\r\n`, bytes: f.body };
  const parts: Buffer[] = [];
  for (const piece of splitAt(f.body, f.cuts)) {
    const size = piece.length.toString(16);
    parts.push(
      Buffer.from(`${f.upperHex ? size.toUpperCase() : size}${f.ext ? ';name=val' : ''}\r\n`),
      piece,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`0\r\n${f.trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`));
  return { header: `${f.teName}: chunked\r\n`, bytes: Buffer.concat(parts) };
}

const exchange = (untilCloseAllowed: boolean) =>
  fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      path,
      host: fc.option(fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{1,5})?$/), { nil: undefined }),
      version: fc.constantFrom('1.0', '1.1') as fc.Arbitrary<'1.0' | '1.1'>,
      reqHeaders: headers,
      reqBody: fc.option(framedBody, { nil: undefined }),
      interim: fc.array(
        fc.constantFrom(
          'HTTP/1.1 100 Continue\r\n\r\n',
          'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n',
        ),
        { maxLength: 2 },
      ),
      status: fc.constantFrom(200, 201, 204, 206, 301, 304, 400, 404, 418, 500, 503),
      reason: fc.constantFrom(' OK', ' Whatever Reason', ' ', ''),
      resHeaders: headers,
      resBody: framedBody,
      untilClose: fc.boolean().map((b) => b && untilCloseAllowed),
    })
    .map((g): Exchange => {
      const hdr = (list: [string, string][]) => list.map(([n, v]) => `${n}: ${v}\r\n`).join('');
      const rb = g.reqBody && g.method !== 'GET' && g.method !== 'HEAD' ? encodeBody(g.reqBody) : undefined;
      const request = Buffer.concat([
        Buffer.from(
          `${g.method} ${g.path} HTTP/${g.version}\r\n${g.host !== undefined ? `Host: ${g.host}\r\n` : ''}${hdr(g.reqHeaders)}${rb?.header ?? ''}\r\n`,
          'latin1',
        ),
        rb?.bytes ?? Buffer.alloc(0),
      ]);
      const noBody = g.status === 204 || g.status === 304 || g.method === 'HEAD';
      const resb = encodeBody(g.resBody);
      let framing = resb.header;
      let payload = resb.bytes;
      if (noBody) {
        // HEAD and 304 may announce a length they do not send.
        framing = g.resBody.encoding === 'length' && g.status !== 204 ? resb.header : '';
        payload = Buffer.alloc(0);
      } else if (g.untilClose) {
        framing = 'Connection: close\r\n';
        payload = g.resBody.body;
      }
      const response = Buffer.concat([
        Buffer.from(`HTTP/1.1 ${g.status}${g.reason}\r\n${hdr(g.resHeaders)}${framing}\r\n`, 'latin1'),
        payload,
      ]);
      return {
        method: g.method,
        path: g.path,
        host: g.host ?? '',
        version: g.version,
        request,
        interim: g.interim.map((s) => Buffer.from(s, 'latin1')),
        response,
        status: g.status,
        untilClose: g.untilClose && !noBody,
      };
    });

/** Chunking of a byte stream: random cut points, or one byte at a time. */
const chunking = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(fc.nat(8000), { maxLength: 40, size: 'medium' }).map((cuts) => ({ oneByte: false, cuts })),
  },
  { weight: 1, arbitrary: fc.constant({ oneByte: true, cuts: [] as number[] }) },
);

function cutStream(buf: Buffer, c: { oneByte: boolean; cuts: number[] }): Buffer[] {
  if (c.oneByte) return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
  return splitAt(
    buf,
    c.cuts.map((x) => x % (buf.length + 1)),
  );
}

/** Index of the chunk holding byte `offset` of a stream split into `chunks`. */
function chunkOf(chunks: Buffer[], offset: number): number {
  let start = 0;
  for (let i = 0; i < chunks.length; i++) {
    start += (chunks[i] as Buffer).length;
    if (offset < start) return i;
  }
  throw new Error(`offset ${offset} beyond stream`);
}

interface Scenario {
  events: SocketEvent[];
  expected: Partial<HttpRequestRecord>[];
}

/**
 * Writes the requests and responses as one socket's events, interleaved at random but causally:
 * a response's first byte is only sent after its whole request was.
 */
function buildScenario(
  exchanges: Exchange[],
  reqCut: { oneByte: boolean; cuts: number[] },
  resCut: { oneByte: boolean; cuts: number[] },
  choices: boolean[],
  side: 'client' | 'server',
  closeAtEnd: boolean,
): Scenario {
  const reqStream = Buffer.concat(exchanges.map((x) => x.request));
  const resStream = Buffer.concat(exchanges.flatMap((x) => [...x.interim, x.response]));
  const reqChunks = cutStream(reqStream, reqCut);
  const resChunks = cutStream(resStream, resCut);

  // Byte offsets of each message in its stream.
  const reqStart: number[] = [];
  const reqEnd: number[] = [];
  const resFirst: number[] = [];
  const finalStart: number[] = [];
  const finalEnd: number[] = [];
  let ro = 0;
  let so = 0;
  for (const x of exchanges) {
    reqStart.push(ro);
    ro += x.request.length;
    reqEnd.push(ro - 1);
    resFirst.push(so);
    for (const i of x.interim) so += i.length;
    finalStart.push(so);
    so += x.response.length;
    finalEnd.push(so - 1);
  }

  // Earliest request chunk that must be out before each response chunk.
  const need = new Array<number>(resChunks.length).fill(-1);
  exchanges.forEach((_, i) => {
    const j = chunkOf(resChunks, resFirst[i] as number);
    need[j] = Math.max(need[j] as number, chunkOf(reqChunks, reqEnd[i] as number));
  });
  for (let j = 1; j < need.length; j++) need[j] = Math.max(need[j] as number, need[j - 1] as number);

  const reqTs: bigint[] = [];
  const resTs: bigint[] = [];
  const events: SocketEvent[] = [];
  const reqDir = side === 'client' ? 'egress' : 'ingress';
  const resDir = side === 'client' ? 'ingress' : 'egress';
  let qi = 0;
  let si = 0;
  let k = 0;
  const emit = (direction: 'egress' | 'ingress', data: Buffer): bigint => {
    const tsNs = BigInt(events.length + 1) * 1000n;
    events.push(socketEvent({ direction, tsNs, data, pid: 42, tid: 43, fd: 6, sockId: 99n }));
    return tsNs;
  };
  while (qi < reqChunks.length || si < resChunks.length) {
    const resAllowed = si < resChunks.length && (need[si] as number) < qi;
    const pickRes = resAllowed && (qi >= reqChunks.length || (choices[k++ % Math.max(1, choices.length)] ?? true));
    if (pickRes) resTs.push(emit(resDir, resChunks[si++] as Buffer));
    else reqTs.push(emit(reqDir, reqChunks[qi++] as Buffer));
  }
  let closeTs = 0n;
  if (closeAtEnd) {
    closeTs = BigInt(events.length + 1) * 1000n;
    events.push(
      socketEvent({ kind: 'close', direction: 'egress', tsNs: closeTs, pid: 42, tid: 43, fd: 6, sockId: 99n }),
    );
  }

  const expected = exchanges.map((x, i): Partial<HttpRequestRecord> => {
    const untilClose = i === exchanges.length - 1 && closeAtEnd;
    return {
      side,
      method: x.method,
      path: x.path,
      host: x.host,
      version: x.version,
      status: x.status,
      responseStatus: responseStatusOf(x.status),
      startNs: reqTs[chunkOf(reqChunks, reqStart[i] as number)],
      endNs: resTs[chunkOf(resChunks, finalStart[i] as number)],
      responseEndNs: untilClose ? closeTs : resTs[chunkOf(resChunks, finalEnd[i] as number)],
      requestBytes: x.request.length,
      responseBytes: x.interim.reduce((n, b) => n + b.length, 0) + x.response.length,
      truncated: false,
    };
  });
  return { events, expected };
}

function run(events: SocketEvent[]): { records: HttpRequestRecord[]; tracker: ConnectionTracker } {
  const records: HttpRequestRecord[] = [];
  const tracker = new ConnectionTracker({ onRecord: (r) => records.push(r) });
  for (const ev of events) tracker.push(ev);
  return { records, tracker };
}

/** Exchanges where only the last response may be read-until-close (it then ends at the close event). */
const exchanges = fc
  .tuple(fc.array(exchange(false), { minLength: 0, maxLength: 7 }), exchange(true))
  .map(([init, last]) => ({ list: [...init, last], untilClose: last.untilClose }));

describe('HTTP/1.x parsing and pairing (properties)', () => {
  it('random valid exchanges split at random boundaries give exactly the right records, in order', () => {
    fc.assert(
      fc.property(
        exchanges,
        chunking,
        chunking,
        fc.array(fc.boolean(), { maxLength: 50 }),
        fc.constantFrom('client', 'server'),
        (ex, reqCut, resCut, choices, side) => {
          const { events, expected } = buildScenario(
            ex.list,
            reqCut,
            resCut,
            choices,
            side as 'client' | 'server',
            ex.untilClose,
          );
          const { records, tracker } = run(events);
          if (!ex.untilClose) tracker.closeAll(1n << 60n);
          expect(records).toHaveLength(expected.length);
          records.forEach((r, i) => {
            expect(r).toMatchObject(expected[i] as Partial<HttpRequestRecord>);
          });
          const s = tracker.stats();
          expect(s.desyncs).toBe(0);
          expect(s.orphanResponses).toBe(0);
          expect(Object.values(s.parseErrors).every((n) => n === 0)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('bodies beyond the capture cap are skipped by length: records stay exact', () => {
    fc.assert(
      fc.property(
        fc.array(exchange(false), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 64 }),
        (list, slack) => {
          // One write per message; the tracer captured the head plus `slack` bytes of each.
          const events: SocketEvent[] = [];
          let ts = 0n;
          const send = (direction: 'egress' | 'ingress', msg: Buffer) => {
            const headLen = msg.indexOf('\r\n\r\n') + 4;
            const data = msg.subarray(0, Math.min(msg.length, headLen + slack));
            ts += 10n;
            events.push(socketEvent({ direction, tsNs: ts, data, totalLen: msg.length }));
          };
          for (const x of list) {
            send('egress', x.request);
            for (const i of x.interim) send('ingress', i);
            send('ingress', x.response);
          }
          const { records, tracker } = run(events);
          const chunkedWithGap = (m: Buffer) =>
            /transfer-encoding: chunked/i.test(m.toString('latin1').split('\r\n\r\n')[0] ?? '');
          // Chunked framing inside an uncaptured tail is unknowable; only length-framed exchanges must be exact.
          const exact = list.every((x) => !chunkedWithGap(x.request) && !chunkedWithGap(x.response));
          if (exact) {
            expect(records.map((r) => [r.path, r.status, r.requestBytes, r.responseBytes])).toEqual(
              list.map((x) => [
                x.path,
                x.status,
                x.request.length,
                x.interim.reduce((n, b) => n + b.length, 0) + x.response.length,
              ]),
            );
            expect(tracker.stats().desyncs).toBe(0);
          } else {
            expect(records.length).toBeLessThanOrEqual(list.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random garbage alone or between valid messages never throws and never yields more records than requests', () => {
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            exchange(false).map((x) => ({ x })),
            garbage.map((g) => ({ g, egress: true })),
            garbage.map((g) => ({ g, egress: false })),
          ),
          { maxLength: 12 },
        ),
        fc.array(fc.nat(5000), { maxLength: 12 }),
        (items, gaps) => {
          const events: SocketEvent[] = [];
          let requests = 0;
          let ts = 0n;
          let gi = 0;
          const push = (direction: 'egress' | 'ingress', data: Buffer) => {
            ts += 5n;
            const extra = gi < gaps.length && (gaps[gi] as number) % 3 === 0 ? (gaps[gi] as number) : 0;
            gi++;
            events.push(socketEvent({ direction, tsNs: ts, data, totalLen: data.length + extra }));
          };
          for (const it of items) {
            if ('x' in it) {
              requests++;
              push('egress', it.x.request);
              for (const i of it.x.interim) push('ingress', i);
              push('ingress', it.x.response);
            } else push(it.egress ? 'egress' : 'ingress', it.g);
          }
          let records: HttpRequestRecord[] = [];
          let tracker: ConnectionTracker | undefined;
          expect(() => {
            ({ records, tracker } = run(events));
            tracker.expire(ts + 60_000_000_000n);
            tracker.closeAll(ts + 60_000_000_001n);
          }).not.toThrow();
          expect(records.length).toBeLessThanOrEqual(requests);
          expect(tracker?.stats().parseErrors.internal).toBe(0);
          for (const r of records) {
            expect(r.endNs >= r.startNs && r.responseEndNs >= r.endNs).toBe(true);
            expect(r.path.length).toBeLessThanOrEqual(1024);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('random capture truncation and lost events never throw and never invent records', () => {
    fc.assert(
      fc.property(
        exchanges,
        chunking,
        chunking,
        fc.array(fc.boolean(), { maxLength: 50 }),
        fc.array(fc.tuple(fc.nat(100), fc.nat(4)), { minLength: 1, maxLength: 60 }),
        (ex, reqCut, resCut, choices, damage) => {
          const { events } = buildScenario(ex.list, reqCut, resCut, choices, 'client', ex.untilClose);
          // Per event: 0 = capture truncated to a random prefix (totalLen kept), 1 = event lost, else intact.
          let dropped = false;
          const damaged = events.flatMap((ev, i) => {
            const [keepPct, mode] = damage[i % damage.length] as [number, number];
            if (ev.kind !== 'data' || mode >= 2) return [ev];
            if (mode === 1) {
              dropped = true;
              return [];
            }
            return [{ ...ev, data: ev.data.subarray(0, Math.floor((ev.data.length * keepPct) / 100)) }];
          });
          let records: HttpRequestRecord[] = [];
          let tracker: ConnectionTracker | undefined;
          expect(() => {
            ({ records, tracker } = run(damaged));
            tracker.expire(1n << 50n);
            tracker.closeAll(1n << 51n);
          }).not.toThrow();
          expect(records.length).toBeLessThanOrEqual(ex.list.length);
          expect(tracker?.stats().parseErrors.internal).toBe(0);
          const paths = new Set(ex.list.map((x) => x.path));
          for (const r of records) {
            expect(r.endNs >= r.startNs && r.responseEndNs >= r.endNs).toBe(true);
            // A lost event is not announced (unlike a truncated capture), so the bytes on either side of
            // it can splice into a plausible message; only announced damage must never invent a request.
            if (!dropped) expect(paths).toContain(r.path);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('configurable request-id headers (properties)', () => {
  // Any name the agent configuration accepts (RFC 9110 token characters, lower case).
  const ridName = fc
    .stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/)
    .filter((n) => !FRAMING_NAMES.has(n) && n !== 'connection');
  const ridSet = fc.uniqueArray(ridName, { minLength: 1, maxLength: 8 });
  const recase = (name: string, flips: boolean[]) =>
    [...name].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toUpperCase() : c)).join('');

  /** A request whose headers mix unrelated ones with some configured names (any case, repeats allowed). */
  const requestWith = (names: string[]) =>
    fc.record({
      others: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
      picks: fc.array(fc.tuple(fc.nat(names.length - 1), headerValue, fc.array(fc.boolean(), { maxLength: 8 })), {
        maxLength: 5,
      }),
      order: fc.array(fc.nat(), { maxLength: 12 }),
    });

  function expectedId(picks: [number, string, boolean[]][]): string | undefined {
    let best: [number, string] | undefined;
    for (const [i, value] of picks) if (best === undefined || i < best[0]) best = [i, value];
    return best?.[1];
  }

  /** `avoid`: names unrelated headers must not take (every configured name, before and after a change). */
  function render(
    names: string[],
    avoid: string[],
    others: [string, string][],
    picks: [number, string, boolean[]][],
    order: number[],
  ) {
    const lines = others.filter(([n]) => !avoid.includes(n.toLowerCase())).map(([n, v]) => `${n}: ${v}\r\n`);
    // Configured headers keep their relative order (the first of equal rank wins), spread among the others.
    const slots = picks.map((_, k) => (order[k] ?? 0) % (lines.length + 1)).sort((a, b) => a - b);
    const out: string[] = [];
    let k = 0;
    for (let at = 0; at <= lines.length; at++) {
      while (k < picks.length && slots[k] === at) {
        const [i, value, flips] = picks[k++] as [number, string, boolean[]];
        out.push(`${recase(names[i] as string, flips)}:  ${value} \r\n`);
      }
      if (at < lines.length) out.push(lines[at] as string);
    }
    return out.join('');
  }

  it('records the value of the most preferred configured header present, whatever its case and position', () => {
    fc.assert(
      fc.property(
        ridSet.chain((names) => fc.tuple(fc.constant(names), requestWith(names), ridSet, requestWith(names))),
        ([names, first, nextNames, second]) => {
          const records: HttpRequestRecord[] = [];
          const tracker = new ConnectionTracker({ onRecord: (r) => records.push(r), requestIdHeaders: names });
          const send = (ts: bigint, headers: string) => {
            const req = Buffer.from(`GET /r HTTP/1.1\r\nHost: h\r\n${headers}\r\n`, 'latin1');
            tracker.push(socketEvent({ direction: 'egress', tsNs: ts, data: req }));
            tracker.push(
              socketEvent({
                direction: 'ingress',
                tsNs: ts + 1n,
                data: Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'),
              }),
            );
          };
          send(10n, render(names, [...names, ...nextNames], first.others, first.picks, first.order));
          // A configuration change reaches the live connection at its next request head.
          tracker.requestIdHeaders.set(nextNames);
          const secondHeaders = render(names, [...names, ...nextNames], second.others, second.picks, second.order);
          send(20n, secondHeaders);
          expect(records).toHaveLength(2);
          expect(records[0]?.xRequestId).toBe(expectedId(first.picks));
          // Against the new set: the same bytes, read with the new preference order.
          const present = second.picks.map(([i, value]) => [nextNames.indexOf(names[i] as string), value] as const);
          const wanted = present.filter(([rank]) => rank >= 0).sort((a, b) => a[0] - b[0])[0];
          expect(records[1]?.xRequestId).toBe(wanted?.[1]);
          expect(records.every((r) => r.host === 'h' && r.status === 204)).toBe(true);
          expect(tracker.stats().desyncs).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });
});
