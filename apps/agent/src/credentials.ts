import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AGENT_TOKEN_PATH,
  type AgentTokenResponse,
  agentTokenRequestMessage,
  ENROLL_PATH,
  type EnrollResponse,
  type HostFacts,
} from '@bathyscope/wire';

/** Where an agent's identity lives: `<state>/agent/key.pem` (0600) and `<state>/agent/credentials.json`. */
export function agentFiles(stateDir: string) {
  const dir = path.join(stateDir, 'agent');
  return { dir, key: path.join(dir, 'key.pem'), credentials: path.join(dir, 'credentials.json') };
}

/** What `enroll` writes: the identity, not a secret (the private key is in key.pem). */
export interface EnrolledCredentials {
  agentId: number;
  tenantId: number;
  ingestUrl: string;
}

/** An error the gateway answered with (`{ error: { code, message } }`). */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

async function postJson<T>(url: URL, body: unknown, timeoutMs = 10_000): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new GatewayError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? text.slice(0, 200));
  }
  return json as T;
}

/** Writes a file atomically with the given mode: a crash never leaves a half-written key or credential. */
export function writeAtomic(file: string, content: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

/**
 * Enrolls this host: a fresh Ed25519 key pair, the public half and the host facts sent with the enrollment token.
 * The key and the credentials are written only once the gateway accepted them, so a failed re-enrollment leaves a
 * working agent as it was. Re-enrolling the same machine (same machine-id) keeps the agent id.
 */
export async function enroll(options: {
  server: string;
  token: string;
  stateDir: string;
  facts: HostFacts;
}): Promise<EnrolledCredentials & { created: boolean }> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const answer = await postJson<EnrollResponse>(new URL(ENROLL_PATH, options.server), {
    token: options.token,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    facts: options.facts,
  });
  const files = agentFiles(options.stateDir);
  writeAtomic(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  const credentials: EnrolledCredentials = {
    agentId: answer.agentId,
    tenantId: answer.tenantId,
    ingestUrl: answer.ingestUrl,
  };
  writeAtomic(files.credentials, `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
  return { ...credentials, created: answer.created };
}

export function loadPrivateKey(file: string): KeyObject {
  const key = createPrivateKey(fs.readFileSync(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return key;
}

/**
 * Asks the gateway for an access token: a signature over `bathyscope-agent-token:<agentId>:<timestamp>` proves
 * possession of the enrolled key. The timestamp must be within 5 minutes of the gateway's clock and later than the
 * last one the gateway accepted for this agent.
 */
export async function requestAccessToken(
  ingestUrl: string,
  agentId: number,
  privateKey: KeyObject,
  timestamp = Date.now(),
): Promise<{ accessToken: string; expiresAt: number }> {
  const signature = sign(null, Buffer.from(agentTokenRequestMessage(agentId, timestamp)), privateKey).toString(
    'base64',
  );
  const answer = await postJson<AgentTokenResponse>(new URL(AGENT_TOKEN_PATH, ingestUrl), {
    agentId,
    timestamp,
    signature,
  });
  return { accessToken: answer.accessToken, expiresAt: Date.parse(answer.expiresAt) };
}

/** What the shipper and the status reporter put in `Authorization`. */
export interface AgentCredentialSource {
  /** `Bearer …`; may fetch a fresh access token first. */
  authorization(): Promise<string>;
  /** The gateway answered 401: the next call fetches a new token (no-op for static credentials). */
  invalidate(): void;
  /** Whether a 401 can be cured by invalidate() (access tokens) or means the credential is bad for good. */
  readonly renewable: boolean;
  /** The control plane moved the agent to another gateway: renew tokens there (every gateway accepts them). */
  useGateway(ingestUrl: string): void;
}

/** Legacy `bsa_<id>_<secret>` credentials (provisioned agents, the demo seed). */
export class StaticCredential implements AgentCredentialSource {
  readonly renewable = false;
  constructor(private readonly token: string) {}
  async authorization(): Promise<string> {
    return `Bearer ${this.token}`;
  }
  invalidate(): void {}
  useGateway(): void {}
}

/**
 * Short-lived access tokens, renewed with the agent's private key when less than `renewBeforeMs` of their life is
 * left (or after a 401). Concurrent callers share one renewal; timestamps only grow, so two renewals in the same
 * millisecond are not mistaken for a replay.
 */
export class AccessTokenSource implements AgentCredentialSource {
  readonly renewable = true;
  private current: { accessToken: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private lastTimestamp = 0;
  private gateway: string;

  constructor(
    private readonly options: {
      ingestUrl: string;
      agentId: number;
      privateKey: KeyObject;
      renewBeforeMs?: number;
      now?: () => number;
    },
  ) {
    this.gateway = options.ingestUrl;
  }

  async authorization(): Promise<string> {
    const now = this.options.now?.() ?? Date.now();
    if (this.current && this.current.expiresAt - now > (this.options.renewBeforeMs ?? 5 * 60_000)) {
      return `Bearer ${this.current.accessToken}`;
    }
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return `Bearer ${await this.pending}`;
  }

  invalidate(): void {
    this.current = undefined;
  }

  useGateway(ingestUrl: string): void {
    this.gateway = ingestUrl;
  }

  private async renew(): Promise<string> {
    const timestamp = Math.max(this.options.now?.() ?? Date.now(), this.lastTimestamp + 1);
    this.lastTimestamp = timestamp;
    this.current = await requestAccessToken(this.gateway, this.options.agentId, this.options.privateKey, timestamp);
    return this.current.accessToken;
  }
}

/**
 * The credential in `<file>`: `{ agentId, ingestUrl }` from `enroll` (with `key.pem` next to it), or the legacy
 * `{ token }`. `ingestOverride` replaces the enrolled ingest URL (for tokens and data alike).
 */
export function loadCredentials(
  file: string,
  ingestOverride?: string,
): { source: AgentCredentialSource; ingestUrl?: string; agentId?: number } {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EnrolledCredentials> & { token?: string };
  if (typeof parsed.token === 'string' && parsed.token) {
    return { source: new StaticCredential(parsed.token), ingestUrl: ingestOverride };
  }
  if (typeof parsed.agentId !== 'number' || typeof parsed.ingestUrl !== 'string') {
    throw new Error(`${file} has neither a token nor an enrolled agent (agentId, ingestUrl)`);
  }
  const privateKey = loadPrivateKey(path.join(path.dirname(file), 'key.pem'));
  const ingestUrl = ingestOverride ?? parsed.ingestUrl;
  return {
    source: new AccessTokenSource({ ingestUrl, agentId: parsed.agentId, privateKey }),
    ingestUrl,
    agentId: parsed.agentId,
  };
}
