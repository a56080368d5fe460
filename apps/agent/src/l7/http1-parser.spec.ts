import { describe, expect, it } from 'vitest';
import { Http1Parser } from './http1-parser';
import { L7Counters } from './l7-counters';
import { bytes, RecordingListener } from './l7-test-kit';
import { RequestIdHeaders } from './request-id-headers';

function setup(expect: 'any' | 'request' | 'response' = 'any', maxHeaderBytes?: number) {
  const listener = new RecordingListener();
  const counters = new L7Counters();
  const parser = new Http1Parser(listener, counters, maxHeaderBytes, expect);
  return { listener, counters, parser };
}

const GET = 'GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';

describe('Http1Parser', () => {
  it('parses a simple GET and detects the direction as requests', () => {
    const { listener, parser } = setup();
    parser.feed(bytes(GET), 10n);
    expect(listener.events.map((e) => e.type)).toEqual(['detect', 'request', 'end']);
    expect(listener.of('detect')[0]?.kind).toBe('request');
    const req = listener.of('request')[0];
    expect(req).toMatchObject({ method: 'GET', path: '/a?b=1', host: 'example.com', startNs: 10n });
    expect(req?.head.userAgent).toBe('curl/8');
    expect(req?.head.version).toBe('1.1');
    expect(listener.of('end')[0]).toEqual({ type: 'end', bytes: GET.length, endNs: 10n, complete: true });
  });

  it('parses a 200 response with a Content-Length body', () => {
    const { listener, parser } = setup('response');
    parser.feed(bytes(OK), 5n);
    expect(listener.of('response')).toEqual([{ type: 'response', status: 200, startNs: 5n }]);
    expect(listener.of('end')).toEqual([{ type: 'end', bytes: OK.length, endNs: 5n, complete: true }]);
  });

  it('skips a POST body by Content-Length across reads and reports the end at the last read', () => {
    const { listener, parser } = setup('request');
    const head = 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n';
    parser.feed(bytes(`${head}01234`), 1n);
    expect(listener.of('end')).toHaveLength(0);
    parser.feed(bytes('567'), 2n);
    parser.feed(bytes(`89${GET}`), 3n);
    expect(listener.of('request').map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(listener.of('end')).toEqual([
      { type: 'end', bytes: head.length + 10, endNs: 3n, complete: true },
      { type: 'end', bytes: GET.length, endNs: 3n, complete: true },
    ]);
  });

  it('parses a chunked response whose chunk-size lines, data and CRLFs are split across reads', () => {
    const { listener, parser } = setup('response');
    const msg =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n';
    const pieces = [40, 47, 49, 52, 60, 75, 76, 78, 79, 80, 90, 100, 101, 110];
    let prev = 0;
    let ts = 0n;
    for (const cut of [...pieces, msg.length]) {
      parser.feed(bytes(msg.slice(prev, cut)), ++ts);
      prev = cut;
    }
    expect(listener.of('response')).toEqual([{ type: 'response', status: 200, startNs: 1n }]);
    expect(listener.of('end')).toEqual([{ type: 'end', bytes: msg.length, endNs: ts, complete: true }]);
    parser.feed(bytes(OK), 100n);
    expect(listener.of('end')).toHaveLength(2);
  });

  it('parses three pipelined requests in one write and three responses in one read', () => {
    const req = setup('request');
    const reqs = [
      'GET /1 HTTP/1.1\r\n\r\n',
      'POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc',
      'DELETE /3 HTTP/1.1\r\n\r\n',
    ];
    req.parser.feed(bytes(reqs.join('')), 7n);
    expect(req.listener.of('request').map((r) => `${r.method} ${r.path}`)).toEqual(['GET /1', 'POST /2', 'DELETE /3']);
    expect(req.listener.of('end').map((e) => e.bytes)).toEqual(reqs.map((r) => r.length));

    const res = setup('response');
    const resps = [
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnop\r\n0\r\n\r\n',
    ];
    res.parser.feed(bytes(resps.join('')), 8n);
    expect(res.listener.of('response').map((r) => r.status)).toEqual([200, 201, 404]);
    expect(res.listener.of('end').map((e) => e.bytes)).toEqual(resps.map((r) => r.length));
  });

  it('ignores empty lines between messages', () => {
    const { listener, parser, counters } = setup('request');
    parser.feed(bytes('POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n'), 1n);
    parser.feed(bytes('\r\n'), 2n);
    parser.feed(bytes('GET /b HTTP/1.1\r\n\r\n'), 3n);
    expect(listener.of('request').map((r) => [r.path, r.startNs])).toEqual([
      ['/a', 1n],
      ['/b', 3n],
    ]);
    expect(counters.snapshot(0).desyncs).toBe(0);
  });

  it('handles many sequential keep-alive messages', () => {
    const { listener, parser, counters } = setup('request');
    for (let i = 0; i < 1000; i++) parser.feed(bytes(`GET /item/${i} HTTP/1.1\r\nHost: h\r\n\r\n`), BigInt(i));
    const reqs = listener.of('request');
    expect(reqs).toHaveLength(1000);
    expect(reqs[999]?.path).toBe('/item/999');
    expect(reqs[999]?.startNs).toBe(999n);
    expect(counters.snapshot(0).parseErrors.invalid_start_line).toBe(0);
  });

  it('parses a request fed one byte at a time; start time is the first byte, end the last', () => {
    const { listener, parser } = setup();
    const msg =
      'PUT /x HTTP/1.0\r\nHost: a.b\r\nContent-Length: 3\r\nTraceparent: 00-abc-def-01\r\nX-Request-ID: rid-1\r\n\r\nxyz';
    for (let i = 0; i < msg.length; i++) parser.feed(bytes(msg[i] as string), BigInt(100 + i));
    const req = listener.of('request')[0];
    expect(req).toMatchObject({ method: 'PUT', path: '/x', host: 'a.b', startNs: 100n });
    expect(req?.head).toMatchObject({ version: '1.0', traceparent: '00-abc-def-01', xRequestId: 'rid-1' });
    expect(listener.of('end')).toEqual([
      { type: 'end', bytes: msg.length, endNs: BigInt(100 + msg.length - 1), complete: true },
    ]);
  });

  it('gives HEAD, 1xx, 204 and 304 responses no body even with Content-Length', () => {
    const { listener, parser } = setup('response');
    listener.methods.push('HEAD', 'GET', 'GET');
    const msgs = [
      'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n',
      'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    ];
    parser.feed(bytes(msgs.join('')), 1n);
    expect(listener.of('response').map((r) => r.status)).toEqual([200, 204, 304, 200]);
    expect(listener.of('end').map((e) => e.bytes)).toEqual(msgs.map((m) => m.length));
  });

  it('treats 100 Continue as an interim message before the final response', () => {
    const { listener, parser } = setup('response');
    listener.methods.push('POST');
    parser.feed(bytes('HTTP/1.1 100 Continue\r\n\r\n'), 1n);
    parser.feed(bytes('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'), 2n);
    expect(listener.of('response').map((r) => r.status)).toEqual([100, 201]);
    expect(listener.of('end')).toHaveLength(2);
  });

  it('reads a body without length until the connection ends', () => {
    const { listener, parser } = setup('response');
    parser.feed(bytes('HTTP/1.0 200 OK\r\nConnection: close\r\n\r\npart1'), 1n);
    parser.feed(bytes('part2'), 2n);
    parser.gap(100, 2n);
    expect(listener.of('end')).toHaveLength(0);
    parser.end(9n);
    const head = 'HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n';
    expect(listener.of('end')).toEqual([{ type: 'end', bytes: head.length + 10 + 100, endNs: 9n, complete: true }]);
    expect(parser.stopped).toBe(true);
  });

  it('skips an uncaptured middle of a Content-Length body and stays in sync', () => {
    const { listener, parser, counters } = setup('response');
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n';
    parser.feed(bytes(`${head}${'a'.repeat(4000)}`), 1n);
    parser.gap(100000 - 4000 - 10, 1n);
    parser.feed(bytes('0123456789'), 2n);
    parser.feed(bytes(OK), 3n);
    expect(listener.of('end')).toEqual([
      { type: 'end', bytes: head.length + 100000, endNs: 2n, complete: true },
      { type: 'end', bytes: OK.length, endNs: 3n, complete: true },
    ]);
    expect(counters.snapshot(0).desyncs).toBe(0);
  });

  it('completes a message whose tail is uncaptured, then resyncs on the next chunk', () => {
    const { listener, parser, counters } = setup('response');
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n';
    parser.feed(bytes(`${head}01234`), 1n);
    parser.gap(5 + 30, 1n); // rest of the body + 30 bytes of a next response we never saw
    expect(listener.of('end')).toEqual([{ type: 'end', bytes: head.length + 10, endNs: 1n, complete: true }]);
    expect(listener.of('desync')).toHaveLength(1);
    parser.feed(bytes('tail of the lost response'), 2n);
    parser.feed(bytes(OK), 3n);
    expect(listener.of('response').map((r) => r.startNs)).toEqual([1n, 3n]);
    const s = counters.snapshot(0);
    expect(s.parseErrors.gap_lost_sync).toBe(1);
    expect(s.resyncs).toBe(1);
    expect(s.resyncSkippedBytes).toBe(30 + 'tail of the lost response'.length);
  });

  it('skips an uncaptured part of a chunk and stays in sync when the gap ends inside chunk data', () => {
    const { listener, parser, counters } = setup('response');
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    parser.feed(bytes(`${head}2000\r\nabc`), 1n);
    parser.gap(0x2000 - 3, 1n); // exactly the rest of the chunk data
    parser.feed(bytes('\r\n0\r\n\r\n'), 2n);
    expect(listener.of('end')).toEqual([
      { type: 'end', bytes: head.length + 6 + 0x2000 + 2 + 5, endNs: 2n, complete: true },
    ]);
    expect(counters.snapshot(0).desyncs).toBe(0);
  });

  it('loses sync on a gap inside a header section', () => {
    const { listener, parser, counters } = setup('request');
    parser.feed(bytes('GET / HTTP/1.1\r\nCookie: aaaa'), 1n);
    parser.gap(20000, 1n);
    expect(listener.of('request')).toHaveLength(0);
    parser.feed(bytes('GET /next HTTP/1.1\r\n\r\n'), 2n);
    expect(listener.of('request').map((r) => r.path)).toEqual(['/next']);
    expect(counters.snapshot(0).parseErrors.gap_lost_sync).toBe(1);
  });

  it('resynchronises after garbage at the next chunk starting with a request line', () => {
    const { listener, parser, counters } = setup('request');
    parser.feed(bytes(GET), 1n);
    parser.feed(bytes('\x00\x01garbage GET / HTTP/1.1\r\n\r\n'), 2n);
    parser.feed(bytes('more garbage'), 3n);
    parser.feed(bytes('GET /after HTTP/1.1\r\n\r\n'), 4n);
    expect(listener.of('request').map((r) => r.path)).toEqual(['/a?b=1', '/after']);
    const s = counters.snapshot(0);
    expect(s.parseErrors.invalid_start_line).toBe(1);
    expect(s.resyncs).toBe(1);
    expect(s.resyncSkippedBytes).toBe('\x00\x01garbage GET / HTTP/1.1\r\n\r\n'.length + 'more garbage'.length);
  });

  it('caps the header section and recovers', () => {
    const { listener, parser, counters } = setup('request', 1024);
    parser.feed(bytes(`GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(600)}`), 1n);
    parser.feed(bytes('b'.repeat(600)), 2n);
    expect(counters.snapshot(0).parseErrors.header_too_large).toBe(1);
    parser.feed(bytes('\r\n\r\n'), 3n);
    parser.feed(bytes('GET /ok HTTP/1.1\r\n\r\n'), 4n);
    expect(listener.of('request').map((r) => r.path)).toEqual(['/ok']);
  });

  it('reports chunks whose first bytes are not HTTP/1.x, then examines only the start of later chunks', () => {
    for (const first of [
      '\x16\x03\x01\x02\x00',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      'SSH-2.0-OpenSSH\r\n',
      'GET\t/ HTTP/1.1\r\n',
      '220 smtp ready\r\n',
    ]) {
      const { listener, parser, counters } = setup();
      parser.feed(bytes(first), 1n);
      expect(listener.events, JSON.stringify(first)).toEqual([{ type: 'detect', kind: 'none' }]);
      parser.feed(bytes(`x${GET}`), 2n);
      parser.feed(bytes(GET), 3n);
      expect(listener.events.map((e) => e.type)).toEqual(['detect', 'detect', 'detect', 'request', 'end']);
      expect(Object.values(counters.snapshot(0).parseErrors).every((n) => n === 0)).toBe(true);
    }
  });

  it('does nothing once stopped', () => {
    const { listener, parser } = setup();
    parser.stop();
    parser.feed(bytes(GET), 1n);
    parser.gap(10, 1n);
    parser.end(2n);
    expect(listener.events).toEqual([]);
  });

  it('waits for more bytes when the first bytes are only a prefix of a start line', () => {
    const { listener, parser } = setup();
    parser.feed(bytes('HT'), 1n);
    parser.feed(bytes('TP/1.1 2'), 2n);
    expect(listener.events).toEqual([]);
    parser.feed(bytes('00 OK\r\nContent-Length: 0\r\n\r\n'), 3n);
    expect(listener.events.map((e) => e.type)).toEqual(['detect', 'response', 'end']);
    expect(listener.of('response')[0]?.startNs).toBe(1n);
  });

  it('counts malformed framing by reason', () => {
    const cases: [string, 'request' | 'response', string][] = [
      ['POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n', 'request', 'invalid_content_length'],
      ['POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'request', 'invalid_content_length'],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 'request', 'invalid_transfer_encoding'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'response', 'invalid_chunk_size'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab', 'response', 'invalid_chunk_terminator'],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'response', 'invalid_header'],
      ['HTTP/1.1 2x0 OK\r\n\r\n', 'response', 'invalid_start_line'],
    ];
    for (const [msg, kind, reason] of cases) {
      const { parser, counters } = setup(kind);
      parser.feed(bytes(msg), 1n);
      expect((counters.snapshot(0).parseErrors as Record<string, number>)[reason], msg).toBe(1);
    }
  });

  it('never throws on random binary input and never reports more messages than start lines', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const { listener, parser, counters } = setup(round % 2 === 0 ? 'request' : 'response');
      for (let i = 0; i < 20; i++) {
        const buf = Buffer.alloc(rand() % 300);
        for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
        expect(() => parser.feed(buf, BigInt(i))).not.toThrow();
        if (rand() % 4 === 0) expect(() => parser.gap(rand() % 1000, BigInt(i))).not.toThrow();
      }
      expect(listener.of('request').length + listener.of('response').length).toBe(0);
      expect(counters.snapshot(0).parseErrors.internal).toBe(0);
    }
  });

  it('reads the configured request-id headers in order of preference, any case, and follows a change', () => {
    const listener = new RecordingListener();
    const ids = new RequestIdHeaders(['x-correlation-id', 'request-id', 'x_trace^id']);
    const parser = new Http1Parser(listener, new L7Counters(), undefined, 'request', ids);
    const head = (h: string) => bytes(`GET / HTTP/1.1\r\n${h}\r\n`);
    parser.feed(head('Request-ID: r1\r\nX-Correlation-Id:  c1 \r\nX-Request-Id: x1\r\n'), 1n);
    parser.feed(head('X-Request-Id: x2\r\nrequest-id: r2\r\nREQUEST-ID: r2b\r\n'), 2n);
    // `^` and `_` are token characters: no case folding may turn them into something else.
    parser.feed(head('X_TRACE^ID: t3\r\nx_trace~id: nope\r\n'), 3n);
    parser.feed(head('X-Request-Id: x4\r\n'), 4n);
    ids.set(['X-Request-Id']);
    expect(ids.names).toEqual(['x-request-id']);
    parser.feed(head('X-Correlation-Id: c5\r\nX-Request-Id: x5\r\n'), 5n);
    ids.set([]);
    parser.feed(head('X-Request-Id: x6\r\n'), 6n);
    expect(listener.of('request').map((r) => r.head.xRequestId)).toEqual([
      'c1',
      'r2',
      't3',
      undefined,
      'x5',
      undefined,
    ]);
  });
});
