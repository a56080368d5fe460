'use client';

import { usePathname } from 'next/navigation';
import { type FormEvent, type JSX, useCallback, useEffect, useMemo, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { type LoadError, useLoadFailure } from '@/lib/load-error';
import { useHydrated } from '@/lib/use-hydrated';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { BarField } from '@/modules/shell/bar-field';
import { BarSelect } from '@/modules/shell/bar-select';
import { DataTable, type DataTableColumn } from '@/modules/shell/data-table';
import tableStyles from '@/modules/shell/data-table.module.css';
import formStyles from '@/modules/shell/form-bar.module.css';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { FlameGraph } from './flame-graph';
import {
  COMPARE_OPTIONS,
  isCompareKey,
  isRangeKey,
  PROFILE_RANGES,
  type ProfileSelectionState,
  selectionToSearchParams,
  toProfileFilter,
  windows,
} from './profile-selection';
import { type FlameNode, percent, searchShare, toFlameTree } from './profile-tree';
import { PROFILE_DIFF_QUERY, PROFILE_QUERY, PROFILE_SOURCES_QUERY } from './profile.queries';
import styles from './profiles.module.css';

interface TopRow {
  name: string;
  selfValue: number;
  /** Inclusive (single profile) or the base's self value (diff). */
  other: number;
}

interface LoadedProfile {
  root: FlameNode | null;
  total: number;
  baseTotal: number | null;
  truncated: boolean;
  top: TopRow[];
}

const SINGLE_COLUMNS: readonly DataTableColumn[] = [
  { label: 'Function' },
  { label: 'Self', numeric: true },
  { label: 'Self %', numeric: true },
  { label: 'Total', numeric: true },
];
const DIFF_COLUMNS: readonly DataTableColumn[] = [
  { label: 'Function' },
  { label: 'Self now', numeric: true },
  { label: 'Self before', numeric: true },
  { label: 'Change (normalised)', numeric: true },
];

export function ProfilesView({ initial }: { initial: ProfileSelectionState }): JSX.Element {
  const pathname = usePathname();
  const hydrated = useHydrated();
  const [selection, setSelection] = useState(initial);
  const [search, setSearch] = useState('');
  const [sources, setSources] = useState<{ services: string[]; processes: string[] }>({ services: [], processes: [] });
  const [loaded, setLoaded] = useState<LoadedProfile | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<LoadError | null>(null);
  const [reload, setReload] = useState(0);
  const fail = useLoadFailure(useSignInRedirect());

  useEffect(() => {
    const query = selectionToSearchParams(selection).toString();
    const next = query ? `${pathname}?${query}` : pathname;
    if (`${window.location.pathname}${window.location.search}` !== next) window.history.replaceState(null, '', next);
  }, [selection, pathname]);

  // Pickers list what has samples in the range.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is a trigger
  useEffect(() => {
    const controller = new AbortController();
    const { window: range } = windows(selection);
    graphqlRequest(PROFILE_SOURCES_QUERY, { timeRange: range }, { signal: controller.signal })
      .then((data) => {
        if (!controller.signal.aborted) setSources(data.profileSources);
      })
      .catch(() => {
        // The profile query below reports failures; empty pickers still allow "any".
      });
    return () => controller.abort();
  }, [selection.range, reload]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload is a trigger
  useEffect(() => {
    const controller = new AbortController();
    const { window: range, base } = windows(selection);
    const filter = toProfileFilter(selection);
    setLoading(true);
    const request: Promise<LoadedProfile> =
      base === null
        ? graphqlRequest(PROFILE_QUERY, { timeRange: range, filter }, { signal: controller.signal }).then(
            ({ profile }) => ({
              root: toFlameTree(profile.nodes),
              total: profile.total,
              baseTotal: null,
              truncated: profile.truncated,
              top: profile.topFunctions.map((f) => ({ name: f.name, selfValue: f.selfValue, other: f.totalValue })),
            }),
          )
        : graphqlRequest(
            PROFILE_DIFF_QUERY,
            { base: { timeRange: base, filter }, comparison: { timeRange: range, filter } },
            { signal: controller.signal },
          ).then(({ profileDiff }) => ({
            root: toFlameTree(profileDiff.nodes),
            total: profileDiff.total,
            baseTotal: profileDiff.baseTotal,
            truncated: profileDiff.truncated,
            top: profileDiff.topFunctions.map((f) => ({
              name: f.name,
              selfValue: f.selfValue,
              other: f.baseSelfValue,
            })),
          }));
    request
      .then((result) => {
        if (controller.signal.aborted) return;
        setLoaded(result);
        setError(null);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(fail(e));
        setLoading(false);
      });
    return () => controller.abort();
  }, [selection, reload, fail]);

  const change = useCallback((patch: Partial<ProfileSelectionState>) => {
    setSelection((previous) => ({ ...previous, ...patch }));
  }, []);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setReload((n) => n + 1);
  };

  const diff = loaded?.baseTotal != null;
  const share = useMemo(() => searchShare(loaded?.root ?? null, search), [loaded, search]);
  const scale = diff && loaded && (loaded.baseTotal ?? 0) > 0 ? loaded.total / (loaded.baseTotal as number) : 0;
  const empty = loaded !== null && loaded.total === 0 && (loaded.baseTotal ?? 0) === 0;

  return (
    <section className={pageStyles.page} aria-labelledby="profiles-heading">
      <header className={pageStyles.header}>
        <h1 id="profiles-heading" className={pageStyles.title}>
          Profiles
        </h1>
        <p className={pageStyles.meta}>
          {loaded === null
            ? 'Not loaded yet'
            : diff
              ? `${loaded.total} samples now · ${loaded.baseTotal} before`
              : `${loaded.total} samples`}
        </p>
      </header>

      <form onSubmit={submit} aria-label="Profile selection">
        <fieldset className={formStyles.bar} disabled={!hydrated}>
          <BarSelect
            id="profile-range"
            label="Time range"
            value={selection.range}
            options={PROFILE_RANGES}
            onChange={(range) => {
              if (isRangeKey(range)) change({ range });
            }}
          />
          <BarSelect
            id="profile-service"
            label="Service"
            value={selection.service}
            options={withCurrent(sources.services, selection.service)}
            anyLabel="Any"
            onChange={(service) => change({ service })}
          />
          <BarSelect
            id="profile-process"
            label="Process"
            value={selection.process}
            options={withCurrent(sources.processes, selection.process)}
            anyLabel="Any"
            onChange={(process) => change({ process })}
          />
          <BarSelect
            id="profile-compare"
            label="Compare with"
            value={selection.compare}
            options={COMPARE_OPTIONS}
            onChange={(compare) => {
              if (isCompareKey(compare)) change({ compare });
            }}
          />
          <BarField htmlFor="profile-search" label="Search frames" size="wide">
            <input
              id="profile-search"
              type="search"
              value={search}
              placeholder="function name"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setSearch(e.target.value)}
            />
          </BarField>
          <div className={`${formStyles.actions} ${formStyles.actionsEnd}`}>
            <button type="submit" className="btn btn-primary" aria-busy={loading}>
              Refresh
            </button>
          </div>
        </fieldset>
      </form>

      <LoadErrorAlert title="Could not load the profile." error={error} />

      {search.trim() !== '' && loaded !== null && (
        <output className={styles.searchSummary} data-testid="search-summary">
          {share.matches === 0
            ? `No frame matches “${search.trim()}”.`
            : `${share.matches} ${share.matches === 1 ? 'frame matches' : 'frames match'} “${search.trim()}”: ${share.value} of ${loaded.total} samples (${percent(share.value, loaded.total)}).`}
        </output>
      )}

      {diff && (
        <p className={styles.legend}>
          <span className={styles.grew}>Red</span> grew and <span className={styles.shrank}>blue</span> shrank compared
          with the earlier range, after scaling it to the same number of samples.
        </p>
      )}

      <div className={styles.graphPanel} aria-busy={loading}>
        {loaded?.root && !empty ? (
          <FlameGraph
            root={loaded.root}
            differential={diff}
            search={search}
            label={diff ? 'Differential flame graph' : 'Flame graph'}
          />
        ) : (
          <p className={tableStyles.muted}>
            {loading
              ? 'Loading profile…'
              : 'No profile samples in this range. The agent samples CPU stacks of the processes on its host every few seconds.'}
          </p>
        )}
        {loaded?.truncated && (
          <p className={tableStyles.muted}>Small frames are merged into “[other]” to keep the graph readable.</p>
        )}
      </div>

      <h2 className={styles.subheading}>Top functions</h2>
      <div className={tableStyles.tableScroll}>
        <DataTable
          caption="Top functions by self time"
          columns={diff ? DIFF_COLUMNS : SINGLE_COLUMNS}
          rows={(loaded?.top ?? []).map((f) => (
            <tr key={f.name}>
              <td className={tableStyles.mono}>{f.name}</td>
              <td className={tableStyles.numeric}>{f.selfValue}</td>
              {diff ? (
                <>
                  <td className={tableStyles.numeric}>{f.other}</td>
                  <td className={tableStyles.numeric}>{signed(f.selfValue - f.other * scale)}</td>
                </>
              ) : (
                <>
                  <td className={tableStyles.numeric}>{percent(f.selfValue, loaded?.total ?? 0)}</td>
                  <td className={tableStyles.numeric}>{f.other}</td>
                </>
              )}
            </tr>
          ))}
          loading={loading && loaded === null}
          loadingTitle="Loading profile…"
          emptyTitle="No functions"
          emptyHint="Pick a wider time range or another process."
          dense
        />
      </div>
    </section>
  );
}

/** A value from the URL stays selectable while the range has no samples of it. */
function withCurrent(list: readonly string[], current: string): string[] {
  return current === '' || list.includes(current) ? [...list] : [current, ...list];
}

function signed(n: number): string {
  const rounded = Math.round(n);
  return rounded > 0 ? `+${rounded}` : String(rounded);
}
