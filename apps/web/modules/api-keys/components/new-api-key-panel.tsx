'use client';

import { type JSX, useEffect, useRef, useState } from 'react';
import { copyText } from '@/lib/copy-text';
import { formatDate } from '@/lib/date-format';
import { roleLabel } from '@/modules/auth/roles';
import { curlExample } from '../api-key-format';
import type { CreatedApiKey } from '../api-keys.queries';
import styles from '../api-keys.module.css';

export interface NewApiKeyPanelProps {
  created: CreatedApiKey;
  /** Forgets the secret. */
  onDismiss: () => void;
}

type CopyState = { what: 'secret' | 'command'; ok: boolean } | null;

/** The secret of a key just created, once: the API keeps only a hash of it. */
export function NewApiKeyPanel({ created, onDismiss }: NewApiKeyPanelProps): JSX.Element {
  const { apiKey, secret } = created;
  const secretRef = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<CopyState>(null);
  // Rendered only in the browser, after the key was created there.
  const command = curlExample(window.location.origin, secret);

  // Straight to the secret, selected, ready to copy.
  useEffect(() => {
    secretRef.current?.focus();
    secretRef.current?.select();
  }, []);

  const copy = async (what: 'secret' | 'command'): Promise<void> => {
    setCopied({ what, ok: await copyText(what === 'secret' ? secret : command) });
  };

  const copyMessage =
    copied === null
      ? ''
      : copied.ok
        ? `${copied.what === 'secret' ? 'Key' : 'Command'} copied to the clipboard.`
        : 'Could not copy; select the text and copy it yourself.';

  return (
    <section className={styles.newKey} aria-labelledby="new-api-key-heading">
      <h2 id="new-api-key-heading" className={styles.newKeyTitle}>
        New API key
      </h2>
      <p className={styles.newKeyText}>
        <strong>{apiKey.name}</strong> was created with the {roleLabel(apiKey.role).toLowerCase()} role
        {apiKey.policy === null ? '' : ` under the policy ${apiKey.policy.name}`}
        {apiKey.expiresAt === null ? ' and never expires' : `, working through ${formatDate(apiKey.expiresAt)}`}.{' '}
        <strong>Copy it now and store it somewhere safe. This key will not be shown again.</strong>
      </p>

      <div className={styles.secretRow}>
        <label htmlFor="new-api-key-secret" className={styles.secretLabel}>
          API key secret
        </label>
        <input
          ref={secretRef}
          id="new-api-key-secret"
          className={styles.secret}
          type="text"
          value={secret}
          readOnly
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="btn btn-primary" onClick={() => void copy('secret')}>
          Copy key
        </button>
      </div>

      <h3 className={styles.exampleTitle}>Try it</h3>
      <p className={styles.newKeyText}>
        Send the key as <code>Authorization: Bearer …</code> to the GraphQL API, here through the console:
      </p>
      <pre className={styles.example}>
        <code>{command}</code>
      </pre>

      <div className={styles.newKeyActions}>
        <button type="button" className="btn btn-secondary" onClick={() => void copy('command')}>
          Copy command
        </button>
        <button type="button" className="btn btn-secondary" onClick={onDismiss}>
          Done
        </button>
        <span role="status" className={styles.copyStatus}>
          {copyMessage}
        </span>
      </div>
    </section>
  );
}
