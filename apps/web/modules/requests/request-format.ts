// Display formatting for request log cells. Pure functions, so they are tested without a browser.

function trimFixed(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  // Only zeros after a decimal point are noise: 1.50 → 1.5, 2.00 → 2, but 20 stays 20.
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** 850 µs, 12.3 ms, 1.25 s. */
export function formatLatency(latencyUs: number): string {
  if (!Number.isFinite(latencyUs) || latencyUs < 0) return '—';
  if (latencyUs < 999.5) return `${Math.round(latencyUs)} µs`;
  if (latencyUs < 999_500) {
    const ms = latencyUs / 1_000;
    return `${trimFixed(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
  }
  const s = latencyUs / 1_000_000;
  return `${trimFixed(s, s < 10 ? 2 : s < 100 ? 1 : 0)} s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 512 B, 1.5 KiB, 3.2 MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${trimFixed(value, value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * Local wall-clock time with milliseconds. The date is added only when the request is not from
 * today, which keeps the column narrow for the common short time ranges.
 */
export function formatTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  const sameDay =
    date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

export function formatEndpoint(ip: string, port: number): string {
  // IPv6 addresses are bracketed so the port separator stays unambiguous.
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'none';

export function statusClass(status: number): StatusClass {
  if (status >= 100 && status < 200) return '1xx';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'none';
}

/** The status number, or the API's classification (e.g. "timeout") when there is no response. */
export function formatStatus(status: number, responseStatus: string): string {
  return statusClass(status) === 'none' ? responseStatus.replace(/_/g, ' ') : String(status);
}

/** A field a field-level policy emptied for the viewer. */
export function isRedacted(row: { redactedFields: readonly string[] }, field: string): boolean {
  return row.redactedFields.includes(field);
}

type Workload = { namespace: string; service: string; environment: string };

/** The workload column: "payments/checkout", or whichever of the two is known; '' when neither is. */
export function workloadLabel(row: Workload): string {
  return [row.namespace, row.service].filter((part) => part !== '').join('/');
}

/** Its tooltip: "namespace payments, service checkout, environment production"; what is unknown is left out. */
export function workloadTitle(row: Workload): string | undefined {
  const parts = (['namespace', 'service', 'environment'] as const)
    .filter((key) => row[key] !== '')
    .map((key) => `${key} ${row[key]}`);
  return parts.length === 0 ? undefined : parts.join(', ');
}
