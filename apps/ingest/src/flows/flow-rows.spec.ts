import type { FlowRow } from '@bathyscope/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRowError } from '../l7-rows';
import { FLOW_ROW_LIMITS, toL4FlowLogRows } from './flow-rows';

const NOW = 1_800_000_000_000_000;
const identity = { tenantId: 7, agentId: 9, retentionDays: 14 };

const valid: fc.Arbitrary<FlowRow> = fc
  .record({
    startTimeUs: fc.integer({ min: NOW - 3600e6, max: NOW }),
    span: fc.integer({ min: 0, max: 3600e6 }),
    flowId: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    tapSide: fc.integer({ min: 0, max: 2 }),
    protocol: fc.constantFrom(0, 6, 17),
    closeType: fc.integer({ min: 0, max: 4 }),
    pid: fc.integer({ min: 0, max: 0xffffffff }),
    processName: fc.stringMatching(/^[a-z0-9 ._-]{0,64}$/),
    clientIp: fc.oneof(fc.ipV4(), fc.ipV6()),
    clientPort: fc.integer({ min: 0, max: 65535 }),
    serverIp: fc.oneof(fc.ipV4(), fc.ipV6()),
    serverPort: fc.integer({ min: 0, max: 65535 }),
    bytesTx: fc.nat(),
    bytesRx: fc.nat(),
    packetsTx: fc.nat(),
    packetsRx: fc.nat(),
    retransTx: fc.nat(1000),
    retransRx: fc.nat(1000),
    zeroWinTx: fc.nat(1000),
    zeroWinRx: fc.nat(1000),
    rttUs: fc.nat(FLOW_ROW_LIMITS.maxLatencyUs),
    connSetupUs: fc.nat(FLOW_ROW_LIMITS.maxLatencyUs),
    newFlow: fc.boolean(),
  })
  .map(({ span, ...r }) => ({ ...r, endTimeUs: r.startTimeUs + span }));

describe('toL4FlowLogRows', () => {
  it('maps every valid row, field by field, under the credential’s tenant and agent', () => {
    fc.assert(
      fc.property(fc.array(valid, { maxLength: 20 }), (rows) => {
        const out = toL4FlowLogRows({ stream: 'flows', seq: 1, rows }, identity, NOW);
        expect(out).toHaveLength(rows.length);
        out.forEach((o, i) => {
          const r = rows[i] as FlowRow;
          expect(o).toMatchObject({
            tenant_id: 7,
            agent_id: 9,
            retention_days: 14,
            flow_id: r.flowId,
            tap_side: ['unknown', 'client', 'server'][r.tapSide],
            close_type: ['open', 'normal', 'reset', 'timeout', 'connect_failed'][r.closeType],
            client_ip: r.clientIp,
            server_port: r.serverPort,
            bytes_tx: r.bytesTx,
            new_flow: r.newFlow ? 1 : 0,
          });
          expect(Number(o.time) * 1e6).toBeCloseTo(r.startTimeUs, -1);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('any corrupted field refuses the whole batch with InvalidRowError naming the row', () => {
    const corruptions: Array<[keyof FlowRow, unknown]> = [
      ['clientIp', 'x'],
      ['serverIp', ''],
      ['tapSide', 3],
      ['closeType', 5],
      ['protocol', 1],
      ['clientPort', 70000],
      ['pid', -1],
      ['bytesTx', 1.5],
      ['rttUs', FLOW_ROW_LIMITS.maxLatencyUs + 1],
      ['processName', 'a\u0000b'],
      ['startTimeUs', 0],
      ['endTimeUs', 0],
      ['containerId', 'x y'],
      ['podUid', 'p'.repeat(65)],
      ['processStartTime', 1.5],
    ];
    fc.assert(
      fc.property(
        fc.array(valid, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.constantFrom(...corruptions),
        (rows, at, [field, value]) => {
          const i = at % rows.length;
          const bad = rows.map((r, j) => (j === i ? { ...r, [field]: value } : r));
          try {
            toL4FlowLogRows({ stream: 'flows', seq: 1, rows: bad }, identity, NOW);
            expect.unreachable();
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidRowError);
            expect((err as InvalidRowError).rowIndex).toBe(i);
            expect((err as InvalidRowError).field).toBe(field);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a batch over the row limit', () => {
    const rows = new Array(FLOW_ROW_LIMITS.maxRowsPerBatch + 1).fill(fc.sample(valid, 1)[0]);
    expect(() => toL4FlowLogRows({ stream: 'flows', seq: 1, rows }, identity, NOW)).toThrow(InvalidRowError);
  });
});
