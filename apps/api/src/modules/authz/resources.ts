/**
 * The authorization vocabulary: actions, resource types, and the resource attributes ABAC conditions can read.
 * Adding a resource type here makes it available to policies, the simulator and the console's policy editor.
 */
export const ACTIONS = ['read', 'create', 'update', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];
/** CASL's wildcard action: every action. Built-in roles use it; policies list actions explicitly. */
export type AbilityAction = Action | 'manage';

export const RESOURCE_TYPES = [
  'Request',
  'Agent',
  'AgentGroup',
  'ApiKey',
  'Member',
  'Invitation',
  'Team',
  'Policy',
  'AuditLog',
  'SsoConnection',
  'EnrollmentToken',
  'IngestGateway',
  'Tenant',
  'Connector',
  'InventoryResource',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const ATTRIBUTES = ['namespace', 'service', 'environment', 'agentGroup', 'label'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** Which attributes each resource type carries, i.e. which conditions a policy may put on it. */
export const RESOURCE_ATTRIBUTES: Record<ResourceType, readonly Attribute[]> = {
  Request: ['namespace', 'service', 'environment', 'agentGroup'],
  Agent: ['agentGroup', 'label'],
  AgentGroup: ['agentGroup'],
  ApiKey: [],
  Member: [],
  Invitation: [],
  Team: [],
  Policy: [],
  AuditLog: [],
  SsoConnection: [],
  EnrollmentToken: [],
  IngestGateway: [],
  Tenant: [],
  Connector: [],
  InventoryResource: [],
};

/** Fields a policy can hide one by one (field-level rules); the rest of the resource stays visible. */
export const RESTRICTABLE_FIELDS: Record<ResourceType, readonly string[]> = {
  Request: ['path', 'host', 'clientIp', 'serverIp', 'processName'],
  Agent: [],
  AgentGroup: [],
  ApiKey: [],
  Member: [],
  Invitation: [],
  Team: [],
  Policy: [],
  AuditLog: [],
  SsoConnection: [],
  EnrollmentToken: [],
  IngestGateway: [],
  Tenant: [],
  Connector: [],
  InventoryResource: [],
};

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

export function isAttribute(value: string): value is Attribute {
  return (ATTRIBUTES as readonly string[]).includes(value);
}
