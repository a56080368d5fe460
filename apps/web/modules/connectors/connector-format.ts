// How a connector's status reads in the list. Pure functions, so they are tested without a browser.

import type { Connector, ConnectorCounts } from './connectors.queries';

/** healthy: synced and not failed since; failing: its last run failed (or every run has); never: no run ended yet. */
export type ConnectorHealth = 'healthy' | 'failing' | 'never';

export const HEALTH_LABELS: Record<ConnectorHealth, string> = {
  healthy: 'Healthy',
  failing: 'Failing',
  never: 'Never synced',
};

export function connectorHealth(
  connector: Pick<Connector, 'healthy' | 'lastSuccessAt' | 'lastErrorAt'>,
): ConnectorHealth {
  if (connector.healthy) return 'healthy';
  if (connector.lastErrorAt !== null) return 'failing';
  // The API counts a success with no failure after it as healthy; anything else without an error has not run.
  return connector.lastSuccessAt === null ? 'never' : 'healthy';
}

/** `300` → "5 min", `7200` → "2 h", `45` → "45 s". */
export function formatInterval(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

const COUNT_KEYS = ['seen', 'created', 'updated', 'deleted'] as const;

/** The last sync's counts, e.g. `{ seen: 3, created: 3, updated: 0, deleted: 0 }`; null before any sync. */
export function syncCounts(counts: unknown): Required<Pick<ConnectorCounts, (typeof COUNT_KEYS)[number]>> | null {
  if (typeof counts !== 'object' || counts === null) return null;
  const source = counts as Record<string, unknown>;
  if (!COUNT_KEYS.some((key) => typeof source[key] === 'number')) return null;
  const value = (key: (typeof COUNT_KEYS)[number]): number => {
    const n = source[key];
    return typeof n === 'number' && Number.isFinite(n) ? n : 0;
  };
  return { seen: value('seen'), created: value('created'), updated: value('updated'), deleted: value('deleted') };
}

/** "3 seen · 3 created · 0 updated · 0 deleted", or "—" before any sync. */
export function formatSyncCounts(counts: unknown): string {
  const c = syncCounts(counts);
  if (c === null) return '—';
  return COUNT_KEYS.map((key) => `${c[key].toLocaleString('en-US')} ${key}`).join(' · ');
}

/** Where the connector reads from, without secrets: the API server, the NetBox URL, the regions, the format. */
export function connectorTarget(connector: Pick<Connector, 'kind' | 'config'>): string {
  const config = connector.config ?? {};
  const text = (key: string): string | undefined => {
    const value = config[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  switch (connector.kind) {
    case 'k8s':
      return text('server') ?? '—';
    case 'netbox':
      return text('url') ?? '—';
    case 'aws': {
      const regions = Array.isArray(config.regions) ? config.regions.filter((r) => typeof r === 'string') : [];
      const endpoint = text('endpoint');
      return [regions.join(', ') || '—', endpoint !== undefined ? `via ${endpoint}` : ''].filter(Boolean).join(' ');
    }
    case 'file': {
      const format = text('format')?.toUpperCase() ?? 'File';
      const content = text('content') ?? '';
      const bytes = new TextEncoder().encode(content).length;
      return `${format}, ${bytes.toLocaleString('en-US')} bytes`;
    }
    default:
      return '—';
  }
}
