export * from './codec';
export * from './http';
export * from './agent-credentials';
export * from './agent-config';
