import fc from 'fast-check';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { protoTypes } from '../signals/proto-root';
import { decodeBody } from '../signals/request-body';
import { SignalError } from '../signals/signal-error';
import { decodeWriteRequest } from './remote-write';
import { toPrometheusRows } from './series';

const seriesArb = fc.array(
  fc.record({
    labels: fc.array(
      fc.record({
        name: fc.string({ unit: 'grapheme', maxLength: 10 }),
        value: fc.string({ unit: 'grapheme', maxLength: 10 }),
      }),
      {
        maxLength: 5,
      },
    ),
    samples: fc.array(fc.record({ value: fc.double(), timestamp: fc.integer({ min: -(2 ** 50), max: 2 ** 50 }) }), {
      maxLength: 5,
    }),
  }),
  { maxLength: 5 },
);

const encode = (timeseries: unknown) => protoTypes.writeRequest.encode({ timeseries }).finish();

describe('remote_write decoder', () => {
  it('decodes what prompb encodes: labels, values (NaN included) and millisecond timestamps', () => {
    fc.assert(
      fc.property(seriesArb, (timeseries) => {
        const decoded = decodeWriteRequest(encode(timeseries));
        expect(decoded).toEqual(
          timeseries.map((ts) => ({
            labels: ts.labels,
            samples: ts.samples.map((s) => ({ timeMs: s.timestamp, value: s.value })),
          })),
        );
      }),
    );
  });

  it('garbage, truncations and corrupt snappy are 4xx, never a crash', () => {
    const only4xx = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (!(err instanceof SignalError) || err.status < 400 || err.status >= 500) throw err;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        only4xx(() =>
          toPrometheusRows(
            decodeWriteRequest(bytes),
            { tenantId: 1, retentionDays: 7, agentId: 1, plan: 'free' },
            Date.now(),
          ),
        );
        only4xx(() => decodeBody(Buffer.from(bytes), 'snappy', ['snappy'], 1 << 20));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(seriesArb, fc.nat(), (timeseries, cut) => {
        const bytes = encode(timeseries);
        only4xx(() => decodeWriteRequest(bytes.subarray(0, cut % (bytes.length + 1))));
        const compressed = compressSync(Buffer.from(bytes));
        only4xx(() => decodeBody(compressed.subarray(0, cut % (compressed.length + 1)), 'snappy', ['snappy'], 1 << 20));
      }),
    );
  });
});
