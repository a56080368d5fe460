export * from './codec';
export * from './http';
