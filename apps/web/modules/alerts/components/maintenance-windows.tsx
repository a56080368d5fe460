'use client';

import { type FormEvent, type JSX, useState } from 'react';
import { blamedField } from '@/lib/action-result';
import { formatDateTime } from '@/lib/date-format';
import { graphqlRequest } from '@/lib/graphql';
import type { LoadError } from '@/lib/load-error';
import { useHydrated } from '@/lib/use-hydrated';
import badgeStyles from '@/modules/shell/badge.module.css';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import { DataTable } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { buildWindowInput, fieldOf, formatMatcher, type WindowDraft, type WindowField } from '../alert-drafts';
import { RECURRENCES, WEEKDAYS } from '../alert-options';
import {
  CREATE_MAINTENANCE_WINDOW_MUTATION,
  DELETE_MAINTENANCE_WINDOW_MUTATION,
  MAINTENANCE_WINDOWS_QUERY,
  type MaintenanceWindow,
} from '../alerts.queries';
import styles from '../alerts.module.css';
import { useQueryData } from '../use-query-data';

const FIELDS: readonly WindowField[] = [
  'name',
  'matchers',
  'recurrence',
  'startsAt',
  'endsAt',
  'durationMinutes',
  'weekdays',
];
const RECURRENCE_LABELS: Record<string, string> = { none: 'Once', daily: 'Daily', weekly: 'Weekly' };
const EMPTY: WindowDraft = {
  name: '',
  matchers: '',
  recurrence: 'none',
  startsAt: '',
  endsAt: '',
  durationMinutes: '60',
  weekdays: [],
};

function describeSchedule(planned: MaintenanceWindow): string {
  if (planned.recurrence === 'none') return 'Once';
  const days =
    planned.recurrence === 'weekly' ? ` on ${planned.weekdays.map((day) => WEEKDAYS[day] ?? day).join(', ')}` : '';
  return `${RECURRENCE_LABELS[planned.recurrence] ?? planned.recurrence}${days}, ${planned.durationMinutes} min`;
}

/** Planned maintenance: notifications of matching alerts are held back while a window is open. */
export function MaintenanceWindows({ canManage }: { canManage: boolean }): JSX.Element {
  const hydrated = useHydrated();
  const { data, loading, error, refresh, act } = useQueryData('maintenance-windows', (signal) =>
    graphqlRequest(MAINTENANCE_WINDOWS_QUERY, {}, { signal }),
  );
  const [draft, setDraft] = useState<WindowDraft>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<WindowField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [actionError, setActionError] = useState<LoadError | null>(null);

  const set = <K extends WindowField>(field: K, value: WindowDraft[K]): void => {
    setDraft((previous) => ({ ...previous, [field]: value }));
    setErrors((previous) => ({ ...previous, [field]: undefined }));
  };

  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setFormError(null);
    const built = buildWindowInput(draft);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setPending(true);
    const result = await act(() => graphqlRequest(CREATE_MAINTENANCE_WINDOW_MUTATION, { input: built.value }));
    setPending(false);
    if (result.ok) {
      setDraft(EMPTY);
      refresh(true);
      return;
    }
    const field = fieldOf(blamedField(result.error), FIELDS);
    if (field !== undefined) setErrors({ [field]: result.error.message });
    else setFormError(result.error.message);
  };

  const remove = async (planned: MaintenanceWindow): Promise<void> => {
    setActionError(null);
    const result = await act(() => graphqlRequest(DELETE_MAINTENANCE_WINDOW_MUTATION, { id: planned.id }));
    if (!result.ok) setActionError(result.error);
    refresh(true);
  };

  const input = (
    field: 'name' | 'startsAt' | 'endsAt' | 'durationMinutes',
    label: string,
    type: string,
    hint?: string,
  ) => (
    <BarField
      htmlFor={`window-${field}`}
      label={label}
      hint={hint}
      error={errors[field]}
      size={field === 'durationMinutes' ? 'narrow' : undefined}
    >
      <input
        id={`window-${field}`}
        type={type}
        value={draft[field]}
        aria-invalid={errors[field] !== undefined}
        aria-describedby={fieldNoteId(`window-${field}`, errors[field], hint)}
        onChange={(event) => set(field, event.target.value)}
      />
    </BarField>
  );

  const windows = data?.maintenanceWindows ?? [];
  return (
    <section className={styles.panel} aria-labelledby="maintenance-heading">
      <h2 id="maintenance-heading" className={pageStyles.sectionTitle}>
        Maintenance windows
      </h2>
      {canManage && (
        <form noValidate onSubmit={(event) => void submit(event)} aria-label="New maintenance window">
          <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
            {input('name', 'Window name', 'text')}
            <BarField
              htmlFor="window-matchers"
              label="Window matchers"
              hint="Empty: every alert."
              error={errors.matchers}
            >
              <textarea
                id="window-matchers"
                className={styles.textarea}
                rows={2}
                spellCheck={false}
                value={draft.matchers}
                aria-invalid={errors.matchers !== undefined}
                aria-describedby={fieldNoteId('window-matchers', errors.matchers, 'Empty: every alert.')}
                onChange={(event) => set('matchers', event.target.value)}
              />
            </BarField>
            <BarField htmlFor="window-recurrence" label="Repeats" error={errors.recurrence}>
              <select
                id="window-recurrence"
                value={draft.recurrence}
                onChange={(event) => set('recurrence', event.target.value)}
              >
                {RECURRENCES.map((recurrence) => (
                  <option key={recurrence} value={recurrence}>
                    {RECURRENCE_LABELS[recurrence]}
                  </option>
                ))}
              </select>
            </BarField>
            {input('startsAt', 'Window starts', 'datetime-local')}
            {input(
              'endsAt',
              'Window ends',
              'datetime-local',
              draft.recurrence === 'none' ? undefined : 'Optional: no repeats after it.',
            )}
            {draft.recurrence !== 'none' && input('durationMinutes', 'Minutes', 'text')}
            {draft.recurrence === 'weekly' && (
              <fieldset
                className={choiceStyles.group}
                aria-describedby={errors.weekdays === undefined ? undefined : 'window-weekdays-error'}
              >
                <legend className={choiceStyles.legend}>Days (UTC)</legend>
                <div className={choiceStyles.options}>
                  {WEEKDAYS.map((day, index) => (
                    <label key={day} className={choiceStyles.option}>
                      <input
                        type="checkbox"
                        checked={draft.weekdays.includes(index)}
                        onChange={(event) =>
                          set(
                            'weekdays',
                            event.target.checked
                              ? [...draft.weekdays, index]
                              : draft.weekdays.filter((chosen) => chosen !== index),
                          )
                        }
                      />
                      {day}
                    </label>
                  ))}
                </div>
                {errors.weekdays !== undefined && (
                  <span id="window-weekdays-error" className={formStyles.fieldError}>
                    {errors.weekdays}
                  </span>
                )}
              </fieldset>
            )}
            <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
              <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
                Add window
              </button>
            </div>
            {formError !== null && (
              <p role="alert" className={formStyles.error}>
                <strong>Could not add the window.</strong> {formError}
              </p>
            )}
          </fieldset>
        </form>
      )}
      <LoadErrorAlert title="Could not load the maintenance windows." error={error} />
      <LoadErrorAlert title="Could not delete the window." error={actionError} />
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Maintenance windows"
          columns={[
            { label: 'Name' },
            { label: 'Now' },
            { label: 'Matchers' },
            { label: 'Schedule' },
            { label: 'Starts' },
            { label: 'Ends' },
            ...(canManage ? [{ label: 'Actions', hideLabel: true }] : []),
          ]}
          loading={loading}
          loadingTitle="Loading maintenance windows…"
          emptyTitle="No maintenance windows"
          emptyHint="Plan one for deploys or upgrades: once, daily or weekly."
          rows={windows.map((planned) => {
            const nameId = `window-${planned.id}-name`;
            return (
              <tr key={planned.id} data-window={planned.name} data-active={planned.activeNow}>
                <td id={nameId} className={styles.name}>
                  {planned.name}
                </td>
                <td>
                  <span
                    className={`${badgeStyles.badge} ${planned.activeNow ? badgeStyles.warning : badgeStyles.inactive}`}
                  >
                    {planned.activeNow ? 'Open' : 'Closed'}
                  </span>
                </td>
                <td className={styles.wrapCell}>
                  <span className={styles.labels}>
                    {planned.matchers.map(formatMatcher).join(', ') || 'every alert'}
                  </span>
                </td>
                <td>{describeSchedule(planned)}</td>
                <td>
                  <time dateTime={planned.startsAt}>{formatDateTime(planned.startsAt)}</time>
                </td>
                <td>
                  {planned.endsAt === null ? (
                    '—'
                  ) : (
                    <time dateTime={planned.endsAt}>{formatDateTime(planned.endsAt)}</time>
                  )}
                </td>
                {canManage && (
                  <td className={tableStyles.actionsCell}>
                    <ConfirmActionControl
                      label="Delete"
                      question="Delete the window?"
                      confirmLabel="Yes, delete"
                      nameId={nameId}
                      onConfirm={() => remove(planned)}
                    />
                  </td>
                )}
              </tr>
            );
          })}
        />
      </div>
    </section>
  );
}
