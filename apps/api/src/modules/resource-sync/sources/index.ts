import { createAwsSource } from './aws.js';
import { createFileImportSource } from './file-import.js';
import { type KubernetesConfig, type KubernetesCredentials, KubernetesSource } from './kubernetes.js';
import { createNetBoxSource } from './netbox.js';
import { type SourceFactory, SourceError } from './source-types.js';

/** Connector kinds the API accepts. */
export const CONNECTOR_KINDS = ['k8s', 'aws', 'netbox', 'file'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export function isConnectorKind(kind: string): kind is ConnectorKind {
  return (CONNECTOR_KINDS as readonly string[]).includes(kind);
}

/**
 * kind → source factory. Each kind registers here; a kind without a factory yet is refused when a connector of
 * it runs (its status says so) instead of pretending to sync.
 */
export const SOURCE_FACTORIES: Partial<Record<ConnectorKind, SourceFactory>> = {
  k8s: (ctx) =>
    new KubernetesSource(
      ctx.connectorId,
      ctx.connectorName,
      ctx.config as unknown as KubernetesConfig,
      ctx.credentials as KubernetesCredentials,
    ),
  aws: (ctx) => createAwsSource(ctx.config, ctx.credentials),
  netbox: (ctx) => createNetBoxSource(ctx.config, ctx.credentials),
  file: (ctx) => createFileImportSource(ctx.config),
};

export function sourceFor(kind: string, ctx: Parameters<SourceFactory>[0]) {
  const factory = isConnectorKind(kind) ? SOURCE_FACTORIES[kind] : undefined;
  if (!factory) throw new SourceError(`connector kind ${kind} has no source in this build`, 'config', false);
  return factory(ctx);
}

/** Kinds whose source follows changes continuously (a watch supervisor runs for them besides the schedule). */
export const WATCHED_KINDS: readonly ConnectorKind[] = ['k8s'];
