import { validateAgentConfig } from '@bathyscope/wire';
import type { AgentConfigApplier } from './config-applier';
import { type ConfigStore, isHttpUrl, type StoredAgentConfig } from './config-store';

/** The status field is capped at 1000 characters by the check-in schema. */
const MAX_CONFIG_ERROR = 1000;

export interface Received {
  /** False when the answer was refused (the configuration in force is kept). */
  accepted: boolean;
  /** Settings that changed (dotted paths). */
  changed: string[];
  /** Gateway to ship to from now on, when the answer assigns a different one. */
  ingestUrl: string | null;
  /** Settles when capture reflects the configuration. */
  settled: Promise<void>;
}

/**
 * The agent's configuration lifecycle: the stored (or built-in) configuration at start, then each check-in answer
 * validated with the shared schema, applied live and stored. An invalid answer is refused as a whole: the agent
 * keeps running what it ran and reports why in `configError` at its next check-in.
 */
export class ConfigManager {
  private stored: StoredAgentConfig;
  configError: string | null = null;
  /** Answers accepted / refused since start. */
  applied = 0;
  refused = 0;

  constructor(
    private readonly store: ConfigStore,
    private readonly applier: AgentConfigApplier,
  ) {
    const { stored, problem } = store.load();
    this.stored = stored;
    this.configError = problem;
  }

  get version(): number {
    return this.stored.configVersion;
  }

  get etag(): string | null {
    return this.stored.etag;
  }

  /** Gateway assigned with the stored configuration (null: none assigned yet). */
  get assignedIngestUrl(): string | null {
    return this.stored.ingestUrl;
  }

  get config() {
    return this.stored.config;
  }

  /** Applies the configuration loaded at start. */
  start(): Promise<void> {
    return this.applier.apply(this.stored.config).settled;
  }

  /** A 200 check-in answer (untrusted JSON) and its ETag header. */
  receive(body: unknown, etagHeader: string | null, currentIngestUrl: string): Received {
    const refuse = (why: string): Received => {
      this.refused++;
      this.configError = why.slice(0, MAX_CONFIG_ERROR);
      return { accepted: false, changed: [], ingestUrl: null, settled: Promise.resolve() };
    };
    if (typeof body !== 'object' || body === null) return refuse('check-in answer is not a JSON object');
    const answer = body as Record<string, unknown>;
    const version = answer.configVersion;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
      return refuse('check-in answer has no valid configVersion');
    }
    const verdict = validateAgentConfig(answer.config);
    if (!verdict.ok) return refuse(`configuration version ${version} refused: ${verdict.errors.join('; ')}`);

    const etag = etagHeader ?? (typeof answer.etag === 'string' ? answer.etag : null);
    const assigned =
      typeof answer.ingestUrl === 'string' && isHttpUrl(answer.ingestUrl) ? answer.ingestUrl : this.stored.ingestUrl;
    const { changed, settled } = this.applier.apply(verdict.config);
    this.stored = { configVersion: version, config: verdict.config, etag, ingestUrl: assigned };
    this.applied++;
    this.configError = null;
    try {
      this.store.save(this.stored);
    } catch (err) {
      this.configError = `configuration version ${version} is applied but could not be stored for the next start: ${(err as Error).message}`;
    }
    const moved = assigned !== null && new URL(assigned).toString() !== new URL(currentIngestUrl).toString();
    return { accepted: true, changed, ingestUrl: moved ? assigned : null, settled };
  }
}
