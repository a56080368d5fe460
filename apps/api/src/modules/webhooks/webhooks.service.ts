import { randomUUID } from 'node:crypto';
import type { BathyscopeConfig } from '@bathyscope/config';
import type { PrismaClient } from '@bathyscope/db';
import { Inject, Injectable } from '@nestjs/common';
import { apiError } from '../../graphql-errors.js';
import type { SecretBox } from '../../infra/secret-box.js';
import { CONFIG, PRISMA, SECRET_BOX } from '../../infra/tokens.js';
import { requireAlertEditor } from '../alerts/access.js';
import { alertVisibility } from '../alerts/telemetry-visibility.js';
import { AuditService } from '../audit/audit.service.js';
import type { GqlContext, Viewer } from '../auth/viewer.js';
import { AuthzService } from '../authz/authz.service.js';
import {
  type AlertmanagerAlert,
  alertmanagerPayload,
  type AlertmanagerPayload,
  ZERO_TIME,
} from './alertmanager-payload.js';
import { DeliveryDispatcher } from './delivery-dispatcher.js';
import type {
  CreateWebhookDestinationInput,
  RotateWebhookSecretInput,
  UpdateWebhookDestinationInput,
  WebhookDelivery,
  WebhookDeliveryFilter,
  WebhookDestination,
  WebhookDestinationWithSecret,
} from './dto/webhooks.types.js';
import { generateWebhookSecret, isWebhookSecret } from './signing.js';
import { type AddressPolicy, resolveWebhookTarget, WebhookTargetRefused } from './ssrf-guard.js';
import { WEBHOOK_ADDRESS_POLICY } from './tokens.js';

const MAX_SECRETS = 3;

interface DestinationRow {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  secrets: string;
  maxAttempts: number;
  timeoutMs: number;
  createdAt: Date;
  updatedAt: Date;
}

@Injectable()
export class WebhooksService {
  private readonly recordChange: ReturnType<AuditService['recorderFor']>;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(CONFIG) private readonly config: BathyscopeConfig,
    @Inject(WEBHOOK_ADDRESS_POLICY) private readonly policy: AddressPolicy,
    @Inject(DeliveryDispatcher) private readonly dispatcher: DeliveryDispatcher,
    @Inject(AuthzService) private readonly authz: AuthzService,
    @Inject(AuditService) audit: AuditService,
  ) {
    this.recordChange = audit.recorderFor('WebhookDestination');
  }

  async list(viewer: Viewer): Promise<WebhookDestination[]> {
    const rows = await this.prisma.webhookDestination.findMany({
      where: { tenantId: viewer.tenantId },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => this.toDestination(r));
  }

  async get(viewer: Viewer, id: string): Promise<WebhookDestination> {
    return this.toDestination(await this.find(viewer, id));
  }

  async create(
    viewer: Viewer,
    input: CreateWebhookDestinationInput,
    ctx: GqlContext,
  ): Promise<WebhookDestinationWithSecret> {
    requireAlertEditor(viewer, 'creating webhook destinations');
    await this.checkUrl(input.url);
    const secret = input.secret ?? generateWebhookSecret();
    this.checkSecret(secret);
    if (await this.prisma.webhookDestination.findFirst({ where: { tenantId: viewer.tenantId, name: input.name } }))
      throw apiError('CONFLICT', `a webhook destination named ${input.name} exists`, { field: 'name' });
    const row = await this.prisma.webhookDestination.create({
      data: {
        tenantId: viewer.tenantId,
        name: input.name,
        url: input.url,
        secrets: this.box.seal(JSON.stringify([secret])),
        maxAttempts: input.maxAttempts,
        timeoutMs: input.timeoutMs,
      },
    });
    await this.recordChange(viewer, ctx, 'webhook.create', row.id, null, auditView(row));
    return { destination: this.toDestination(row), secret };
  }

  async update(
    viewer: Viewer,
    id: string,
    input: UpdateWebhookDestinationInput,
    ctx: GqlContext,
  ): Promise<WebhookDestination> {
    requireAlertEditor(viewer, 'changing webhook destinations');
    const before = await this.find(viewer, id);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const row = await this.prisma.webhookDestination.update({
      where: { id: before.id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.enabled === true ? { disabledReason: null } : {}),
        ...(input.maxAttempts !== undefined ? { maxAttempts: input.maxAttempts } : {}),
        ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
      },
    });
    await this.recordChange(viewer, ctx, 'webhook.update', id, auditView(before), auditView(row));
    return this.toDestination(row);
  }

  async remove(viewer: Viewer, id: string, ctx: GqlContext): Promise<boolean> {
    requireAlertEditor(viewer, 'deleting webhook destinations');
    const before = await this.find(viewer, id);
    await this.prisma.webhookDestination.delete({ where: { id: before.id } });
    await this.recordChange(viewer, ctx, 'webhook.delete', id, auditView(before), null);
    return true;
  }

  /** Adds a secret; with keepPrevious the old ones keep signing (several signatures) until dropped. */
  async rotateSecret(
    viewer: Viewer,
    id: string,
    input: RotateWebhookSecretInput,
    ctx: GqlContext,
  ): Promise<WebhookDestinationWithSecret> {
    requireAlertEditor(viewer, 'rotating webhook secrets');
    const before = await this.find(viewer, id);
    const secret = input.secret ?? generateWebhookSecret();
    this.checkSecret(secret);
    const previous = input.keepPrevious ? (JSON.parse(this.box.open(before.secrets)) as string[]) : [];
    const secrets = [...previous, secret].slice(-MAX_SECRETS);
    const row = await this.prisma.webhookDestination.update({
      where: { id: before.id },
      data: { secrets: this.box.seal(JSON.stringify(secrets)) },
    });
    await this.recordChange(viewer, ctx, 'webhook.rotateSecret', id, auditView(before), auditView(row));
    return { destination: this.toDestination(row), secret };
  }

  async deliveries(viewer: Viewer, filter: WebhookDeliveryFilter): Promise<WebhookDelivery[]> {
    const rows = await this.prisma.webhookDelivery.findMany({
      where: {
        tenantId: viewer.tenantId,
        ...(filter.destinationId ? { destinationId: filter.destinationId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.first,
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });
    // A delivery's body names the alerts it carries: shown only when the reader may see every one of them.
    const visible = await alertVisibility(this.authz, viewer);
    const readable = rows.filter(
      (r) =>
        r.kind !== 'alert' ||
        ((r.payload as unknown as AlertmanagerPayload).alerts ?? []).every((a) => visible(a.labels)),
    );
    return readable.map((r) => ({
      id: r.id,
      destinationId: r.destinationId,
      messageId: r.messageId,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      payload: JSON.stringify(r.payload),
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      attemptLog: r.attemptLog.map((a) => ({
        attempt: a.attempt,
        statusCode: a.statusCode,
        durationMs: a.durationMs,
        error: a.error,
        responseSnippet: a.responseSnippet,
        at: a.at,
      })),
    }));
  }

  /** A firing test alert through the same queue, signing and log as real notifications. */
  async sendTest(viewer: Viewer, destinationId: string, ctx: GqlContext): Promise<WebhookDelivery> {
    requireAlertEditor(viewer, 'sending test notifications');
    const dest = await this.find(viewer, destinationId);
    const now = new Date().toISOString();
    const labels = { alertname: 'BathyscopeTestNotification', tenant: viewer.tenantSlug };
    const alert: AlertmanagerAlert = {
      status: 'firing',
      labels,
      annotations: { summary: `Test notification sent by ${viewer.email}` },
      startsAt: now,
      endsAt: ZERO_TIME,
      generatorURL: `${this.config.webUrl}/t/${viewer.tenantSlug}/alerts`,
      fingerprint: '0000000000000000',
    };
    const payload = alertmanagerPayload({
      groupKey: `{}:{alertname="BathyscopeTestNotification"}`,
      receiver: dest.name,
      groupLabels: { alertname: labels.alertname },
      externalURL: this.config.webUrl,
      alerts: [alert],
    });
    const id = await this.enqueue(viewer.tenantId, dest.id, `test:${randomUUID()}`, 'test', payload);
    await this.recordChange(viewer, ctx, 'webhook.sendTest', dest.id, null, { deliveryId: id });
    const [delivery] = await this.deliveries(viewer, Object.assign({ first: 1 }, { destinationId: dest.id }));
    return delivery as WebhookDelivery;
  }

  /**
   * Writes a delivery once per (destination, idempotencyKey) and queues it. A second call with the same key (an
   * evaluator that restarted between deciding and recording) finds the row and only re-queues it, which the job id
   * makes a no-op — so a notification is never sent twice.
   */
  async enqueue(
    tenantId: number,
    destinationId: string,
    idempotencyKey: string,
    kind: 'alert' | 'test',
    payload: AlertmanagerPayload,
  ): Promise<string> {
    const dest = await this.prisma.webhookDestination.findFirst({
      where: { id: destinationId, tenantId },
      select: { id: true, maxAttempts: true },
    });
    if (!dest) throw new Error(`webhook destination ${destinationId} is not in tenant ${tenantId}`);
    const row = await this.prisma.webhookDelivery.upsert({
      where: { destinationId_idempotencyKey: { destinationId, idempotencyKey } },
      create: {
        tenantId,
        destinationId,
        idempotencyKey,
        messageId: `msg_${randomUUID()}`,
        kind,
        payload: payload as object,
      },
      update: {},
      select: { id: true, status: true },
    });
    if (row.status === 'pending') await this.dispatcher.enqueue(row.id, dest.maxAttempts);
    return row.id;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await resolveWebhookTarget(url, this.policy);
    } catch (err) {
      if (err instanceof WebhookTargetRefused)
        throw apiError('BAD_USER_INPUT', err.message, { field: 'url', reason: err.reason });
      throw apiError('BAD_USER_INPUT', `not a valid URL: ${(err as Error).message}`, { field: 'url' });
    }
  }

  private checkSecret(secret: string): void {
    if (!isWebhookSecret(secret))
      throw apiError('BAD_USER_INPUT', 'secret must be whsec_ and 24–64 base64-encoded bytes', { field: 'secret' });
  }

  private async find(viewer: Viewer, id: string): Promise<DestinationRow> {
    const row = await this.prisma.webhookDestination.findFirst({ where: { id, tenantId: viewer.tenantId } });
    if (!row) throw apiError('NOT_FOUND', 'no such webhook destination', { field: 'id' });
    return row;
  }

  private toDestination(r: DestinationRow): WebhookDestination {
    return {
      id: r.id,
      name: r.name,
      url: r.url,
      enabled: r.enabled,
      disabledReason: r.disabledReason,
      secretCount: (JSON.parse(this.box.open(r.secrets)) as string[]).length,
      maxAttempts: r.maxAttempts,
      timeoutMs: r.timeoutMs,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    };
  }
}

/** Never the secrets. */
function auditView(r: DestinationRow): Record<string, unknown> {
  return { name: r.name, url: r.url, enabled: r.enabled, maxAttempts: r.maxAttempts, timeoutMs: r.timeoutMs };
}
