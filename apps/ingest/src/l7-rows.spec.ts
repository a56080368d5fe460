import { L7Protocol, type L7Request, ResponseStatus, TapSide } from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMicros, InvalidRowError, ROW_LIMITS, toL7FlowLogRows } from './l7-rows';

const NOW = 1_795_000_000_000_000;
const ids = { tenantId: 7, agentId: 3, retentionDays: 30 };

function validRow(overrides: Partial<L7Request> = {}): L7Request {
  return {
    startTimeUs: NOW - 2000,
    endTimeUs: NOW - 500,
    pid: 1,
    tid: 2,
    processName: 'nginx',
    tapSide: TapSide.Server,
    clientIp: '10.0.0.1',
    clientPort: 5000,
    serverIp: '::1',
    serverPort: 80,
    protocol: L7Protocol.Http1,
    version: '1.1',
    method: 'GET',
    path: '/a?b=c',
    host: 'example',
    statusCode: 404,
    responseStatus: ResponseStatus.ClientError,
    requestBytes: 10,
    responseBytes: 20,
    xRequestId: 'rid',
    traceparent: '',
    userAgent: 'curl',
    namespace: '',
    service: '',
    environment: '',
    ...overrides,
  };
}

describe('toL7FlowLogRows', () => {
  it('maps a valid row, tenant and agent from the identity', () => {
    const [row] = toL7FlowLogRows({ stream: 'l7', seq: 1, rows: [validRow()] }, ids, NOW);
    expect(row).toMatchObject({
      tenant_id: 7,
      agent_id: 3,
      retention_days: 30,
      time: '1794999999.998000',
      response_duration: 1500,
      tap_side: 'server',
      response_code: 404,
      response_status: 'client_error',
      request_resource: '/a?b=c',
    });
  });

  it('formats microseconds exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000_000 }), (us) => {
        const [s, f] = formatMicros(us).split('.');
        expect(Number(s) * 1e6 + Number(f)).toBe(us);
        expect(f).toHaveLength(6);
      }),
    );
  });

  it('either maps a row or refuses it with InvalidRowError — never another error, never a partial batch', () => {
    const arbRow = fc.record({
      startTimeUs: fc.oneof(fc.constant(NOW - 1000), fc.integer({ min: 0, max: 2 ** 53 - 1 })),
      endTimeUs: fc.oneof(fc.constant(NOW), fc.integer({ min: 0, max: 2 ** 53 - 1 })),
      pid: fc.oneof(fc.nat(), fc.integer({ min: -5, max: 2 ** 40 })),
      clientIp: fc.oneof(fc.constant('127.0.0.1'), fc.string({ maxLength: 40 })),
      serverPort: fc.integer({ min: -1, max: 70000 }),
      method: fc.oneof(fc.constant('POST'), fc.string({ maxLength: 20 })),
      path: fc.string({ maxLength: 5000 }),
      tapSide: fc.integer({ min: -1, max: 4 }),
      responseStatus: fc.integer({ min: -1, max: 6 }),
      version: fc.oneof(fc.constant('1.0'), fc.string({ maxLength: 10 })),
      namespace: fc.oneof(fc.constant('payments'), fc.string({ maxLength: 300 })),
      service: fc.string({ unit: 'binary', maxLength: 20 }),
      environment: fc.oneof(fc.constant(''), fc.string({ maxLength: 10 })),
    });
    fc.assert(
      fc.property(fc.array(arbRow, { maxLength: 5 }), (partials) => {
        const rows = partials.map((p) => validRow(p as Partial<L7Request>));
        try {
          const out = toL7FlowLogRows({ stream: 'l7', seq: 1, rows }, ids, NOW);
          expect(out).toHaveLength(rows.length);
          for (const r of out) expect(r.tenant_id).toBe(7);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidRowError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('stores the workload resource attributes, "" when the agent does not know them', () => {
    const [tagged, untagged] = toL7FlowLogRows(
      {
        stream: 'l7',
        seq: 1,
        rows: [validRow({ namespace: 'payments', service: 'checkout-api', environment: 'prod eu' }), validRow()],
      },
      ids,
      NOW,
    );
    expect(tagged).toMatchObject({ namespace: 'payments', service: 'checkout-api', environment: 'prod eu' });
    expect(untagged).toMatchObject({ namespace: '', service: '', environment: '' });
  });

  it('accepts any resource attribute up to the limit without control characters, refuses the rest naming row and field', () => {
    const field = fc.constantFrom('namespace', 'service', 'environment');
    const limit = ROW_LIMITS.maxResourceAttribute;
    const hasControl = (s: string) => /\p{Cc}/u.test(s);
    fc.assert(
      fc.property(field, fc.string({ unit: 'binary', maxLength: limit + 20 }), fc.nat(3), (name, value, badIndex) => {
        const rows = Array.from({ length: 4 }, (_, i) => validRow(i === badIndex ? { [name]: value } : {}));
        const refuse = value.length > limit || hasControl(value);
        let err: unknown;
        let out: ReturnType<typeof toL7FlowLogRows> | undefined;
        try {
          out = toL7FlowLogRows({ stream: 'l7', seq: 1, rows }, ids, NOW);
        } catch (e) {
          err = e;
        }
        if (refuse) {
          expect(err).toBeInstanceOf(InvalidRowError);
          expect(err).toMatchObject({ rowIndex: badIndex, field: name });
          expect((err as Error).message).toMatch(new RegExp(`^row ${badIndex}: ${name} `));
        } else {
          expect(err).toBeUndefined();
          expect(out?.[badIndex]?.[name]).toBe(value);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses resource attributes that are too long or carry control characters', () => {
    const atLimit = validRow({ namespace: 'n'.repeat(ROW_LIMITS.maxResourceAttribute) });
    expect(toL7FlowLogRows({ stream: 'l7', seq: 1, rows: [atLimit] }, ids, NOW)).toHaveLength(1);
    const cases: [Partial<L7Request>, string, RegExp][] = [
      [{ namespace: 'n'.repeat(ROW_LIMITS.maxResourceAttribute + 1) }, 'namespace', /longer than 253/],
      [{ service: 'checkout\napi' }, 'service', /control characters/],
      [{ environment: 'prod\u0000' }, 'environment', /control characters/],
      [{ environment: '\u001b[31mprod' }, 'environment', /control characters/],
      [{ namespace: 'pay\u007fments' }, 'namespace', /control characters/],
      [{ service: 'a\u0085b' }, 'service', /control characters/],
    ];
    for (const [bad, field, reason] of cases) {
      let err: unknown;
      try {
        toL7FlowLogRows({ stream: 'l7', seq: 1, rows: [validRow(), validRow(bad)] }, ids, NOW);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(InvalidRowError);
      expect(err).toMatchObject({ rowIndex: 1, field, message: expect.stringMatching(reason) });
    }
  });

  it('refuses rows outside the time window and batches over the row limit', () => {
    expect(() =>
      toL7FlowLogRows(
        { stream: 'l7', seq: 1, rows: [validRow({ startTimeUs: NOW - ROW_LIMITS.maxAgeUs - 1 })] },
        ids,
        NOW,
      ),
    ).toThrow(/startTimeUs/);
    expect(() =>
      toL7FlowLogRows({ stream: 'l7', seq: 1, rows: [validRow({ endTimeUs: NOW - 3000 })] }, ids, NOW),
    ).toThrow(/endTimeUs/);
    const many = Array.from({ length: ROW_LIMITS.maxRowsPerBatch + 1 }, () => validRow());
    expect(() => toL7FlowLogRows({ stream: 'l7', seq: 1, rows: many }, ids, NOW)).toThrow(InvalidRowError);
  });
});
