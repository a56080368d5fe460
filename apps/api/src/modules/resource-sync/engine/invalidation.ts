/**
 * The channel ingest gateways follow (apps/ingest/src/tagging/invalidation.ts); the message is the tenant id.
 * Published after every applied change, so a new pod's IP tags traffic at once instead of at the next reload.
 */
export const RESOURCE_INVALIDATION_CHANNEL = 'bathyscope:resources';

/** Gateways announce resources they created themselves here (apps/ingest/src/tagging/invalidation.ts). */
export const RESOURCE_NAMES_CHANNEL = 'bathyscope:resource-names';
