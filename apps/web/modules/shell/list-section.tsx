import type { JSX } from 'react';
import type { LoadError } from '@/lib/load-error';
import type { ConnectionState } from '@/lib/use-connection';
import { asSentence } from '@/modules/auth/sign-up-form';
import { ListPanel } from './list-panel';
import { LoadErrorAlert } from './load-error-alert';
import pageStyles from './page.module.css';

/** A change to one of a list's items that the API refused: what was tried, and why it failed. */
export type FailedAction = { title: string; error: LoadError } | null;

/** A refused change, with the API's reason as a sentence ("Team "ops" is used by …; change those policies first."). */
export function failedAction(title: string, error: LoadError): FailedAction {
  return { title, error: { ...error, message: asSentence(error.message) } };
}

export interface ListSectionProps {
  /** The heading's id, which names the section. */
  id: string;
  title: string;
  /** What is listed, singular and plural: `['team', 'teams']`. */
  noun: readonly [singular: string, plural: string];
  /** e.g. "Could not load teams." */
  loadErrorTitle: string;
  list: { state: ConnectionState<unknown>; loadMore: () => void };
  failedAction: FailedAction;
  /** The table. */
  children: JSX.Element;
}

/** A list with its heading: its load error, a failed change to one of its items, then the table in its panel. */
export function ListSection({
  id,
  title,
  noun,
  loadErrorTitle,
  list,
  failedAction,
  children,
}: ListSectionProps): JSX.Element {
  const { state } = list;
  return (
    <section className={pageStyles.section} aria-labelledby={id}>
      <h2 id={id} className={pageStyles.sectionTitle}>
        {title}
      </h2>
      <LoadErrorAlert title={loadErrorTitle} error={state.error} />
      <LoadErrorAlert title={failedAction?.title ?? ''} error={failedAction?.error ?? null} />
      <ListPanel
        count={state.items.length}
        noun={noun}
        endNote={`all ${noun[1]} shown`}
        hasNextPage={state.hasNextPage}
        loading={state.loading}
        loadingMore={state.loadingMore}
        onLoadMore={list.loadMore}
        className={pageStyles.sectionPanel}
      >
        {children}
      </ListPanel>
    </section>
  );
}
