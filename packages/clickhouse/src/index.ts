export * from './client';
export * from './ddl/operations';
export * from './ddl/render';
export * from './ddl/types';
export * from './migrate';
export * from './resource-lookup';
export * from './schema';
export * from './tables';
