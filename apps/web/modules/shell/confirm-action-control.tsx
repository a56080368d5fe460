'use client';

import { type JSX, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import styles from './confirm-action.module.css';

export interface ConfirmActionControlProps {
  /** The row's action, e.g. "Revoke" or "Remove". */
  label: string;
  /** What happens, asked in place, e.g. "Revoke now? It stops working at once." */
  question: string;
  /** e.g. "Yes, revoke". */
  confirmLabel: string;
  /** Id of the cell naming the row's object, which describes the buttons. */
  nameId: string;
  /** Resolves once the API answered, either way; the row then shows the result or the page the error. */
  onConfirm: () => Promise<void>;
}

/**
 * A row action that cannot be undone ("Revoke", "Remove"), then a confirmation in place. The safe choice
 * has the focus while the question is open; Escape cancels.
 */
export function ConfirmActionControl({
  label,
  question,
  confirmLabel,
  nameId,
  onConfirm,
}: ConfirmActionControlProps): JSX.Element {
  const [step, setStep] = useState<'idle' | 'confirm' | 'pending'>('idle');
  const actionRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    // Cancel has the focus while the question is open; back on the action when it is cancelled.
    if (step === 'confirm') cancelRef.current?.focus();
    if (step === 'idle' && returnFocus.current) {
      returnFocus.current = false;
      actionRef.current?.focus();
    }
  }, [step]);

  const cancel = (): void => {
    returnFocus.current = true;
    setStep('idle');
  };

  const confirm = async (): Promise<void> => {
    setStep('pending');
    await onConfirm();
    // Done, the row drops this control; after an error it is offered again.
    setStep('idle');
  };

  if (step === 'idle') {
    return (
      <button
        ref={actionRef}
        type="button"
        className={`btn btn-secondary ${styles.smallButton}`}
        aria-describedby={nameId}
        onClick={() => setStep('confirm')}
      >
        {label}
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
        {question}
      </span>
      <button
        type="button"
        className={`btn ${styles.dangerButton} ${styles.smallButton}`}
        disabled={step === 'pending'}
        aria-busy={step === 'pending'}
        onClick={() => void confirm()}
      >
        {confirmLabel}
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
