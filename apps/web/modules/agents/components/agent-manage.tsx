'use client';

import { type FormEvent, type JSX, useState } from 'react';
import type { ActionResult } from '@/lib/action-result';
import { useHydrated } from '@/lib/use-hydrated';
import type { AgentGroup } from '@/modules/agent-groups/agent-groups.queries';
import { roleAtLeast } from '@/modules/auth/roles';
import { asSentence } from '@/modules/auth/sign-up-form';
import { BarField, fieldNoteId } from '@/modules/shell/bar-field';
import { ConfirmActionControl } from '@/modules/shell/confirm-action-control';
import formStyles from '@/modules/shell/form-bar.module.css';
import { RoleNotice } from '@/modules/shell/role-notice';
import { parseLabels } from '../agent-format';
import type { AgentDetail, UpdateAgentInput } from '../agents.queries';
import styles from '../agent-detail.module.css';

export interface AgentManageProps {
  agent: AgentDetail;
  viewerRole: string;
  /** The groups an agent can move to; null while they load. */
  groups: readonly AgentGroup[] | null;
  onUpdate: (input: UpdateAgentInput, done: string) => Promise<ActionResult<AgentDetail>>;
  onRevoke: () => Promise<void>;
  onDelete: () => Promise<void>;
}

const NO_GROUP = '';

/** Editors move, label and revoke an agent; admins delete it. Others are told what they would need. */
export function AgentManage({
  agent,
  viewerRole,
  groups,
  onUpdate,
  onRevoke,
  onDelete,
}: AgentManageProps): JSX.Element {
  if (!roleAtLeast(viewerRole, 'editor')) {
    return (
      <section className={styles.manage} aria-labelledby="agent-manage-heading">
        <h2 id="agent-manage-heading" className={styles.cardTitle}>
          Manage
        </h2>
        <RoleNotice requiredRole="editor" purpose="move, label or revoke agents" currentRole={viewerRole} />
      </section>
    );
  }
  return (
    <section className={styles.manage} aria-labelledby="agent-manage-heading">
      <h2 id="agent-manage-heading" className={styles.cardTitle}>
        Manage
      </h2>
      <MoveForm key={`group-${agent.group?.id ?? NO_GROUP}`} agent={agent} groups={groups} onUpdate={onUpdate} />
      <LabelsForm key={`labels-${agent.labels.join('\n')}`} agent={agent} onUpdate={onUpdate} />
      <div className={styles.dangerZone}>
        <span id="agent-revoke-name" className="visually-hidden">
          {agent.name}
        </span>
        {agent.revokedAt === null ? (
          <ConfirmActionControl
            label="Revoke agent"
            question="Revoke the agent? The gateway refuses its data within 10 s and gives it no new access token; this cannot be undone."
            confirmLabel="Yes, revoke"
            nameId="agent-revoke-name"
            onConfirm={onRevoke}
          />
        ) : (
          <span className={styles.note}>
            Revoked: the gateway refuses this agent. Re-enrolling its host makes a new agent.
          </span>
        )}
        {roleAtLeast(viewerRole, 'admin') ? (
          <>
            <span id="agent-delete-name" className="visually-hidden">
              {agent.name}
            </span>
            <ConfirmActionControl
              label="Delete agent"
              question="Delete the agent? It leaves the fleet and its credential stops working within seconds; its telemetry stays."
              confirmLabel="Yes, delete"
              nameId="agent-delete-name"
              onConfirm={onDelete}
            />
          </>
        ) : (
          <span className={styles.note}>Deleting an agent needs the admin role.</span>
        )}
      </div>
    </section>
  );
}

function MoveForm({ agent, groups, onUpdate }: Pick<AgentManageProps, 'agent' | 'groups' | 'onUpdate'>): JSX.Element {
  const hydrated = useHydrated();
  const current = agent.group?.id ?? NO_GROUP;
  const [groupId, setGroupId] = useState(current);
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const hint = 'Its agents run the group’s configuration; policies can match the group.';

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setPending(true);
    const name = groups?.find((group) => group.id === groupId)?.name;
    const result = await onUpdate(
      groupId === NO_GROUP ? { ungroup: true } : { groupId },
      name === undefined ? `${agent.name} left its group.` : `${agent.name} moved to ${name}.`,
    );
    setPending(false);
    if (!result.ok && result.error.code !== 'UNAUTHENTICATED') setError(asSentence(result.error.message));
  };

  return (
    <form onSubmit={handleSubmit}>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <BarField htmlFor="agent-group" label="Agent group" hint={hint} error={error}>
          <select
            id="agent-group"
            value={groupId}
            disabled={groups === null}
            aria-invalid={error !== undefined}
            aria-describedby={fieldNoteId('agent-group', error, hint)}
            onChange={(event) => {
              setGroupId(event.target.value);
              setError(undefined);
            }}
          >
            <option value={NO_GROUP}>{groups === null ? 'Loading groups…' : 'No group'}</option>
            {(groups ?? []).map((group) => (
              <option key={group.id} value={group.id}>
                {group.name}
              </option>
            ))}
            {/* Its group may be hidden from the list (a policy); keep it choosable as is. */}
            {agent.group !== null && groups !== null && !groups.some((group) => group.id === agent.group?.id) && (
              <option value={agent.group.id}>{agent.group.name}</option>
            )}
          </select>
        </BarField>
        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={pending || groupId === current}
            aria-busy={pending}
          >
            Move
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function LabelsForm({ agent, onUpdate }: Pick<AgentManageProps, 'agent' | 'onUpdate'>): JSX.Element {
  const hydrated = useHydrated();
  const saved = agent.labels.join('\n');
  const [text, setText] = useState(saved);
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const hint = 'One key=value per line, e.g. team=payments; policies can match them.';

  const handleSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const parsed = parseLabels(text);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(undefined);
    setPending(true);
    const result = await onUpdate({ labels: parsed.labels }, `Labels of ${agent.name} saved.`);
    setPending(false);
    if (!result.ok && result.error.code !== 'UNAUTHENTICATED') setError(asSentence(result.error.message));
  };

  return (
    <form onSubmit={handleSubmit}>
      <fieldset className={`${formStyles.bar} ${formStyles.barTop}`} disabled={!hydrated}>
        <BarField htmlFor="agent-labels" label="Labels" hint={hint} error={error}>
          <textarea
            id="agent-labels"
            className={styles.labels}
            value={text}
            rows={Math.min(8, Math.max(3, agent.labels.length + 1))}
            spellCheck={false}
            aria-invalid={error !== undefined}
            aria-describedby={fieldNoteId('agent-labels', error, hint)}
            onChange={(event) => {
              setText(event.target.value);
              setError(undefined);
            }}
          />
        </BarField>
        <div className={`${formStyles.actions} ${formStyles.actionsBelowLabel}`}>
          <button type="submit" className="btn btn-primary" disabled={pending || text === saved} aria-busy={pending}>
            Save labels
          </button>
        </div>
      </fieldset>
    </form>
  );
}
