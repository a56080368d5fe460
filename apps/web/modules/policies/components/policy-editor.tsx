'use client';

import { type FormEvent, type JSX, useEffect, useRef, useState } from 'react';
import type { ActionError } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import { roleLabel } from '@/modules/auth/roles';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import { CheckboxGroup } from '@/modules/shell/checkbox-group';
import choiceStyles from '@/modules/shell/choice-group.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import type { AuthzCatalog, Policy, PolicyEffect, PolicyInput } from '../policies.queries';
import styles from '../policies.module.css';
import {
  actionLabel,
  checkPolicyDraft,
  commonAttributes,
  commonFields,
  draftFromPolicy,
  emptyPolicyDraft,
  hasErrors,
  MAX_POLICY_DESCRIPTION_LENGTH,
  MAX_POLICY_NAME_LENGTH,
  type PolicyDraft,
  type PolicyDraftErrors,
  policyFailure,
  toPolicyInput,
} from '../policy-format';
import { ConditionBuilder } from './condition-builder';

export interface PolicyEditorProps {
  /** The policy being edited; null for a new one. */
  policy: Policy | null;
  /** What the editor offers; null while it loads. */
  catalog: AuthzCatalog | null;
  /** The tenant's teams; null while they load. */
  teams: ReadonlyArray<{ id: string; name: string }> | null;
  /** Resolves to null once the API accepted it, or to why it did not. */
  onSubmit: (input: PolicyInput) => Promise<ActionError | null>;
  onCancel: () => void;
}

const EFFECTS: ReadonlyArray<{ value: PolicyEffect; label: string; hint: string }> = [
  { value: 'ALLOW', label: 'Allow', hint: 'Grants more than the role does (never more than you may do).' },
  { value: 'DENY', label: 'Deny', hint: 'Takes away; a matching DENY always wins.' },
];

const DESCRIPTION_HINT = 'Optional; why the policy exists.';

/** Creates a policy or replaces one: effect, what it covers, whom it applies to, conditions, fields. */
export function PolicyEditor({ policy, catalog, teams, onSubmit, onCancel }: PolicyEditorProps): JSX.Element {
  const hydrated = useHydrated();
  const [draft, setDraft] = useState<PolicyDraft>(() =>
    policy === null ? emptyPolicyDraft() : draftFromPolicy(policy),
  );
  const [errors, setErrors] = useState<PolicyDraftErrors>({});
  const [pending, setPending] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  /** Set by a refused submit: the next render moves the focus to the first input said to be wrong. */
  const focusInvalid = useRef(false);

  // The editor opens at the name.
  useEffect(() => {
    nameRef.current?.focus();
  }, []);

  // After a refused submit (not while the user fixes things), to the first input said to be wrong.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once the errors of a submit are on screen
  useEffect(() => {
    if (!focusInvalid.current) return;
    focusInvalid.current = false;
    const invalid = formRef.current?.querySelector<HTMLElement>(
      '[aria-invalid="true"], fieldset[data-invalid="true"] input',
    );
    invalid?.focus();
  }, [errors]);

  const change = (patch: Partial<PolicyDraft>, clear: ReadonlyArray<keyof PolicyDraftErrors>): void => {
    setDraft((previous) => ({ ...previous, ...patch }));
    setErrors((previous) => {
      const next = { ...previous };
      for (const key of clear) delete next[key];
      return next;
    });
  };

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const found = checkPolicyDraft(draft, catalog);
    focusInvalid.current = hasErrors(found);
    setErrors(found);
    if (hasErrors(found)) return;
    setPending(true);
    const failure = await onSubmit(toPolicyInput(draft, catalog));
    setPending(false);
    // Accepted: the page closes the editor. The session is gone: the page is on its way to sign-in.
    if (failure === null || failure.code === 'UNAUTHENTICATED') return;
    focusInvalid.current = true;
    setErrors(policyFailure(failure));
  };

  const attributes = commonAttributes(catalog, draft.resources);
  const fields = commonFields(catalog, draft.resources);
  const roles = (catalog?.roles ?? []).filter((role) => role !== 'owner' || draft.roles.includes(role));
  const teamOptions = [
    ...(teams ?? []),
    ...(policy?.teams ?? []).filter((team) => !(teams ?? []).some((known) => known.id === team.id)),
  ];
  const editing = policy !== null;

  return (
    <form ref={formRef} onSubmit={handleSubmit} aria-labelledby="policy-editor-heading" noValidate>
      <fieldset className={styles.panel} disabled={!hydrated || catalog === null}>
        <h2 id="policy-editor-heading" className={styles.panelTitle}>
          {editing ? `Edit policy ${policy.name}` : 'New policy'}
        </h2>

        <div className={styles.row}>
          <fieldset className={choiceStyles.group} aria-describedby="policy-effect-hint">
            <legend className={choiceStyles.legend}>Effect</legend>
            <div className={styles.radios}>
              {EFFECTS.map((effect) => (
                <label key={effect.value} title={effect.hint}>
                  <input
                    type="radio"
                    name="policy-effect"
                    value={effect.value}
                    checked={draft.effect === effect.value}
                    onChange={() => change({ effect: effect.value }, ['form'])}
                  />
                  {effect.label}
                </label>
              ))}
            </div>
            <span id="policy-effect-hint" className={formStyles.hint}>
              {EFFECTS.find((effect) => effect.value === draft.effect)?.hint}
            </span>
          </fieldset>

          <BarField
            htmlFor="policy-name"
            label={
              <>
                <span className="visually-hidden">Policy </span>name
              </>
            }
            size="wide"
            error={errors.name}
          >
            <input
              ref={nameRef}
              id="policy-name"
              type="text"
              value={draft.name}
              maxLength={MAX_POLICY_NAME_LENGTH}
              placeholder="payments only"
              autoComplete="off"
              required
              aria-invalid={errors.name !== undefined}
              aria-describedby={fieldNoteId('policy-name', errors.name)}
              onChange={(event) => change({ name: event.target.value }, ['name'])}
            />
          </BarField>

          <BarField
            htmlFor="policy-description"
            label={
              <>
                <span className="visually-hidden">Policy </span>description
              </>
            }
            size="wide"
            hint={DESCRIPTION_HINT}
            error={errors.description}
          >
            <input
              id="policy-description"
              type="text"
              value={draft.description}
              maxLength={MAX_POLICY_DESCRIPTION_LENGTH}
              autoComplete="off"
              aria-invalid={errors.description !== undefined}
              aria-describedby={fieldNoteId('policy-description', errors.description, DESCRIPTION_HINT)}
              onChange={(event) => change({ description: event.target.value }, ['description'])}
            />
          </BarField>
        </div>

        <div className={styles.row}>
          <CheckboxGroup
            id="policy-actions"
            legend="Actions"
            options={(catalog?.actions ?? []).map((action) => ({ value: action, label: actionLabel(action) }))}
            value={draft.actions}
            error={errors.actions}
            onChange={(actions) => change({ actions }, ['actions'])}
          />
          <CheckboxGroup
            id="policy-resources"
            legend="Resource types"
            options={(catalog?.resources ?? []).map((resource) => ({
              value: resource.name,
              label: resource.name,
              title: resource.attributes.length > 0 ? `Attributes: ${resource.attributes.join(', ')}` : 'No attributes',
            }))}
            value={draft.resources}
            error={errors.resources}
            onChange={(resources) => change({ resources }, ['resources', 'conditions', 'fields'])}
          />
        </div>

        <div className={styles.row}>
          <CheckboxGroup
            id="policy-roles"
            legend="Roles"
            options={roles.map((role) => ({ value: role, label: roleLabel(role) }))}
            value={draft.roles}
            hint="None checked: every role. Owners are never subject to policies."
            onChange={(next) => change({ roles: next }, ['form'])}
          />
          <CheckboxGroup
            id="policy-teams"
            legend="Teams"
            options={teamOptions.map((team) => ({ value: team.id, label: team.name }))}
            value={draft.teamIds}
            hint="None checked: anyone with those roles. Checked: members of any of them."
            error={errors.teams}
            emptyText={teams === null ? 'Loading teams…' : 'No teams yet; create them under Teams.'}
            onChange={(teamIds) => change({ teamIds }, ['teams'])}
          />
        </div>

        <ConditionBuilder
          conditions={draft.conditions}
          attributes={attributes}
          errors={errors.conditions}
          onChange={(conditions) => change({ conditions }, ['conditions'])}
        />

        <CheckboxGroup
          id="policy-fields"
          legend="Fields"
          options={fields.map((field) => ({ value: field, label: field }))}
          value={draft.fields}
          hint="None checked: the whole resource. Checked: the policy covers only these fields (a DENY hides them)."
          error={errors.fields}
          emptyText="The chosen resource types have no fields a policy can cover one by one."
          onChange={(next) => change({ fields: next }, ['fields'])}
        />

        <div className={styles.submitRow}>
          <label className={styles.toggle}>
            <input
              type="checkbox"
              checked={draft.enabled}
              aria-describedby="policy-enabled-hint"
              onChange={(event) => change({ enabled: event.target.checked }, ['form'])}
            />
            Enabled
          </label>
          <span id="policy-enabled-hint" className={formStyles.hint}>
            A disabled policy stays listed and applies to no one.
          </span>
        </div>

        <div className={styles.submitRow}>
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
            {editing ? 'Save policy' : 'Create policy'}
          </button>
          <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
        </div>

        {hasErrors(errors) && (
          <p role="alert" className={formStyles.error}>
            <strong>{editing ? 'Could not save the policy.' : 'Could not create the policy.'}</strong>{' '}
            {errors.form ?? 'Check the fields marked above.'}
          </p>
        )}
      </fieldset>
    </form>
  );
}
