'use client';

import Link from 'next/link';
import { type JSX, useCallback, useMemo, useState } from 'react';
import { graphqlRequest } from '@/lib/graphql';
import { useLoaded } from '@/lib/use-loaded';
import { useSignInRedirect } from '@/modules/auth/use-sign-in-redirect';
import { formatLatency } from '@/modules/requests/request-format';
import { LoadErrorAlert } from '@/modules/shell/load-error-alert';
import pageStyles from '@/modules/shell/page.module.css';
import { PageHeader } from '@/modules/shell/page-header';
import {
  ancestorIds,
  formatShare,
  layoutBars,
  maxDepth,
  spanDetails,
  spanTypeIcon,
  spanTypeLabel,
} from './trace-layout';
import type { TraceStart } from './trace-start';
import { TraceSearchForm } from './trace-search-form';
import { TRACE_QUERY, type Trace, type TraceSpan } from './traces.queries';
import styles from './traces.module.css';

const ROW_HEIGHT = 30;

export interface TraceViewProps {
  tenantSlug: string;
  start: TraceStart | null;
}

/** The traces page: a search box, and the assembled trace when the URL names a start. */
export function TraceView({ tenantSlug, start }: TraceViewProps): JSX.Element {
  return (
    <section className={`${pageStyles.page} ${pageStyles.growing}`} aria-labelledby="traces-heading">
      {start === null ? (
        <>
          <header className={pageStyles.header}>
            <h1 id="traces-heading" className={pageStyles.title}>
              Traces
            </h1>
          </header>
          <TraceSearchForm tenantSlug={tenantSlug} />
          <p className={styles.hint}>
            Or open a trace from the request log: every row has a <strong>Trace</strong> link.
          </p>
        </>
      ) : (
        <LoadedTrace tenantSlug={tenantSlug} start={start} />
      )}
    </section>
  );
}

function LoadedTrace({ tenantSlug, start }: { tenantSlug: string; start: TraceStart }): JSX.Element {
  const onUnauthenticated = useSignInRedirect();
  const load = useCallback(
    async (signal: AbortSignal) => (await graphqlRequest(TRACE_QUERY, { from: start }, { signal })).trace,
    [start],
  );
  const { data: trace, loading, error, reload } = useLoaded<Trace>(load, onUnauthenticated);
  return (
    <>
      <PageHeader headingId="traces-heading" title="Trace" refreshing={loading && trace !== null} onRefresh={reload} />
      <TraceSearchForm tenantSlug={tenantSlug} />
      {error?.code === 'NOT_FOUND' ? (
        <p role="status" className={styles.hint}>
          No trace found: nothing you can see matches this start.
        </p>
      ) : (
        <LoadErrorAlert title="Could not load the trace." error={error} />
      )}
      {loading && trace === null && <p className={styles.hint}>Assembling the trace…</p>}
      {trace !== null && <TraceTimeline trace={trace} tenantSlug={tenantSlug} />}
    </>
  );
}

function TraceTimeline({ trace, tenantSlug }: { trace: Trace; tenantSlug: string }): JSX.Element {
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [service, setService] = useState<string | null>(null);
  const [hover, setHover] = useState<{ span: TraceSpan; x: number; y: number } | null>(null);
  const bars = useMemo(() => layoutBars(trace.spans, trace.startUs, trace.durationUs), [trace]);
  const highlighted = useMemo(
    () => (selectedId === null ? new Set<string>() : ancestorIds(trace.spans, selectedId)),
    [trace, selectedId],
  );
  const selected = trace.spans.find((s) => s.id === selectedId) ?? null;
  const height = (maxDepth(trace.spans) + 1) * ROW_HEIGHT;

  return (
    <>
      <p className={styles.summary}>
        {trace.spans.length} spans · {formatLatency(trace.durationUs)} · {trace.services.length} services ·{' '}
        {trace.iterations} search rounds
        {trace.truncated !== null && (
          <span role="alert" className={styles.truncated}>
            {' '}
            Incomplete: the search stopped at its {trace.truncated === 'max_spans' ? 'span' : 'round'} limit.
          </span>
        )}
      </p>
      <div className={styles.layout}>
        <section aria-labelledby="trace-services" className={styles.services}>
          <h2 id="trace-services" className={styles.panelTitle}>
            Services
          </h2>
          <ul className={styles.serviceList}>
            {trace.services.map((s) => (
              <li key={s.service}>
                <button
                  type="button"
                  className={styles.serviceButton}
                  aria-pressed={service === s.service}
                  data-service={s.service}
                  onClick={() => setService(service === s.service ? null : s.service)}
                >
                  <span className={styles.serviceName}>{s.service || '(unknown)'}</span>
                  <span className={styles.serviceShare}>{formatShare(s.share)}</span>
                  <span className={styles.shareTrack} aria-hidden="true">
                    <span className={styles.shareFill} style={{ width: `${Math.min(100, s.share * 100)}%` }} />
                  </span>
                  <span className={styles.serviceMeta}>
                    {formatLatency(s.selfTimeUs)} self · {s.spanCount} {s.spanCount === 1 ? 'span' : 'spans'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="trace-timeline" className={styles.timelinePanel}>
          <h2 id="trace-timeline" className={styles.panelTitle}>
            Timeline
          </h2>
          <ul className={styles.timeline} style={{ height }} aria-label="Spans">
            {bars.map((bar) => {
              const s = bar.span;
              const classes = [styles.bar, styles[`bar${spanTypeIcon(s.type)}`]];
              if (highlighted.has(s.id)) classes.push(styles.barPath);
              if (s.id === selectedId) classes.push(styles.barSelected);
              if (service !== null) classes.push(s.service === service ? styles.barService : styles.barDimmed);
              return (
                <li
                  key={s.id}
                  className={styles.barSlot}
                  style={{ left: `${bar.leftPct}%`, width: `${bar.widthPct}%`, top: bar.depth * ROW_HEIGHT }}
                >
                  <button
                    type="button"
                    className={classes.join(' ')}
                    data-span-id={s.id}
                    data-depth={s.depth}
                    data-type={s.type}
                    data-service={s.service}
                    data-highlighted={highlighted.has(s.id) ? 'true' : undefined}
                    data-emphasis={service === null ? undefined : s.service === service ? 'service' : 'dimmed'}
                    aria-pressed={s.id === selectedId}
                    aria-label={`${spanTypeLabel(s.type)} ${s.call}, ${formatLatency(s.durationUs)}, depth ${s.depth}`}
                    onClick={() => setSelectedId(s.id === selectedId ? null : s.id)}
                    onMouseEnter={(e) => setHover({ span: s, x: e.clientX, y: e.clientY })}
                    onMouseMove={(e) => setHover({ span: s, x: e.clientX, y: e.clientY })}
                    onMouseLeave={() => setHover(null)}
                    onFocus={(e) => {
                      const r = e.currentTarget.getBoundingClientRect();
                      setHover({ span: s, x: r.left, y: r.bottom });
                    }}
                    onBlur={() => setHover(null)}
                  >
                    <span className={styles.icon} aria-hidden="true">
                      {spanTypeIcon(s.type)}
                    </span>
                    <span className={styles.barCall}>{s.call}</span>
                    <span className={styles.barDuration}>{formatLatency(s.durationUs)}</span>
                  </button>
                </li>
              );
            })}
          </ul>
          {hover !== null && (
            <div role="tooltip" className={styles.tooltip} style={{ left: hover.x + 12, top: hover.y + 12 }}>
              <div className={styles.tooltipCall}>{hover.span.call}</div>
              <div>{hover.span.instance}</div>
              <div>
                Self time {formatLatency(hover.span.selfTimeUs)} of {formatLatency(hover.span.durationUs)}
              </div>
            </div>
          )}
        </section>
      </div>
      {selected !== null && <SpanDetails span={selected} tenantSlug={tenantSlug} onClose={() => setSelectedId(null)} />}
    </>
  );
}

function SpanDetails({
  span,
  tenantSlug,
  onClose,
}: {
  span: TraceSpan;
  tenantSlug: string;
  onClose: () => void;
}): JSX.Element {
  return (
    <section aria-labelledby="span-details" className={styles.details}>
      <header className={styles.detailsHeader}>
        <h2 id="span-details" className={styles.panelTitle}>
          {spanTypeIcon(span.type)} {span.call}
        </h2>
        <button type="button" className="btn btn-secondary" onClick={onClose}>
          Close
        </button>
      </header>
      <dl className={styles.detailList}>
        {[
          ['Duration', formatLatency(span.durationUs)] as const,
          ['Self time', formatLatency(span.selfTimeUs)] as const,
          ['Start', new Date(span.startUs / 1000).toISOString()] as const,
          ...spanDetails(span),
        ].map(([k, v]) => (
          <div key={k} className={styles.detailPair}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {span.requestLogId !== null && (
        <p>
          <Link
            href={`/t/${encodeURIComponent(tenantSlug)}/requests?path=${encodeURIComponent(span.call.split(' ').at(-1) ?? '')}`}
          >
            Similar requests in the request log
          </Link>
        </p>
      )}
    </section>
  );
}
