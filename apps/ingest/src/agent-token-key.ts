import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The HMAC key that signs agent access tokens (`bsat.…`). Every gateway that verifies them needs the same key:
 * BATHYSCOPE_AGENT_TOKEN_KEY (32 bytes, base64) or, on a local install, a key file created once in the state
 * directory (mode 0600) — the same scheme as the API's SecretBox. Rotating the key invalidates every access token;
 * agents then fetch a new one with their private key, so rotation costs one round trip per agent.
 */
export function loadAgentTokenKey(stateDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  let key: Buffer;
  if (env.BATHYSCOPE_AGENT_TOKEN_KEY) {
    key = Buffer.from(env.BATHYSCOPE_AGENT_TOKEN_KEY, 'base64');
  } else {
    const file = path.join(stateDir, 'agent-token.key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(stateDir, { recursive: true });
      try {
        fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      } catch (err) {
        // Another process created it first: use theirs.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  }
  if (key.length !== 32) throw new Error('BATHYSCOPE_AGENT_TOKEN_KEY must be 32 bytes, base64-encoded');
  return key;
}
