import type { AgentConfig } from '@bathyscope/wire';

export type ResourceLimits = AgentConfig['limits'];

/** One measurement of the agent's own process. */
export interface ResourceSample {
  /** Wall clock of the measurement, ms. */
  atMs: number;
  /** CPU over the last sample period, percent of one core. */
  cpuPercent: number;
  rssBytes: number;
}

/** What the agent must do after a sample. */
export type MonitorAction = 'none' | 'pause' | 'resume';

export interface SelfMonitorOptions {
  /** CPU over budget this long pauses capture. Default 10 s. */
  cpuGraceMs?: number;
  /** Back under budget (with margin) this long resumes it; doubles after each pause that follows soon. Default 10 s. */
  resumeAfterMs?: number;
  /** Longest wait before resuming. Default 5 min. */
  maxResumeAfterMs?: number;
  /** Resume only below these shares of the budgets: without a margin capture flaps at the threshold. */
  cpuResumeRatio?: number;
  memoryResumeRatio?: number;
}

/**
 * The agent's resource budget as a state machine fed one sample a second (no clock of its own, so tests drive it
 * with samples). CPU over `limits.cpuPercent` for 10 s, or RSS over `limits.memoryMb` at once, pauses capture;
 * the agent also drops its spool while over memory. Capture resumes once usage has stayed under 80 % (CPU) and
 * 90 % (memory) of the budgets for `resumeAfterMs`, a wait that doubles when pauses follow each other (up to
 * 5 min), so a workload that keeps the agent at its limit costs a pause now and then rather than flapping.
 */
export class SelfMonitor {
  private limits: ResourceLimits;
  private readonly cpuGraceMs: number;
  private readonly baseResumeMs: number;
  private readonly maxResumeMs: number;
  private readonly cpuResumeRatio: number;
  private readonly memoryResumeRatio: number;
  private cpuOverSince: number | null = null;
  private underSince: number | null = null;
  private resumeAfterMs: number;
  private lastResumeAt = Number.NEGATIVE_INFINITY;
  private pausedFlag = false;
  private reason: string | null = null;
  /** Times capture was paused for the budget. */
  pauses = 0;
  last: ResourceSample | null = null;

  constructor(limits: ResourceLimits, options: SelfMonitorOptions = {}) {
    this.limits = { ...limits };
    this.cpuGraceMs = options.cpuGraceMs ?? 10_000;
    this.baseResumeMs = options.resumeAfterMs ?? 10_000;
    this.maxResumeMs = options.maxResumeAfterMs ?? 300_000;
    this.cpuResumeRatio = options.cpuResumeRatio ?? 0.8;
    this.memoryResumeRatio = options.memoryResumeRatio ?? 0.9;
    this.resumeAfterMs = this.baseResumeMs;
  }

  setLimits(limits: ResourceLimits): void {
    this.limits = { ...limits };
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  /** Why capture is paused, for the status and the console. */
  get problem(): string | null {
    return this.pausedFlag ? this.reason : null;
  }

  /** Whether the last sample was over the memory budget (the agent then drops its spool). */
  get overMemory(): boolean {
    return this.last !== null && this.last.rssBytes > this.memoryBudgetBytes;
  }

  private get memoryBudgetBytes(): number {
    return this.limits.memoryMb * 1024 * 1024;
  }

  observe(sample: ResourceSample): MonitorAction {
    this.last = sample;
    const { cpuPercent, memoryMb } = this.limits;
    const overMemory = sample.rssBytes > this.memoryBudgetBytes;
    if (sample.cpuPercent > cpuPercent) this.cpuOverSince ??= sample.atMs;
    else this.cpuOverSince = null;
    const cpuOverFor = this.cpuOverSince === null ? 0 : sample.atMs - this.cpuOverSince;

    if (!this.pausedFlag) {
      if (overMemory) {
        return this.pause(
          sample.atMs,
          `paused: agent memory ${mb(sample.rssBytes)} MB is over its budget of ${memoryMb} MB (limits.memoryMb); spool dropped`,
        );
      }
      if (this.cpuOverSince !== null && cpuOverFor >= this.cpuGraceMs) {
        return this.pause(
          sample.atMs,
          `paused: agent CPU ${sample.cpuPercent.toFixed(0)}% has been over its budget of ${cpuPercent}% (limits.cpuPercent) for ${Math.round(cpuOverFor / 1000)} s`,
        );
      }
      return 'none';
    }

    const under =
      sample.cpuPercent <= cpuPercent * this.cpuResumeRatio &&
      sample.rssBytes <= this.memoryBudgetBytes * this.memoryResumeRatio;
    if (!under) {
      this.underSince = null;
      return 'none';
    }
    this.underSince ??= sample.atMs;
    if (sample.atMs - this.underSince < this.resumeAfterMs) return 'none';
    this.pausedFlag = false;
    this.reason = null;
    this.underSince = null;
    this.cpuOverSince = null;
    this.lastResumeAt = sample.atMs;
    return 'resume';
  }

  private pause(atMs: number, reason: string): MonitorAction {
    // Paused again soon after resuming: wait longer before the next try.
    this.resumeAfterMs =
      atMs - this.lastResumeAt < this.maxResumeMs
        ? Math.min(this.maxResumeMs, this.resumeAfterMs * 2)
        : this.baseResumeMs;
    this.pausedFlag = true;
    this.reason = reason;
    this.underSince = null;
    this.pauses++;
    return 'pause';
  }
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** CPU and RSS of this process; CPU as the share of one core used since the previous call. */
export class ProcessSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  sample(): ResourceSample {
    const cpu = process.cpuUsage();
    const at = process.hrtime.bigint();
    const wallUs = Number(at - this.lastAt) / 1000;
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    this.lastCpu = cpu;
    this.lastAt = at;
    return {
      atMs: Date.now(),
      cpuPercent: wallUs > 0 ? Math.max(0, (usedUs / wallUs) * 100) : 0,
      rssBytes: process.memoryUsage.rss(),
    };
  }
}
