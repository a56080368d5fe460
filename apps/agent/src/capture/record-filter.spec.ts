import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpRequestRecord } from '../l7';
import { connectionHash, connectionSampleHash, RecordFilter } from './record-filter';

const addr = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('127.0.0.1', '::1', ''));
const port = fc.integer({ min: 0, max: 65535 });
const endpoint = fc.tuple(addr, port);

/** What the filter reads of a record: its endpoints (the rest as an HTTP/1 record on any port would carry). */
const recordOf = (client: [string, number], server: [string, number]) =>
  ({
    protocol: 'http1',
    clientAddr: client[0],
    clientPort: client[1],
    serverAddr: server[0],
    serverPort: server[1],
  }) as HttpRequestRecord;

describe('connection sampling', () => {
  it('hashes a connection alike from either end', () => {
    fc.assert(
      fc.property(endpoint, endpoint, ([a, ap], [b, bp]) => {
        expect(connectionSampleHash(a, ap, b, bp)).toBe(connectionSampleHash(b, bp, a, ap));
        // One of the two orders is the plain client-first hash.
        expect([connectionHash(a, ap, b, bp), connectionHash(b, bp, a, ap)]).toContain(
          connectionSampleHash(a, ap, b, bp),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('decides on raw events (local, remote) exactly as on the records of either side', () => {
    fc.assert(
      fc.property(endpoint, endpoint, fc.double({ min: 0, max: 1, noNaN: true }), (client, server, rate) => {
        const filter = new RecordFilter();
        filter.setSampleRate(rate);
        const fromClient = filter.keepsConnection(client[0], client[1], server[0], server[1]);
        const fromServer = filter.keepsConnection(server[0], server[1], client[0], client[1]);
        expect(fromServer).toBe(fromClient);
        expect(filter.accept(recordOf(client, server))).toBe(fromClient);
        expect(filter.counts.sampledOut).toBe(fromClient ? 0 : 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps about the rate of connections, and everything at 1', () => {
    const filter = new RecordFilter();
    expect(filter.sampling).toBe(false);
    filter.setSampleRate(0.1);
    expect(filter.sampling).toBe(true);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) if (filter.keepsConnection('10.1.0.1', 1024 + i, '10.2.0.2', 443)) kept++;
    expect(kept / 20_000).toBeGreaterThan(0.09);
    expect(kept / 20_000).toBeLessThan(0.11);
    filter.setSampleRate(1);
    expect(filter.sampling).toBe(false);
    filter.setSampleRate(0);
    expect(filter.keepsConnection('10.1.0.1', 1, '10.2.0.2', 2)).toBe(false);
  });
});
