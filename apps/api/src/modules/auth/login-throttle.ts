import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS } from '../../infra/tokens.js';

const WINDOW_S = 15 * 60;
const MAX_FAILURES_PER_EMAIL = 10;
const MAX_FAILURES_PER_IP = 50;

/**
 * Brute-force protection for sign-in: failed attempts are counted in Redis per email and per client IP over
 * a 15-minute window; past the limit, sign-in is refused without checking the password.
 */
@Injectable()
export class LoginThrottle {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  private keys(email: string, ip: string): [string, string] {
    return [`bs:login:fail:email:${email.toLowerCase()}`, `bs:login:fail:ip:${ip}`];
  }

  /** Seconds until the caller may try again, or 0 when allowed. */
  async retryAfter(email: string, ip: string): Promise<number> {
    const [emailKey, ipKey] = this.keys(email, ip);
    const [[, byEmail], [, byIp]] = (await this.redis.multi().get(emailKey).get(ipKey).exec()) as [
      [Error | null, string | null],
      [Error | null, string | null],
    ];
    const blocked =
      Number(byEmail ?? 0) >= MAX_FAILURES_PER_EMAIL
        ? emailKey
        : Number(byIp ?? 0) >= MAX_FAILURES_PER_IP
          ? ipKey
          : null;
    if (!blocked) return 0;
    return Math.max(1, await this.redis.ttl(blocked));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const [emailKey, ipKey] = this.keys(email, ip);
    await this.redis
      .multi()
      .incr(emailKey)
      .expire(emailKey, WINDOW_S, 'NX')
      .incr(ipKey)
      .expire(ipKey, WINDOW_S, 'NX')
      .exec();
  }

  async recordSuccess(email: string): Promise<void> {
    await this.redis.del(this.keys(email, '')[0]);
  }
}
