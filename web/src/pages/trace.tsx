// The trace view: a summary of the trace, a search within it, the waterfall and the selected
// span's details. The trace comes from Tempo's api/v2/traces/<id>, whose OTLP shape keeps what
// Jaeger's model flattens (scopes with versions, events with typed attributes, links, status).
// The selected span (`span`) and the search text (`find`) are in the address.
import './trace.css';
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl, getJson } from '../api';
import { ErrorBox, Loading, Page, useFetch } from '../components';
import { formatDurationMs, formatTime } from '../format';
import { Link, navigate } from '../router';
import { SpanDetails } from './span_details';
import type { OtlpTrace, TraceModel } from './trace_model';
import { buildTrace, spanMatches, visibleRows } from './trace_model';
import { formatCost, formatTokens, Waterfall } from './waterfall';

export function TracePage(props: { id: string; params: URLSearchParams }): JSX.Element {
  const id = props.id.trim();
  const fetched = useFetch(
    async (signal) => {
      const body = await getJson<{ trace?: OtlpTrace }>(`api/v2/traces/${encodeURIComponent(id)}`, undefined, signal);
      return { id, trace: buildTrace(body.trace ?? {}, id) };
    },
    [id],
  );
  // While another trace loads, the previous one's data is still there: it is not shown.
  const trace = fetched.data?.id === id ? fetched.data.trace : null;
  if (!trace) {
    return (
      <Page title={`Trace ${id.slice(0, 16)}`}>
        <Loading when={fetched.loading} />
        <ErrorBox error={fetched.error} title="Trace" />
        <p>
          <Link page="traces">Search traces</Link>
        </p>
      </Page>
    );
  }
  if (!trace.spans.length) {
    return (
      <Page title="Trace not found">
        <p>The trace {id} has no spans.</p>
      </Page>
    );
  }
  return <TraceView key={id} trace={trace} id={id} params={props.params} />;
}

function TraceSummary(props: { trace: TraceModel }): JSX.Element {
  const t = props.trace;
  return (
    <div class="trace-summary" data-testid="trace-summary">
      <dl class="trace-facts">
        <div>
          <dt>Trace ID</dt>
          <dd class="mono">{t.traceId}</dd>
        </div>
        <div>
          <dt>Start</dt>
          <dd>{formatTime(t.startMs)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDurationMs(t.durationMs)}</dd>
        </div>
        <div>
          <dt>Spans</dt>
          <dd data-testid="trace-span-count">{t.spans.length}</dd>
        </div>
        <div>
          <dt>Depth</dt>
          <dd>{t.maxDepth + 1}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd class={t.errors ? 'trace-errors' : ''}>{t.errors}</dd>
        </div>
        {t.genai.spans > 0 && (
          <div data-testid="trace-genai-summary">
            <dt>GenAI</dt>
            <dd>
              {t.genai.spans} span{t.genai.spans === 1 ? '' : 's'} · {formatTokens(t.genai.inputTokens)} in /{' '}
              {formatTokens(t.genai.outputTokens)} out tokens
              {t.genai.costSpans > 0 && <> · {formatCost(t.genai.cost)}</>}
            </dd>
          </div>
        )}
      </dl>
      <div class="trace-services" aria-label="Services">
        {t.services.map((s) => (
          <span key={s.name} class="service-chip" title={`${s.spans} spans, ${s.errors} with errors`}>
            <span class="wf-swatch" style={{ background: s.color }} />
            {s.name} <span class="muted">{s.spans}</span>
            {s.errors > 0 && <span class="trace-errors"> ({s.errors} err)</span>}
          </span>
        ))}
      </div>
    </div>
  );
}

function TraceView(props: { trace: TraceModel; id: string; params: URLSearchParams }): JSX.Element {
  const { trace, params } = props;
  const [collapsed, setCollapsed] = useState<Set<number>>(() => new Set());
  const [active, setActive] = useState(-1);
  const [activeSeq, setActiveSeq] = useState(0);
  const [find, setFind] = useState(params.get('find') ?? '');
  const [onlyMatches, setOnlyMatches] = useState(false);
  const [matchAt, setMatchAt] = useState(-1);

  const selectedId = params.get('span') ?? '';
  const selected = useMemo(
    () => (selectedId ? trace.spans.findIndex((s) => s.spanId === selectedId.toLowerCase()) : -1),
    [trace, selectedId],
  );

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`trace/${props.id}`, next, true);
  };

  // Makes a span visible (its ancestors expanded) and scrolls the waterfall to it.
  const reveal = (span: number) => {
    const ancestors: number[] = [];
    for (let p = trace.spans[span].parent; p >= 0; p = trace.spans[p].parent) ancestors.push(p);
    if (ancestors.some((a) => collapsed.has(a))) {
      setCollapsed((c) => {
        const next = new Set(c);
        ancestors.forEach((a) => next.delete(a));
        return next;
      });
    }
    setActive(span);
    setActiveSeq((n) => n + 1);
  };

  const select = (span: number) => {
    setParam('span', span >= 0 ? trace.spans[span].spanId : '');
  };

  // A span named by the address is shown on arrival.
  useEffect(() => {
    if (selected >= 0) reveal(selected);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trace]);

  const needle = find.trim().toLowerCase();
  const matchList = useMemo(
    () => (needle ? trace.order.filter((i) => spanMatches(trace.spans[i], needle)) : []),
    [trace, needle],
  );
  const matches = useMemo(() => (needle ? new Set(matchList) : null), [matchList, needle]);

  const rows = useMemo(() => {
    const all = visibleRows(trace, collapsed);
    if (!onlyMatches || !matches) return all;
    // Matching spans and their ancestors, so the matches keep their place in the tree.
    const keep = new Set<number>();
    for (const m of matches) for (let i = m; i >= 0 && !keep.has(i); i = trace.spans[i].parent) keep.add(i);
    return all.filter((i) => keep.has(i));
  }, [trace, collapsed, onlyMatches, matches]);

  const jump = (delta: number) => {
    if (!matchList.length) return;
    const next = matchAt < 0 ? (delta > 0 ? 0 : matchList.length - 1) : (matchAt + delta + matchList.length) % matchList.length;
    setMatchAt(next);
    reveal(matchList[next]);
    select(matchList[next]);
  };

  const toggle = (span: number) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(span)) next.delete(span);
      else next.add(span);
      return next;
    });

  const root = trace.root;
  const title = root ? `${root.service}: ${root.name}` : `Trace ${trace.traceId}`;
  return (
    <Page
      title={title}
      actions={
        <>
          <Link page="traces">Search</Link>
          <a href={apiUrl(`api/v2/traces/${encodeURIComponent(props.id)}`)} target="_blank" rel="noopener">
            JSON
          </a>
        </>
      }
    >
      <TraceSummary trace={trace} />
      <div class="trace-toolbar" role="search">
        <input
          type="search"
          class="trace-find"
          placeholder="Find spans: name, service, attribute…"
          aria-label="Find spans in the trace"
          value={find}
          data-testid="trace-find"
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value;
            setFind(v);
            setMatchAt(-1);
            setParam('find', v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              jump(e.shiftKey ? -1 : 1);
            }
          }}
        />
        {needle && (
          <span class="trace-find-count" data-testid="trace-find-count" aria-live="polite">
            {matchList.length ? `${matchAt >= 0 ? matchAt + 1 : 0} of ${matchList.length}` : 'no match'}
          </span>
        )}
        <button onClick={() => jump(-1)} disabled={!matchList.length} aria-label="Previous match">
          ↑
        </button>
        <button onClick={() => jump(1)} disabled={!matchList.length} aria-label="Next match">
          ↓
        </button>
        <label class="trace-only">
          <input type="checkbox" checked={onlyMatches} onChange={(e) => setOnlyMatches((e.target as HTMLInputElement).checked)} />{' '}
          only matches
        </label>
        <span class="trace-legend muted">
          <span class="legend-critical" /> critical path
          <span class="legend-error">!</span> error
        </span>
      </div>
      <div class={'trace-body' + (selected >= 0 ? ' with-details' : '')}>
        <Waterfall
          trace={trace}
          rows={rows}
          collapsed={collapsed}
          onToggle={toggle}
          onCollapseAll={() => setCollapsed(new Set(trace.spans.filter((s) => s.children.length).map((s) => s.index)))}
          onExpandAll={() => setCollapsed(new Set())}
          selected={selected}
          onSelect={select}
          active={active}
          activeSeq={activeSeq}
          onActive={(i) => {
            setActive(i);
            setActiveSeq((n) => n + 1);
          }}
          matches={matches}
        />
        {selected >= 0 && (
          <SpanDetails
            trace={trace}
            span={trace.spans[selected]}
            onClose={() => select(-1)}
            onSelect={(i) => {
              reveal(i);
              select(i);
            }}
          />
        )}
      </div>
    </Page>
  );
}
