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

  it('maps protocol rows: l7_protocol, request_type from requestType, endpoint; HTTP rows keep the method', () => {
    const [redis, pg, http, legacy] = toL7FlowLogRows(
      {
        stream: 'l7',
        seq: 1,
        rows: [
          validRow({
            protocol: L7Protocol.Redis,
            method: '',
            requestType: 'CLIENT SETINFO',
            endpoint: 'CLIENT SETINFO',
            path: 'CLIENT SETINFO',
          }),
          validRow({
            protocol: L7Protocol.Postgresql,
            method: '',
            requestType: 'SELECT',
            endpoint: 'SELECT public.users',
            version: '3.0',
            host: 'shop',
            path: 'SELECT * FROM public.users WHERE id = $1',
          }),
          validRow({ endpoint: 'GET /users/{id}' }),
          validRow(),
        ],
      },
      ids,
      NOW,
    );
    expect(redis).toMatchObject({ l7_protocol: 'redis', request_type: 'CLIENT SETINFO', endpoint: 'CLIENT SETINFO' });
    expect(pg).toMatchObject({
      l7_protocol: 'postgresql',
      request_type: 'SELECT',
      endpoint: 'SELECT public.users',
      request_domain: 'shop',
      version: '3.0',
    });
    expect(http).toMatchObject({ l7_protocol: 'http1', request_type: 'GET', endpoint: 'GET /users/{id}' });
    expect(legacy).toMatchObject({ request_type: 'GET', endpoint: '' });
    const [mysqlError] = toL7FlowLogRows(
      {
        stream: 'l7',
        seq: 1,
        rows: [validRow({ protocol: L7Protocol.Mysql, method: '', requestType: 'SELECT', statusCode: 1146 })],
      },
      ids,
      NOW,
    );
    expect(mysqlError).toMatchObject({ l7_protocol: 'mysql', response_code: 1146 });
    const [mqtt] = toL7FlowLogRows(
      { stream: 'l7', seq: 1, rows: [validRow({ protocol: L7Protocol.Mqtt, method: '', requestType: 'PUBLISH' })] },
      ids,
      NOW,
    );
    expect(mqtt).toMatchObject({ l7_protocol: 'mqtt', request_type: 'PUBLISH' });
  });

  it('refuses bad protocol fields: unknown protocol, odd request types, long or control-character endpoints', () => {
    const cases: [Partial<L7Request>, string][] = [
      [{ protocol: 42 as L7Protocol }, 'protocol'],
      [{ requestType: 'SELECT;DROP' }, 'requestType'],
      [{ requestType: 'A'.repeat(ROW_LIMITS.maxRequestType + 1) }, 'requestType'],
      [{ endpoint: 'x'.repeat(ROW_LIMITS.maxEndpoint + 1) }, 'endpoint'],
      [{ endpoint: 'GET /a\nb' }, 'endpoint'],
      [{ statusCode: 1146 }, 'statusCode'],
      [{ protocol: L7Protocol.Mysql, statusCode: 70_000 }, 'statusCode'],
    ];
    for (const [bad, field] of cases) {
      expect(() => toL7FlowLogRows({ stream: 'l7', seq: 1, rows: [validRow(bad)] }, ids, NOW), field).toThrow(
        expect.objectContaining({ field }),
      );
    }
  });
});
