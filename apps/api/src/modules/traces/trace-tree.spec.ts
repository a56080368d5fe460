import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTraceTree, selfTime, type TraceSpanInput } from './trace-tree';

const base: Omit<TraceSpanInput, 'id' | 'startUs' | 'endUs' | 'side' | 'processKey' | 'service'> = {
  type: 'SYSTEM',
  traceId: '',
  spanId: '',
  parentSpanId: '',
  xRequestId: '',
  syscallTraceIdRequest: '0',
  syscallTraceIdResponse: '0',
  reqTcpSeq: 0,
  respTcpSeq: 0,
};

const sys = (
  id: string,
  side: 'client' | 'server',
  startUs: number,
  endUs: number,
  processKey: string,
  more: Partial<TraceSpanInput> = {},
): TraceSpanInput => ({ ...base, id, side, startUs, endUs, processKey, service: processKey, ...more });

/** The three-hop chain of the AutoTracing test: curl → A → B → Redis, with the ids the agent records. */
function chain(): TraceSpanInput[] {
  return [
    sys('curl', 'client', 0, 10_000, 'curl', { reqTcpSeq: 1, respTcpSeq: 2, xRequestId: 'r1' }),
    sys('aServer', 'server', 500, 9_500, 'a', {
      reqTcpSeq: 1,
      respTcpSeq: 2,
      xRequestId: 'r1',
      syscallTraceIdRequest: '11',
      syscallTraceIdResponse: '11',
    }),
    sys('aClient', 'client', 1_000, 9_000, 'a', {
      reqTcpSeq: 3,
      respTcpSeq: 4,
      xRequestId: 'r1',
      syscallTraceIdRequest: '11',
      syscallTraceIdResponse: '11',
    }),
    sys('bServer', 'server', 1_500, 8_500, 'b', {
      reqTcpSeq: 3,
      respTcpSeq: 4,
      xRequestId: 'r1',
      syscallTraceIdRequest: '22',
      syscallTraceIdResponse: '22',
    }),
    sys('bClient', 'client', 2_000, 8_000, 'b', {
      reqTcpSeq: 5,
      respTcpSeq: 6,
      syscallTraceIdRequest: '22',
      syscallTraceIdResponse: '22',
    }),
    // Redis' clock runs 3 ms behind: the TCP link needs no time containment.
    sys('redis', 'server', -500, 2_500, 'redis', { reqTcpSeq: 5, respTcpSeq: 6, syscallTraceIdRequest: '33' }),
  ];
}

const shape = (spans: TraceSpanInput[]) =>
  buildTraceTree(spans).nodes.map((n) => ({ id: n.span.id, parent: n.parentId, depth: n.depth, link: n.link }));

describe('buildTraceTree', () => {
  it('nests the three-hop chain by TCP sequence and syscall trace id', () => {
    expect(shape(chain())).toEqual([
      { id: 'curl', parent: null, depth: 0, link: null },
      { id: 'aServer', parent: 'curl', depth: 1, link: 'tcp_seq' },
      { id: 'aClient', parent: 'aServer', depth: 2, link: 'syscall' },
      { id: 'bServer', parent: 'aClient', depth: 3, link: 'tcp_seq' },
      { id: 'bClient', parent: 'bServer', depth: 4, link: 'syscall' },
      { id: 'redis', parent: 'bClient', depth: 5, link: 'tcp_seq' },
    ]);
  });

  it('attributes self time per span and per service', () => {
    const tree = buildTraceTree(chain());
    const self = Object.fromEntries(tree.nodes.map((n) => [n.span.id, n.selfTimeUs]));
    // Redis' span sticks out of bClient's by its clock offset: it keeps its 3 ms, moved inside bClient for attribution,
    // so the self times add up to the root's 10 ms.
    expect(self).toEqual({ curl: 1_000, aServer: 1_000, aClient: 1_000, bServer: 1_000, bClient: 3_000, redis: 3_000 });
    expect(Object.values(self).reduce((a, b) => a + b, 0)).toBe(10_000);
    // The trace spans from redis' skewed start (-500) to curl's end (10 000).
    expect(tree.endUs - tree.startUs).toBe(10_500);
    const a = tree.services.find((s) => s.service === 'a');
    expect(a).toMatchObject({ selfTimeUs: 2_000, spanCount: 2 });
    expect(a?.share).toBeCloseTo(2_000 / 10_500);
  });

  it("links OTel spans by parent id and puts the callee's system server span between caller and handler spans", () => {
    const otel = (id: string, parent: string, startUs: number, endUs: number, side: string): TraceSpanInput => ({
      ...base,
      id: `A:${id}`,
      type: 'APPLICATION',
      traceId: 't1',
      spanId: id,
      parentSpanId: parent,
      side,
      startUs,
      endUs,
      processKey: `otel:${id}`,
      service: 'svc',
    });
    const spans = [
      otel('root', '', 0, 1000, 'server'),
      otel('call', 'root', 100, 900, 'client'),
      // The callee's system server span saw traceparent 00-t1-call-01.
      sys('srv', 'server', 150, 850, 'p', { traceId: 't1', spanId: 'call' }),
      otel('handler', 'call', 200, 800, 'server'),
    ];
    expect(shape(spans)).toEqual([
      { id: 'A:root', parent: null, depth: 0, link: null },
      { id: 'A:call', parent: 'A:root', depth: 1, link: 'otel_parent' },
      { id: 'srv', parent: 'A:call', depth: 2, link: 'traceparent' },
      { id: 'A:handler', parent: 'srv', depth: 3, link: 'traceparent' },
    ]);
  });

  it('falls back to the x-request-id for spans nothing else links, choosing the tightest container', () => {
    const spans = [
      sys('outer', 'server', 0, 1000, 'p', { xRequestId: 'x' }),
      sys('inner', 'server', 100, 900, 'q', { xRequestId: 'x' }),
      sys('leaf', 'client', 200, 300, 'r', { xRequestId: 'x' }),
    ];
    expect(shape(spans).map((n) => [n.id, n.parent, n.link])).toEqual([
      ['outer', null, null],
      ['inner', 'outer', 'x_request_id'],
      ['leaf', 'inner', 'x_request_id'],
    ]);
  });

  it('does not link syscall trace ids across processes or outside the server span', () => {
    const spans = [
      sys('server', 'server', 0, 1000, 'p', { syscallTraceIdRequest: '9' }),
      sys('otherProcess', 'client', 100, 200, 'q', { syscallTraceIdRequest: '9' }),
      sys('later', 'client', 5000, 6000, 'p', { syscallTraceIdRequest: '9' }),
    ];
    expect(shape(spans).every((n) => n.parent === null)).toBe(true);
  });

  it('computes self time as duration minus the union of overlapping children', () => {
    const parent = sys('p', 'server', 0, 100, 'p');
    const kids = [sys('a', 'client', 10, 50, 'p'), sys('b', 'client', 40, 60, 'p'), sys('c', 'client', 90, 150, 'p')];
    expect(selfTime(parent, kids)).toBe(100 - 50 - 10);
  });

  // Random spans sharing a few ids of every kind: the adversarial shape of a real search result.
  const arbSpan = fc.record({
    startUs: fc.integer({ min: 0, max: 10_000 }),
    lengthUs: fc.integer({ min: 0, max: 10_000 }),
    side: fc.constantFrom('client', 'server'),
    type: fc.constantFrom('SYSTEM', 'SYSTEM', 'APPLICATION'),
    process: fc.constantFrom('p1', 'p2', 'p3'),
    seq: fc.integer({ min: 0, max: 3 }),
    syscall: fc.constantFrom('0', '1', '2'),
    xRequestId: fc.constantFrom('', 'x1', 'x2'),
    spanId: fc.constantFrom('', 's1', 's2', 's3'),
    parentSpanId: fc.constantFrom('', 's1', 's2', 's3'),
  });
  const arbSpans = fc.array(arbSpan, { maxLength: 40 }).map((list) =>
    list.map(
      (r, i): TraceSpanInput => ({
        ...base,
        id: `span-${i}`,
        type: r.type as TraceSpanInput['type'],
        startUs: r.startUs,
        endUs: r.startUs + r.lengthUs,
        side: r.side,
        traceId: 't',
        spanId: r.spanId,
        parentSpanId: r.parentSpanId,
        xRequestId: r.xRequestId,
        syscallTraceIdRequest: r.syscall,
        syscallTraceIdResponse: r.syscall,
        reqTcpSeq: r.seq,
        respTcpSeq: r.seq,
        processKey: r.process,
        service: r.process,
      }),
    ),
  );

  it('gives the same tree for any order of the same spans', () => {
    fc.assert(
      fc.property(
        arbSpans.chain((spans) =>
          fc.tuple(fc.constant(spans), fc.shuffledSubarray(spans, { minLength: spans.length })),
        ),
        ([spans, shuffled]) => {
          expect(shape(shuffled)).toEqual(shape(spans));
        },
      ),
    );
  });

  it('places every span exactly once, without cycles, at its parent depth + 1', () => {
    fc.assert(
      fc.property(arbSpans, (spans) => {
        const tree = buildTraceTree(spans);
        expect(tree.nodes.map((n) => n.span.id).sort()).toEqual(spans.map((s) => s.id).sort());
        const byId = new Map(tree.nodes.map((n) => [n.span.id, n]));
        for (const n of tree.nodes) {
          const seen = new Set<string>();
          for (let p = n.parentId; p !== null; p = byId.get(p)?.parentId ?? null) {
            expect(seen.has(p)).toBe(false);
            seen.add(p);
          }
          expect(n.depth).toBe(seen.size);
          if (n.parentId) expect(tree.nodes.indexOf(byId.get(n.parentId) as never)).toBeLessThan(tree.nodes.indexOf(n));
        }
        for (const n of tree.nodes) expect(n.selfTimeUs).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('network spans (packet capture) between the client and the server of each hop', () => {
  const wire = (
    id: string,
    startUs: number,
    endUs: number,
    req: number,
    resp: number,
    more: Partial<TraceSpanInput> = {},
  ) => sys(id, 'client', startUs, endUs, 'agent:wire', { type: 'NETWORK', reqTcpSeq: req, respTcpSeq: resp, ...more });

  it('nests client > network > server for every hop of the chain, whatever the input order', () => {
    const spans = [
      ...chain(),
      wire('n1', 200, 9_800, 1, 2, { xRequestId: 'r1' }),
      wire('n2', 1_200, 8_800, 3, 4, { xRequestId: 'r1' }),
      wire('n3', 2_100, 7_900, 5, 6),
    ];
    const expected = [
      ['curl', null, null],
      ['n1', 'curl', 'tcp_seq'],
      ['aServer', 'n1', 'tcp_seq'],
      ['aClient', 'aServer', 'syscall'],
      ['n2', 'aClient', 'tcp_seq'],
      ['bServer', 'n2', 'tcp_seq'],
      ['bClient', 'bServer', 'syscall'],
      ['n3', 'bClient', 'tcp_seq'],
      ['redis', 'n3', 'tcp_seq'],
    ];
    for (const order of [spans, [...spans].reverse()]) {
      const tree = buildTraceTree(order);
      expect(tree.nodes.map((n) => [n.span.id, n.parentId, n.link])).toEqual(expected);
      expect(tree.nodes.map((n) => n.depth)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('chains several capture points of one request in time order, and hangs the server under the last', () => {
    const tree = buildTraceTree([
      sys('c', 'client', 0, 1_000, 'c', { reqTcpSeq: 7, respTcpSeq: 8 }),
      wire('veth', 150, 850, 7, 8),
      wire('eth0', 100, 900, 7, 8),
      sys('s', 'server', 200, 800, 's', { reqTcpSeq: 7, respTcpSeq: 8 }),
    ]);
    expect(tree.nodes.map((n) => [n.span.id, n.parentId])).toEqual([
      ['c', null],
      ['eth0', 'c'],
      ['veth', 'eth0'],
      ['s', 'veth'],
    ]);
  });

  it('without a traced client the network span is the root of its hop; without a network span nothing changes', () => {
    const lone = buildTraceTree([
      wire('n', 100, 900, 7, 8),
      sys('s', 'server', 200, 800, 's', { reqTcpSeq: 7, respTcpSeq: 8 }),
    ]);
    expect(lone.nodes.map((n) => [n.span.id, n.parentId])).toEqual([
      ['n', null],
      ['s', 'n'],
    ]);
    const plain = buildTraceTree(chain());
    expect(plain.nodes.filter((n) => n.link === 'tcp_seq').map((n) => [n.span.id, n.parentId])).toEqual([
      ['aServer', 'curl'],
      ['bServer', 'aClient'],
      ['redis', 'bClient'],
    ]);
  });
});
