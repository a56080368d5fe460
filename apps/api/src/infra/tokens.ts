/** DI tokens for the process-wide clients (one ClickHouse handle and one Prisma client per process). */
export const CLICKHOUSE = Symbol('CLICKHOUSE');
export const PRISMA = Symbol('PRISMA');
export const CONFIG = Symbol('CONFIG');
export const REDIS = Symbol('REDIS');
export const MAILER = Symbol('MAILER');
export const SECRET_BOX = Symbol('SECRET_BOX');
