'use client';

import { type JSX, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import styles from '../api-keys.module.css';

export interface RevokeKeyControlProps {
  /** Id of the cell naming the key, which describes the buttons. */
  nameId: string;
  /** Resolves once the API answered, either way; the row then shows the key revoked or the page the error. */
  onRevoke: () => Promise<void>;
}

/** "Revoke", then a confirmation in place: the key stops working at once and cannot be restored. */
export function RevokeKeyControl({ nameId, onRevoke }: RevokeKeyControlProps): JSX.Element {
  const [step, setStep] = useState<'idle' | 'confirm' | 'pending'>('idle');
  const revokeRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    // The safe choice has the focus while the question is open; back on "Revoke" when it is cancelled.
    if (step === 'confirm') cancelRef.current?.focus();
    if (step === 'idle' && returnFocus.current) {
      returnFocus.current = false;
      revokeRef.current?.focus();
    }
  }, [step]);

  const cancel = (): void => {
    returnFocus.current = true;
    setStep('idle');
  };

  const confirm = async (): Promise<void> => {
    setStep('pending');
    await onRevoke();
    // Revoked, the row drops this control; after an error it is offered again.
    setStep('idle');
  };

  if (step === 'idle') {
    return (
      <button
        ref={revokeRef}
        type="button"
        className={`btn btn-secondary ${styles.smallButton}`}
        aria-describedby={nameId}
        onClick={() => setStep('confirm')}
      >
        Revoke
      </button>
    );
  }

  return (
    <fieldset
      className={styles.confirm}
      aria-labelledby={`${nameId}-confirm ${nameId}`}
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === 'Escape' && step === 'confirm') cancel();
      }}
    >
      <span id={`${nameId}-confirm`} className={styles.confirmText}>
        Revoke now? It stops working at once.
      </span>
      <button
        type="button"
        className={`btn ${styles.dangerButton} ${styles.smallButton}`}
        disabled={step === 'pending'}
        aria-busy={step === 'pending'}
        onClick={() => void confirm()}
      >
        Yes, revoke
      </button>
      <button
        ref={cancelRef}
        type="button"
        className={`btn btn-secondary ${styles.smallButton}`}
        disabled={step === 'pending'}
        onClick={cancel}
      >
        Cancel
      </button>
    </fieldset>
  );
}
