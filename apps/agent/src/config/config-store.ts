import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AgentConfig, DEFAULT_AGENT_CONFIG, validateAgentConfig } from '@bathyscope/wire';
import { writeAtomic } from '../credentials';

/** The last configuration the agent accepted, with what identifies it to the gateway. */
export interface StoredAgentConfig {
  configVersion: number;
  config: AgentConfig;
  /** ETag of the check-in answer that carried it (sent back as If-None-Match). */
  etag: string | null;
  /** Gateway the control plane assigned with it. */
  ingestUrl: string | null;
}

export const BUILT_IN_CONFIG: StoredAgentConfig = Object.freeze({
  configVersion: 0,
  config: DEFAULT_AGENT_CONFIG,
  etag: null,
  ingestUrl: null,
});

/**
 * `<state>/agent/config.json`: written atomically after each accepted configuration, read at start so a restarted
 * agent runs what it ran before (even with the gateway unreachable) and checks in with its ETag.
 */
export class ConfigStore {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'agent', 'config.json');
  }

  /** The stored configuration, or the built-in one (with why, when a stored file was unusable). */
  load(): { stored: StoredAgentConfig; problem: string | null } {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stored: BUILT_IN_CONFIG, problem: null };
      return { stored: BUILT_IN_CONFIG, problem: `cannot read ${this.file}: ${(err as Error).message}` };
    }
    try {
      const parsed = JSON.parse(text) as Partial<StoredAgentConfig>;
      const verdict = validateAgentConfig(parsed.config);
      if (!verdict.ok) throw new Error(verdict.errors.join('; '));
      if (!Number.isInteger(parsed.configVersion) || (parsed.configVersion as number) < 0) {
        throw new Error('configVersion is not a non-negative integer');
      }
      return {
        stored: {
          configVersion: parsed.configVersion as number,
          config: verdict.config,
          etag: typeof parsed.etag === 'string' ? parsed.etag : null,
          ingestUrl: typeof parsed.ingestUrl === 'string' && isHttpUrl(parsed.ingestUrl) ? parsed.ingestUrl : null,
        },
        problem: null,
      };
    } catch (err) {
      return {
        stored: BUILT_IN_CONFIG,
        problem: `stored configuration ${this.file} is unusable (${(err as Error).message}); running built-in defaults`,
      };
    }
  }

  save(stored: StoredAgentConfig): void {
    writeAtomic(this.file, `${JSON.stringify({ ...stored, savedAt: new Date().toISOString() }, null, 2)}\n`, 0o600);
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
