'use client';

import { type JSX, useEffect, useRef } from 'react';
import { formatDateTime } from '@/lib/date-format';
import { CopyButton } from '@/modules/shell/copy-button';
import { Tabs } from '@/modules/shell/tabs';
import { downloadHref, MANIFEST_FILE_NAME } from '../enrollment-format';
import type { CreatedEnrollmentToken } from '../enrollment.queries';
import styles from '../enrollment.module.css';

export interface InstallPanelProps {
  created: CreatedEnrollmentToken;
  /** Forgets the token. */
  onDismiss: () => void;
}

function Snippet({ text, label }: { text: string; label: string }): JSX.Element {
  return (
    <figure className={styles.figure} aria-label={label}>
      <pre className={styles.snippet}>
        <code>{text}</code>
      </pre>
    </figure>
  );
}

/** A token just created, once, with the three ways to install an agent with it. */
export function InstallPanel({ created, onDismiss }: InstallPanelProps): JSX.Element {
  const { enrollmentToken: token, install } = created;
  const tokenRef = useRef<HTMLInputElement>(null);

  // Straight to the token, selected, ready to copy.
  useEffect(() => {
    tokenRef.current?.focus();
    tokenRef.current?.select();
  }, []);

  const scope = token.group === null ? 'no group' : `the group ${token.group.name}`;
  const uses =
    token.maxUses === null ? 'any number of hosts' : `${token.maxUses} ${token.maxUses === 1 ? 'host' : 'hosts'}`;

  return (
    <section className={styles.installPanel} aria-labelledby="install-heading">
      <h2 id="install-heading" className={styles.installTitle}>
        Install the agent
      </h2>
      <p className={styles.installText}>
        <strong>{token.name}</strong> enrolls {uses} into {scope} until {formatDateTime(token.expiresAt)}.{' '}
        <strong>Copy what you need now: the token is not shown again.</strong>
      </p>

      <div className={styles.tokenRow}>
        <label htmlFor="new-enrollment-token" className={styles.tokenLabel}>
          Enrollment token
        </label>
        <input
          ref={tokenRef}
          id="new-enrollment-token"
          className={styles.token}
          type="text"
          value={created.token}
          readOnly
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
        />
        <CopyButton text={created.token} label="Copy token" copiedMessage="Token copied." />
      </div>

      <Tabs
        id="install"
        label="Install method"
        tabs={[
          {
            id: 'script',
            label: 'Install script',
            content: (
              <>
                <p className={styles.installText}>
                  On each Linux host (x86_64 or aarch64). The script first checks the host — kernel 5.8 or newer, BTF at{' '}
                  <code>/sys/kernel/btf/vmlinux</code> (without it the agent runs degraded), root, systemd, curl or wget
                  — and stops with the reason if something is missing. It then downloads the agent from this control
                  plane, verifies its SHA-256, enrolls the host with this token and starts the{' '}
                  <code>bathyscope-agent</code> service. Running it again upgrades in place; <code>--uninstall</code>{' '}
                  removes the agent.
                </p>
                <Snippet text={install.script} label="Install command" />
                <span>
                  <CopyButton
                    text={install.script}
                    label="Copy install command"
                    copiedMessage="Install command copied."
                  />
                </span>
              </>
            ),
          },
          {
            id: 'cli',
            label: 'Agent CLI',
            content: (
              <>
                <p className={styles.installText}>
                  Where the agent is already installed (an image, your own package): enroll it once. It creates its key
                  pair, sends the host&apos;s facts with the token and saves its identity in its state directory;{' '}
                  <code>bathyscope-agent run</code> (as root, for eBPF) then starts capturing.
                </p>
                <Snippet text={install.cli} label="CLI command" />
                <span>
                  <CopyButton text={install.cli} label="Copy CLI command" copiedMessage="CLI command copied." />
                </span>
              </>
            ),
          },
          {
            id: 'kubernetes',
            label: 'Kubernetes',
            content: (
              <>
                <p className={styles.installText}>
                  One agent per node, as a DaemonSet: a namespace, a Secret holding this token, and a privileged
                  DaemonSet sharing the host&apos;s PID namespace with <code>/sys/kernel/btf</code>, tracefs,{' '}
                  <code>/sys/fs/bpf</code> and <code>/sys/kernel/debug</code> mounted. Apply it with{' '}
                  <code>kubectl apply -f {MANIFEST_FILE_NAME}</code>.
                </p>
                <Snippet text={install.kubernetes} label="DaemonSet manifest" />
                <span className={styles.snippetActions}>
                  <a
                    className="btn btn-secondary"
                    href={downloadHref(install.kubernetes)}
                    download={MANIFEST_FILE_NAME}
                  >
                    Download manifest
                  </a>
                  <CopyButton text={install.kubernetes} label="Copy manifest" copiedMessage="Manifest copied." />
                </span>
              </>
            ),
          },
        ]}
      />

      <div>
        <button type="button" className="btn btn-secondary" onClick={onDismiss}>
          Done
        </button>
      </div>
    </section>
  );
}
