import type { JSX } from 'react';
import styles from './confirm-action.module.css';
import { ConfirmActionControl } from './confirm-action-control';

export interface EditDeleteActionsProps {
  /** Id of the cell naming the row's object, which describes the buttons. */
  nameId: string;
  onEdit: () => void;
  /** Asked in place before deleting, e.g. "Delete the team?". */
  question: string;
  /** Resolves once the API answered, either way. */
  onDelete: () => Promise<void>;
}

/** A row's "Edit", and "Delete" with "Yes, delete" / "Cancel" in place. */
export function EditDeleteActions({ nameId, onEdit, question, onDelete }: EditDeleteActionsProps): JSX.Element {
  return (
    <span className={styles.rowActions}>
      <button
        type="button"
        className={`btn btn-secondary ${styles.smallButton}`}
        aria-describedby={nameId}
        onClick={onEdit}
      >
        Edit
      </button>
      <ConfirmActionControl
        label="Delete"
        question={question}
        confirmLabel="Yes, delete"
        nameId={nameId}
        onConfirm={onDelete}
      />
    </span>
  );
}
