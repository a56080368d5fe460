import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Encrypts secrets stored in Postgres (SSO client secrets, later connector credentials) with AES-256-GCM.
 * The key is BATHYSCOPE_SECRET_KEY (32 bytes, base64) or, on a local install, a key file created once in the
 * state directory.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(stateDir: string, env: NodeJS.ProcessEnv = process.env) {
    if (env.BATHYSCOPE_SECRET_KEY) {
      this.key = Buffer.from(env.BATHYSCOPE_SECRET_KEY, 'base64');
    } else {
      const file = path.join(stateDir, 'secret.key');
      if (!fs.existsSync(file)) {
        fs.mkdirSync(stateDir, { recursive: true });
        fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      }
      this.key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    }
    if (this.key.length !== 32) throw new Error('BATHYSCOPE_SECRET_KEY must be 32 bytes, base64-encoded');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
