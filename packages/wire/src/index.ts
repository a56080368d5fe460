export * from './codec';
export * from './http';
export * from './agent-credentials';
