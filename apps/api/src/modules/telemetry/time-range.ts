import { apiError } from '../../graphql-errors.js';
import type { TimeRangeInput } from '../requests/dto/requests.types.js';
import { TenantQuery } from './tenant-query.js';

/** The widest window a telemetry list reads: a month of partitions at most. */
const MAX_RANGE_MS = 31 * 24 * 3600 * 1000;

/**
 * A tenant query over [from, to) of a table's `time` column, after checking the range (BAD_USER_INPUT on
 * `timeRange`): every telemetry list starts here.
 */
export function tenantQueryInRange(tenantId: number, range: TimeRangeInput): TenantQuery {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (!(to > from))
    throw apiError('BAD_USER_INPUT', 'timeRange.to must be after timeRange.from', { field: 'timeRange' });
  if (to - from > MAX_RANGE_MS)
    throw apiError('BAD_USER_INPUT', 'timeRange may span at most 31 days', { field: 'timeRange' });
  return new TenantQuery(tenantId)
    .where('time >= fromUnixTimestamp64Milli($)', 'Int64', from)
    .where('time < fromUnixTimestamp64Milli($)', 'Int64', to);
}
