/**
 * The channel ingest gateways follow (apps/ingest/src/tagging/invalidation.ts); the message is the tenant id.
 * Published after every applied change, so a new pod's IP tags traffic at once instead of at the next reload.
 */
export const RESOURCE_INVALIDATION_CHANNEL = 'bathyscope:resources';
