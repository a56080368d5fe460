'use client';

import { type JSX, useState } from 'react';
import { copyText } from '@/lib/copy-text';
import styles from './copy-button.module.css';

export interface CopyButtonProps {
  /** What goes on the clipboard. */
  text: string;
  /** The button, e.g. "Copy command". */
  label: string;
  /** Said once copied, e.g. "Install command copied." */
  copiedMessage: string;
  variant?: 'primary' | 'secondary';
}

/**
 * A button that copies `text`, then says so beside it ("Copied") until the next copy; if the browser refuses,
 * it says how to copy by hand instead.
 */
export function CopyButton({ text, label, copiedMessage, variant = 'secondary' }: CopyButtonProps): JSX.Element {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <span className={styles.copy}>
      <button
        type="button"
        className={`btn btn-${variant}`}
        onClick={() => {
          setCopied(null);
          void copyText(text).then(setCopied);
        }}
      >
        {label}
      </button>
      <span role="status" className={copied === false ? styles.failed : styles.done}>
        {copied === null ? '' : copied ? `✓ ${copiedMessage}` : 'Could not copy; select the text and copy it yourself.'}
      </span>
    </span>
  );
}
