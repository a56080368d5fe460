import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import type { SecretBox } from '../../infra/secret-box.js';
import { PRISMA, SECRET_BOX } from '../../infra/tokens.js';
import { afterCursorWhere, encodeRowCursor } from '../../pagination.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { decidingRule } from '../authz/ability.js';
import { AuthzService } from '../authz/authz.service.js';
import type {
  ConnectionTestResult,
  Connector,
  ConnectorConnection,
  CreateConnectorInput,
  UpdateConnectorInput,
} from './dto/connectors.types.js';
import { ConnectorRunner, describeError } from './engine/connector-runner.js';
import { SyncScheduler } from './scheduling/sync-scheduler.js';
import { sourceFor } from './sources/index.js';

/** Never `credentials`: the API has no path that reads them back. */
const SELECT = {
  id: true,
  kind: true,
  name: true,
  config: true,
  enabled: true,
  intervalSeconds: true,
  lastRunAt: true,
  lastSuccessAt: true,
  lastError: true,
  lastErrorAt: true,
  lastCounts: true,
  createdAt: true,
  updatedAt: true,
} as const;

type Row = Omit<Connector, 'hasCredentials' | 'healthy'> & { hasCredentials?: boolean };

@Injectable()
export class ConnectorsService {
  private readonly recordChange: ReturnType<AuditService['recorderFor']>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) audit: AuditService,
    @Inject(ConnectorRunner) private readonly runner: ConnectorRunner,
    @Inject(SyncScheduler) private readonly scheduler: SyncScheduler,
  ) {
    this.recordChange = audit.recorderFor('Connector');
  }

  async list(viewer: Viewer, first: number, after?: string): Promise<ConnectorConnection> {
    const view = await this.readAccess(viewer, 'listing connectors');
    const rows = await this.prisma.connector.findMany({
      where: { tenantId: viewer.tenantId, ...afterCursorWhere(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: first + 1,
      select: { ...SELECT, credentials: true },
    });
    const edges = rows
      .slice(0, first)
      .map((r) => ({ cursor: encodeRowCursor(r.createdAt, r.id), node: view(toConnector(r)) }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  async get(viewer: Viewer, id: string): Promise<Connector> {
    const view = await this.readAccess(viewer, 'reading connectors');
    return view(toConnector(await this.find(viewer, id)));
  }

  /**
   * Who may see connectors, and how much. Those who may read Connector see everything but credentials (which no
   * path returns). Members who read the inventory see its sources read-only: name, kind, status, counts, last
   * error, but not the configuration (endpoints, account ids, filters are an admin's business); a policy that
   * denies reading connectors outright still wins.
   */
  private async readAccess(viewer: Viewer, what: string): Promise<(c: Connector) => Connector> {
    const ability = await this.authz.abilityFor(viewer);
    if (ability.can('read', 'Connector')) return (c) => c;
    const denied = decidingRule(ability, 'read', 'Connector')?.effect === 'deny';
    if (denied || !ability.can('read', 'InventoryResource')) {
      await this.authz.authorize(viewer, 'read', 'Connector', { what }); // throws, naming the deciding rule
    }
    return (c) => ({ ...c, config: {} });
  }

  async create(viewer: Viewer, input: CreateConnectorInput, ctx: GqlContext): Promise<Connector> {
    await this.authz.authorize(viewer, 'create', 'Connector', { what: 'creating connectors' });
    const credentials = input.credentials ? sealable(input.credentials) : null;
    this.validate(input.kind, input.name, input.config, credentials ?? {});
    const exists = await this.prisma.connector.findFirst({
      where: { tenantId: viewer.tenantId, name: input.name },
      select: { id: true },
    });
    if (exists) throw apiError('CONFLICT', `a connector named ${input.name} exists`, { field: 'name' });
    const row = await this.prisma.connector.create({
      data: {
        tenantId: viewer.tenantId,
        kind: input.kind,
        name: input.name,
        config: input.config as object,
        credentials: credentials ? this.secrets.seal(JSON.stringify(credentials)) : null,
        enabled: input.enabled,
        intervalSeconds: input.intervalSeconds,
      },
      select: { ...SELECT, credentials: true },
    });
    await this.recordChange(viewer, ctx, 'connector.create', row.id, null, auditView(row));
    await this.scheduler.schedule(row);
    if (row.enabled) await this.scheduler.runNow(row.id);
    return toConnector(row);
  }

  async update(viewer: Viewer, id: string, input: UpdateConnectorInput, ctx: GqlContext): Promise<Connector> {
    await this.authz.authorize(viewer, 'update', 'Connector', { what: 'changing connectors' });
    const before = await this.find(viewer, id);
    const credentials = input.credentials ? sealable(input.credentials) : undefined;
    const current = credentials ?? (before.credentials ? JSON.parse(this.secrets.open(before.credentials)) : {});
    this.validate(before.kind, input.name ?? before.name, input.config ?? (before.config as object), current);
    if (input.name !== undefined && input.name !== before.name) {
      const taken = await this.prisma.connector.findFirst({
        where: { tenantId: viewer.tenantId, name: input.name, NOT: { id: before.id } },
        select: { id: true },
      });
      if (taken) throw apiError('CONFLICT', `a connector named ${input.name} exists`, { field: 'name' });
    }
    const row = await this.prisma.connector.update({
      where: { id: before.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.config !== undefined ? { config: input.config as object } : {}),
        ...(credentials !== undefined ? { credentials: this.secrets.seal(JSON.stringify(credentials)) } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.intervalSeconds !== undefined ? { intervalSeconds: input.intervalSeconds } : {}),
      },
      select: { ...SELECT, credentials: true },
    });
    await this.recordChange(viewer, ctx, 'connector.update', id, auditView(before), auditView(row));
    // A changed endpoint or token must not keep an old watch running: restart from a listing.
    await this.scheduler.unschedule(id);
    await this.scheduler.schedule(row);
    return toConnector(row);
  }

  /** The connector goes; its resources are tombstoned (their names stay for stored telemetry), IPs closed. */
  async delete(viewer: Viewer, id: string, ctx: GqlContext): Promise<Connector> {
    await this.authz.authorize(viewer, 'delete', 'Connector', { what: 'deleting connectors' });
    const before = await this.find(viewer, id);
    await this.scheduler.unschedule(id);
    await this.runner.engine.applyListing(viewer.tenantId, id, { resources: [] });
    await this.prisma.connector.delete({ where: { id: before.id } });
    await this.recordChange(viewer, ctx, 'connector.delete', id, auditView(before), null);
    return toConnector(before);
  }

  async test(viewer: Viewer, id: string): Promise<ConnectionTestResult> {
    await this.authz.authorize(viewer, 'update', 'Connector', { what: 'testing connectors' });
    const c = await this.find(viewer, id);
    try {
      await this.runner.sourceOf({ ...c, tenantId: viewer.tenantId }).test(AbortSignal.timeout(15_000));
      return { ok: true, error: null };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  }

  async runNow(viewer: Viewer, id: string, ctx: GqlContext): Promise<Connector> {
    await this.authz.authorize(viewer, 'update', 'Connector', { what: 'running connectors' });
    const c = await this.find(viewer, id);
    await this.scheduler.runNow(c.id);
    await this.recordChange(viewer, ctx, 'connector.run', id, null, null);
    return toConnector(c);
  }

  /** Another tenant's connector is NOT_FOUND, never FORBIDDEN (ids do not leak across tenants). */
  private async find(viewer: Viewer, id: string) {
    const row = await this.prisma.connector.findFirst({
      where: { id, tenantId: viewer.tenantId },
      select: { ...SELECT, credentials: true },
    });
    if (!row) throw apiError('NOT_FOUND', 'no such connector');
    return row;
  }

  /** Builds the source once (no network): an unusable config is refused at save time, not at 3 am. */
  private validate(kind: string, name: string, config: object, credentials: Record<string, string>): void {
    try {
      sourceFor(kind, {
        connectorId: 'validation',
        connectorName: name,
        config: config as Record<string, unknown>,
        credentials,
      });
    } catch (err) {
      throw apiError('BAD_USER_INPUT', describeError(err), { field: 'config' });
    }
  }
}

function sealable(credentials: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(credentials)) {
    if (typeof v !== 'string') throw apiError('BAD_USER_INPUT', `credentials.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function toConnector(r: Row & { credentials?: string | null }): Connector {
  const { credentials, ...rest } = r;
  const healthy =
    r.lastSuccessAt !== null && (r.lastErrorAt === null || r.lastSuccessAt.getTime() >= r.lastErrorAt.getTime());
  return { ...rest, healthy, hasCredentials: r.hasCredentials ?? Boolean(credentials) };
}

/** The audit log sees which credentials changed, never their values. */
function auditView(r: { name: string; kind: string; config: unknown; enabled: boolean; credentials?: string | null }) {
  return { name: r.name, kind: r.kind, config: r.config, enabled: r.enabled, hasCredentials: Boolean(r.credentials) };
}
