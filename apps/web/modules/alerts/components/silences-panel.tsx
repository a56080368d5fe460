'use client';

import { type FormEvent, type JSX, useState } from 'react';
import { blamedField } from '@/lib/action-result';
import { formatDateTime } from '@/lib/date-format';
import { graphqlRequest } from '@/lib/graphql';
import { useHydrated } from '@/lib/use-hydrated';
import badgeStyles from '@/modules/shell/badge.module.css';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import type { LoadError } from '@/lib/load-error';
import { buildSilenceInput, fieldOf, formatMatcher, type SilenceDraft, type SilenceField } from '../alert-drafts';
import { CREATE_SILENCE_MUTATION, EXPIRE_SILENCE_MUTATION, type Silence, SILENCES_QUERY } from '../alerts.queries';
import styles from '../alerts.module.css';
import { useQueryData } from '../use-query-data';
import { MaintenanceWindows } from './maintenance-windows';

const FIELDS: readonly SilenceField[] = ['matchers', 'startsAt', 'endsAt', 'comment'];

/** A `datetime-local` value for a moment, in the browser's time zone. */
function localInputValue(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const freshDraft = (): SilenceDraft => ({
  matchers: '',
  startsAt: '',
  endsAt: localInputValue(new Date(Date.now() + 2 * 3600_000)),
  comment: '',
});

export function SilencesPanel({ canManage }: { canManage: boolean }): JSX.Element {
  const hydrated = useHydrated();
  const { data, loading, refreshing, error, refresh, act } = useQueryData('silences', (signal) =>
    graphqlRequest(SILENCES_QUERY, {}, { signal }),
  );
  const [draft, setDraft] = useState<SilenceDraft>(freshDraft);
  const [errors, setErrors] = useState<Partial<Record<SilenceField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [actionError, setActionError] = useState<LoadError | null>(null);
  const [announcement, setAnnouncement] = useState('');

  const set = (field: SilenceField, value: string): void => {
    setDraft((previous) => ({ ...previous, [field]: value }));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setFormError(null);
    const built = buildSilenceInput(draft, new Date());
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setPending(true);
    const result = await act(
      async () => (await graphqlRequest(CREATE_SILENCE_MUTATION, { input: built.value })).createSilence,
    );
    setPending(false);
    if (result.ok) {
      setAnnouncement('Silence created.');
      setDraft(freshDraft());
      refresh(true);
      return;
    }
    const field = fieldOf(blamedField(result.error), FIELDS);
    if (field !== undefined) setErrors({ [field]: result.error.message });
    else setFormError(result.error.message);
  };

  const expire = async (silence: Silence): Promise<void> => {
    setActionError(null);
    const result = await act(() => graphqlRequest(EXPIRE_SILENCE_MUTATION, { id: silence.id }));
    if (result.ok) setAnnouncement('Silence expired.');
    else setActionError(result.error);
    refresh(true);
  };

  const field = (name: SilenceField, label: string, type: string, hint?: string) => (
    <BarField
      htmlFor={`silence-${name}`}
      label={label}
      hint={hint}
      error={errors[name]}
      size={name === 'comment' ? 'wide' : undefined}
    >
      {name === 'matchers' ? (
        <textarea
          id="silence-matchers"
          className={styles.textarea}
          rows={2}
          spellCheck={false}
          placeholder="alertname=HighErrors"
          value={draft.matchers}
          aria-invalid={errors.matchers !== undefined}
          aria-describedby={fieldNoteId('silence-matchers', errors.matchers, hint)}
          onChange={(event) => set('matchers', event.target.value)}
        />
      ) : (
        <input
          id={`silence-${name}`}
          type={type}
          value={draft[name]}
          aria-invalid={errors[name] !== undefined}
          aria-describedby={fieldNoteId(`silence-${name}`, errors[name], hint)}
          onChange={(event) => set(name, event.target.value)}
        />
      )}
    </BarField>
  );

  const silences = data?.silences ?? [];
  return (
    <div className={styles.panel}>
      {canManage && (
        <form noValidate onSubmit={(event) => void submit(event)} aria-labelledby="silence-form-title">
          <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
            <h2 id="silence-form-title" className={formStyles.title}>
              New silence
            </h2>
            {field('matchers', 'Matchers', '', 'One per line: label=value or label!=value; all must match.')}
            {field('startsAt', 'Starts', 'datetime-local', 'Empty: now.')}
            {field('endsAt', 'Ends', 'datetime-local')}
            {field('comment', 'Comment', 'text')}
            <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
              <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
                Create silence
              </button>
            </div>
            {formError !== null && (
              <p role="alert" className={formStyles.error}>
                <strong>Could not create the silence.</strong> {formError}
              </p>
            )}
          </fieldset>
        </form>
      )}
      <div className={styles.toolbar}>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => refresh()}
          disabled={refreshing}
          aria-busy={refreshing}
        >
          Refresh silences
        </button>
      </div>
      <LoadErrorAlert title="Could not load the silences." error={error} />
      <LoadErrorAlert title="Could not expire the silence." error={actionError} />
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Silences"
          columns={[
            { label: 'Status' },
            { label: 'Matchers' },
            { label: 'Starts' },
            { label: 'Ends' },
            { label: 'Comment' },
            { label: 'Created by' },
            ...(canManage ? [{ label: 'Actions', hideLabel: true }] : []),
          ]}
          loading={loading}
          loadingTitle="Loading silences…"
          emptyTitle="No silences"
          emptyHint="A silence holds back notifications of the alerts it matches until it ends."
          rows={silences.map((silence) => {
            const nameId = `silence-${silence.id}-matchers`;
            return (
              <tr
                key={silence.id}
                data-silence={silence.comment}
                data-active={silence.active}
                className={silence.active ? undefined : tableStyles.inactiveRow}
              >
                <td>
                  <span
                    className={`${badgeStyles.badge} ${silence.active ? badgeStyles.warning : badgeStyles.inactive}`}
                  >
                    {silence.active ? 'Active' : new Date(silence.startsAt) > new Date() ? 'Pending' : 'Expired'}
                  </span>
                </td>
                <td id={nameId} className={styles.wrapCell}>
                  <span className={styles.labels}>{silence.matchers.map(formatMatcher).join(', ')}</span>
                </td>
                <td>
                  <time dateTime={silence.startsAt}>{formatDateTime(silence.startsAt)}</time>
                </td>
                <td>
                  <time dateTime={silence.endsAt}>{formatDateTime(silence.endsAt)}</time>
                </td>
                <td className={styles.wrapCell}>{silence.comment || <span className={tableStyles.muted}>—</span>}</td>
                <td>{silence.createdBy}</td>
                {canManage && (
                  <td className={tableStyles.actionsCell}>
                    {new Date(silence.endsAt) > new Date() && (
                      <ConfirmActionControl
                        label="Expire"
                        question="End the silence now?"
                        confirmLabel="Yes, expire"
                        nameId={nameId}
                        onConfirm={() => expire(silence)}
                      />
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        />
      </div>
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      <MaintenanceWindows canManage={canManage} />
    </div>
  );
}
