'use client';

import type { JSX } from 'react';
import pageStyles from '@/modules/shell/page.module.css';
import { Tabs } from '@/modules/shell/tabs';
import { AlertStatePanel } from './components/alert-state-panel';
import { DestinationsPanel } from './components/destinations-panel';
import { RulesPanel } from './components/rules-panel';
import { SilencesPanel } from './components/silences-panel';

export interface AlertsViewProps {
  /** Editors and above create and change rules, silences and destinations; viewers read. */
  canManage: boolean;
}

/** Alerting: rules, the alerts they raise and their history, silences, and the webhook destinations. */
export function AlertsView({ canManage }: AlertsViewProps): JSX.Element {
  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="alerts-heading">
      <header className={pageStyles.header}>
        <h1 id="alerts-heading" className={pageStyles.title}>
          Alerts
        </h1>
      </header>
      <p className={pageStyles.intro}>
        Rules watch a metric every 15–60 s, or its forecast (“disk reaches 90 % within 3 days”) every few minutes; an
        alert is pending while its condition holds, fires after the rule’s “for” time and resolves when the condition
        ends. Firing and resolved alerts are POSTed to the rule’s destinations as Alertmanager webhooks, signed per
        Standard Webhooks; silences hold notifications back.
        {canManage ? '' : ' Changing alerting needs the editor role.'}
      </p>
      <Tabs
        id="alerts"
        label="Alerting"
        tabs={[
          { id: 'rules', label: 'Rules', content: <RulesPanel canManage={canManage} /> },
          { id: 'state', label: 'Alerts and history', content: <AlertStatePanel /> },
          { id: 'silences', label: 'Silences', content: <SilencesPanel canManage={canManage} /> },
          { id: 'destinations', label: 'Destinations', content: <DestinationsPanel canManage={canManage} /> },
        ]}
      />
    </section>
  );
}
