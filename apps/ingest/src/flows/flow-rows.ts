import { isIP } from 'node:net';
import { FLOW_LIMITS, type FlowBatch, type FlowRow, type PairSecond } from '@bathyscope/wire';
import { formatMicros, InvalidRowError } from '../l7-rows';
import { checkProcessIdentity } from '../tagging/process-identity';

/** One l4_flow_log row as the ClickHouse insert expects it (JSONEachRow); tag columns are added by the tagger. */
export interface L4FlowLogRow {
  tenant_id: number;
  agent_id: number;
  retention_days: number;
  time: string;
  end_time: string;
  flow_id: number;
  tap_side: 'unknown' | 'client' | 'server';
  protocol: 'unknown' | 'tcp' | 'udp';
  close_type: 'open' | 'normal' | 'reset' | 'timeout' | 'connect_failed';
  pid: number;
  process_name: string;
  client_ip: string;
  client_port: number;
  server_ip: string;
  server_port: number;
  bytes_tx: number;
  bytes_rx: number;
  packets_tx: number;
  packets_rx: number;
  retrans_tx: number;
  retrans_rx: number;
  zero_win_tx: number;
  zero_win_rx: number;
  rtt_us: number;
  conn_setup_us: number;
  new_flow: number;
}

export const FLOW_ROW_LIMITS = {
  ...FLOW_LIMITS,
  /** Rows older than this are refused: the partition they would land in is past retention. */
  maxAgeUs: 7 * 24 * 3600 * 1e6,
  maxFutureUs: 3600 * 1e6,
  /** A row covers one interval (≤ 1 h) — or a connection's whole life when it never moved bytes: a day at most. */
  maxSpanUs: 24 * 3600 * 1e6,
  /** RTT and setup time are UInt32 microseconds; more than a minute is a broken agent. */
  maxLatencyUs: 60_000_000,
} as const;

const TAP_SIDES: ReadonlyArray<L4FlowLogRow['tap_side']> = ['unknown', 'client', 'server'];
const CLOSE_TYPES: ReadonlyArray<L4FlowLogRow['close_type']> = ['open', 'normal', 'reset', 'timeout', 'connect_failed'];
const PROTOCOLS: Record<number, L4FlowLogRow['protocol']> = { 0: 'unknown', 6: 'tcp', 17: 'udp' };
const CONTROL_RE = /\p{Cc}/u;
const U32 = 0xffffffff;

function uint(i: number, field: string, v: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || v < 0 || v > max)
    throw new InvalidRowError(i, field, `must be an integer in 0..${max}`);
  return v;
}

function ip(i: number, field: string, v: string): string {
  if (isIP(v) === 0) throw new InvalidRowError(i, field, 'is not an IPv4 or IPv6 address');
  return v;
}

function pick<T>(i: number, field: string, table: Readonly<Record<number, T>>, v: number): T {
  const mapped = table[v];
  if (mapped === undefined) throw new InvalidRowError(i, field, `has unknown value ${v}`);
  return mapped;
}

/** Validates a whole batch (any invalid row refuses it, as on /v1/l7) and maps it to storage rows. */
export function toL4FlowLogRows(
  batch: FlowBatch,
  identity: { tenantId: number; agentId: number; retentionDays: number },
  nowUs: number,
): L4FlowLogRow[] {
  if (batch.rows.length > FLOW_ROW_LIMITS.maxRowsPerBatch) {
    throw new InvalidRowError(
      FLOW_ROW_LIMITS.maxRowsPerBatch,
      'rows',
      `exceed ${FLOW_ROW_LIMITS.maxRowsPerBatch} per batch`,
    );
  }
  const out = new Array<L4FlowLogRow>(batch.rows.length);
  for (let i = 0; i < batch.rows.length; i++) {
    const r = batch.rows[i] as FlowRow;
    const start = r.startTimeUs;
    if (
      !Number.isSafeInteger(start) ||
      start < nowUs - FLOW_ROW_LIMITS.maxAgeUs ||
      start > nowUs + FLOW_ROW_LIMITS.maxFutureUs
    ) {
      throw new InvalidRowError(i, 'startTimeUs', 'is outside the accepted time window');
    }
    const end = r.endTimeUs;
    if (!Number.isSafeInteger(end) || end < start || end - start > FLOW_ROW_LIMITS.maxSpanUs) {
      throw new InvalidRowError(i, 'endTimeUs', `must be within ${FLOW_ROW_LIMITS.maxSpanUs} µs after startTimeUs`);
    }
    const name = r.processName;
    if (name.length > FLOW_ROW_LIMITS.maxProcessName || CONTROL_RE.test(name)) {
      throw new InvalidRowError(
        i,
        'processName',
        `must be at most ${FLOW_ROW_LIMITS.maxProcessName} characters without control characters`,
      );
    }
    // Not stored on the row: the tagger turns them into the observing end's container/pod/namespace tags.
    checkProcessIdentity(i, '', r);
    out[i] = {
      tenant_id: identity.tenantId,
      agent_id: identity.agentId,
      retention_days: identity.retentionDays,
      time: formatMicros(start),
      end_time: formatMicros(end),
      flow_id: uint(i, 'flowId', r.flowId),
      tap_side: pick(i, 'tapSide', TAP_SIDES, r.tapSide),
      protocol: pick(i, 'protocol', PROTOCOLS, r.protocol),
      close_type: pick(i, 'closeType', CLOSE_TYPES, r.closeType),
      pid: uint(i, 'pid', r.pid, U32),
      process_name: name,
      client_ip: ip(i, 'clientIp', r.clientIp),
      client_port: uint(i, 'clientPort', r.clientPort, 65535),
      server_ip: ip(i, 'serverIp', r.serverIp),
      server_port: uint(i, 'serverPort', r.serverPort, 65535),
      bytes_tx: uint(i, 'bytesTx', r.bytesTx),
      bytes_rx: uint(i, 'bytesRx', r.bytesRx),
      packets_tx: uint(i, 'packetsTx', r.packetsTx),
      packets_rx: uint(i, 'packetsRx', r.packetsRx),
      retrans_tx: uint(i, 'retransTx', r.retransTx, U32),
      retrans_rx: uint(i, 'retransRx', r.retransRx, U32),
      zero_win_tx: uint(i, 'zeroWinTx', r.zeroWinTx, U32),
      zero_win_rx: uint(i, 'zeroWinRx', r.zeroWinRx, U32),
      rtt_us: uint(i, 'rttUs', r.rttUs, FLOW_ROW_LIMITS.maxLatencyUs),
      conn_setup_us: uint(i, 'connSetupUs', r.connSetupUs, FLOW_ROW_LIMITS.maxLatencyUs),
      new_flow: r.newFlow ? 1 : 0,
    };
  }
  return out;
}

/** One l4_pair_metrics row (JSONEachRow); tag columns are added by the tagger. */
export interface L4PairRow {
  tenant_id: number;
  agent_id: number;
  retention_days: number;
  time: number;
  tap_side: L4FlowLogRow['tap_side'];
  protocol: L4FlowLogRow['protocol'];
  pid: number;
  process_name: string;
  client_ip: string;
  server_ip: string;
  server_port: number;
  new_flows: number;
  closed_flows: number;
  resets: number;
  connect_failures: number;
  timeouts: number;
  active_flows: number;
  bytes_tx: number;
  bytes_rx: number;
  packets_tx: number;
  packets_rx: number;
  retrans_tx: number;
  retrans_rx: number;
  zero_win_tx: number;
  zero_win_rx: number;
  rtt_sum_us: number;
  rtt_count: number;
  rtt_max_us: number;
  conn_setup_sum_us: number;
  conn_setup_count: number;
  conn_setup_max_us: number;
}

const PAIR_U32 = [
  ['newFlows', 'new_flows'],
  ['closedFlows', 'closed_flows'],
  ['resets', 'resets'],
  ['connectFailures', 'connect_failures'],
  ['timeouts', 'timeouts'],
  ['activeFlows', 'active_flows'],
  ['retransTx', 'retrans_tx'],
  ['retransRx', 'retrans_rx'],
  ['zeroWinTx', 'zero_win_tx'],
  ['zeroWinRx', 'zero_win_rx'],
  ['rttCount', 'rtt_count'],
  ['connSetupCount', 'conn_setup_count'],
] as const;
const PAIR_U64 = [
  ['bytesTx', 'bytes_tx'],
  ['bytesRx', 'bytes_rx'],
  ['packetsTx', 'packets_tx'],
  ['packetsRx', 'packets_rx'],
  ['rttSumUs', 'rtt_sum_us'],
  ['connSetupSumUs', 'conn_setup_sum_us'],
] as const;

/** Validates the batch's pair seconds (errors name `pairs[i]`) and maps them to storage rows. */
export function toL4PairRows(
  batch: FlowBatch,
  identity: { tenantId: number; agentId: number; retentionDays: number },
  nowUs: number,
): L4PairRow[] {
  const pairs = batch.pairs ?? [];
  if (pairs.length > FLOW_LIMITS.maxPairsPerBatch) {
    throw new InvalidRowError(
      FLOW_LIMITS.maxPairsPerBatch,
      'pairs',
      `exceed ${FLOW_LIMITS.maxPairsPerBatch} per batch`,
    );
  }
  const out = new Array<L4PairRow>(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as PairSecond;
    const f = (field: string) => `pairs[${i}].${field}`;
    const timeUs = p.timeS * 1e6;
    if (
      !Number.isSafeInteger(p.timeS) ||
      timeUs < nowUs - FLOW_ROW_LIMITS.maxAgeUs ||
      timeUs > nowUs + FLOW_ROW_LIMITS.maxFutureUs
    ) {
      throw new InvalidRowError(i, f('timeS'), 'is outside the accepted time window');
    }
    if (p.processName.length > FLOW_ROW_LIMITS.maxProcessName || CONTROL_RE.test(p.processName)) {
      throw new InvalidRowError(
        i,
        f('processName'),
        `must be at most ${FLOW_ROW_LIMITS.maxProcessName} characters without control characters`,
      );
    }
    checkProcessIdentity(i, `pairs[${i}].`, p);
    const row = {
      tenant_id: identity.tenantId,
      agent_id: identity.agentId,
      retention_days: identity.retentionDays,
      time: p.timeS,
      tap_side: pick(i, f('tapSide'), TAP_SIDES, p.tapSide),
      protocol: pick(i, f('protocol'), PROTOCOLS, p.protocol),
      pid: uint(i, f('pid'), p.pid, U32),
      process_name: p.processName,
      client_ip: ip(i, f('clientIp'), p.clientIp),
      server_ip: ip(i, f('serverIp'), p.serverIp),
      server_port: uint(i, f('serverPort'), p.serverPort, 65535),
      rtt_max_us: uint(i, f('rttMaxUs'), p.rttMaxUs, FLOW_ROW_LIMITS.maxLatencyUs),
      conn_setup_max_us: uint(i, f('connSetupMaxUs'), p.connSetupMaxUs, FLOW_ROW_LIMITS.maxLatencyUs),
    } as L4PairRow;
    const record = row as unknown as Record<string, number>;
    for (const [wire, column] of PAIR_U32) record[column] = uint(i, f(wire), p[wire], U32);
    for (const [wire, column] of PAIR_U64) record[column] = uint(i, f(wire), p[wire]);
    out[i] = row;
  }
  return out;
}
