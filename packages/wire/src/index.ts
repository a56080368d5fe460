export * from './codec';
export * from './http';
export * from './agent-credentials';
export * from './agent-config';
export * from './profile-codec';
export * from './host-metrics-codec';
export * from './flow-codec';
