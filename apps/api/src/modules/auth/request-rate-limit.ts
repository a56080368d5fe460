import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { apiError } from '../../graphql-errors.js';
import { REDIS } from '../../infra/tokens.js';
import type { GqlContext, Viewer } from './viewer.js';

const WINDOW_S = 60;

function limitFromEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/**
 * Per-caller request budget in Redis (fixed one-minute windows): per user for sessions, per key for API keys.
 * Counted once per HTTP request, answered with the usual X-RateLimit-* headers and, when spent, RATE_LIMITED
 * with Retry-After.
 */
@Injectable()
export class RequestRateLimit {
  readonly userLimit = limitFromEnv('API_RATE_LIMIT_USER_PER_MIN', 600);
  readonly keyLimit = limitFromEnv('API_RATE_LIMIT_KEY_PER_MIN', 1200);

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async consume(ctx: GqlContext & { rateCounted?: boolean }, viewer: Viewer): Promise<void> {
    if (ctx.rateCounted) return;
    ctx.rateCounted = true;
    const limit = viewer.apiKeyId ? this.keyLimit : this.userLimit;
    const window = Math.floor(Date.now() / 1000 / WINDOW_S);
    const key = `bs:rl:${viewer.apiKeyId ? `key:${viewer.apiKeyId}` : `user:${viewer.userId}`}:${window}`;
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, WINDOW_S * 2)
      .exec()) as [[Error | null, number]];
    const reset = (window + 1) * WINDOW_S - Math.floor(Date.now() / 1000);
    ctx.reply.header('x-ratelimit-limit', String(limit));
    ctx.reply.header('x-ratelimit-remaining', String(Math.max(0, limit - count)));
    ctx.reply.header('x-ratelimit-reset', String(reset));
    if (count > limit) {
      ctx.reply.header('retry-after', String(reset));
      throw apiError('RATE_LIMITED', `rate limit of ${limit} requests per minute reached; retry in ${reset} s`, {
        retryAfter: reset,
      });
    }
  }
}
