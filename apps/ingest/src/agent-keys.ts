import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const RAW_KEY_RE = /^[A-Za-z0-9+/]{43}=?$/;

/**
 * An agent's Ed25519 public key from what it sent at enrollment: SPKI PEM, or the 32 raw bytes in base64.
 * Returns the normalised SPKI PEM to store, or null for anything that is not an Ed25519 public key.
 */
export function parseEd25519PublicKey(text: string): string | null {
  let key: KeyObject;
  try {
    if (text.startsWith('-----BEGIN PUBLIC KEY-----')) {
      key = createPublicKey({ key: text, format: 'pem' });
    } else if (RAW_KEY_RE.test(text)) {
      const raw = Buffer.from(text, 'base64');
      if (raw.length !== 32) return null;
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    } else {
      return null;
    }
  } catch {
    return null;
  }
  if (key.asymmetricKeyType !== 'ed25519') return null;
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Checks a base64 Ed25519 signature of `message` against a stored SPKI PEM key. Never throws. */
export function verifyAgentSignature(publicKeyPem: string, message: string, signatureB64: string): boolean {
  try {
    const signature = Buffer.from(signatureB64, 'base64');
    if (signature.length !== 64) return false;
    return verify(null, Buffer.from(message), publicKeyPem, signature);
  } catch {
    return false;
  }
}
