// The trace search page: the form (Jaeger's fields or TraceQL), then the traces found as a
// duration-over-time scatter plot and a sortable list. The search and the sort are in the address
// (mode, service, operation, tags, minDuration, maxDuration, q, lookback, start, end, limit, sort),
// so a link reruns the same search.
import './traces.css';
import type { JSX } from 'preact';
import { ErrorBox, Loading, Page, useFetch } from '../components';
import { navigate } from '../router';
import { errorMarkFromMessage } from '../traceql';
import type { SortKey } from './trace_results';
import { sortTraces, TraceList, TraceScatter } from './trace_results';
import type { SearchResult } from './trace_search';
import { searchJaeger, searchTraceQL } from './trace_search';
import type { FormState } from './trace_search_form';
import { formFromParams, formProblems, paramsFromForm, searchOf, TraceSearchForm } from './trace_search_form';

const SORTS: [SortKey, string][] = [
  ['recent', 'Most recent'],
  ['longest', 'Longest first'],
  ['spans', 'Most spans'],
];

export function TracesPage(props: { params: URLSearchParams }): JSX.Element {
  const { params } = props;
  const form = formFromParams(params);
  const sort = (params.get('sort') as SortKey | null) ?? 'recent';
  // A search runs when the address holds a complete one (after Search, or from a link).
  const runnable = (form.mode === 'jaeger' ? !!form.service : !!form.q.trim()) && !Object.keys(formProblems(form)).length;
  const searchKey = runnable ? new URLSearchParams(paramsFromForm(form)).toString() : '';

  const results = useFetch<SearchResult | null>(
    (signal) => {
      if (!runnable) return Promise.resolve(null);
      const s = searchOf(form);
      return s.mode === 'jaeger' ? searchJaeger(s, signal) : searchTraceQL(s, signal);
    },
    [searchKey],
  );

  const onSearch = (f: FormState) => {
    const next: Record<string, string> = paramsFromForm(f);
    if (sort !== 'recent') next.sort = sort;
    const key = new URLSearchParams(paramsFromForm(f)).toString();
    if (key === searchKey) results.reload(); // the same search again: newer traces may have come
    navigate('traces', next, true);
  };
  const setSort = (s: SortKey) => {
    const next = new URLSearchParams(params);
    if (s === 'recent') next.delete('sort');
    else next.set('sort', s);
    navigate('traces', next, true);
  };

  const queryError =
    form.mode === 'traceql' && results.error ? errorMarkFromMessage(form.q, results.error) : null;
  const data = runnable ? results.data : null;
  const traces = data ? sortTraces(data.traces, sort) : [];

  return (
    <Page title="Traces">
      {/* Remounted when the address's search changes (back and forward), to show that search. */}
      <TraceSearchForm key={searchKey} initial={form} onSearch={onSearch} queryError={queryError} />
      {!runnable && (
        <p class="muted ts-hint">
          Choose a service (and, if you like, an operation, tags such as <code>error=true</code> and durations), or
          switch to TraceQL; then Search.
        </p>
      )}
      <Loading when={runnable && results.loading} />
      {!queryError && <ErrorBox error={runnable ? results.error : null} title="Search" />}
      {data?.warnings.map((w) => (
        <div key={w} class="warning-box">
          {w}
        </div>
      ))}
      {data && (
        <section class="trace-found" aria-label="Results">
          <div class="toolbar">
            <strong data-testid="trace-result-count">
              {data.traces.length} trace{data.traces.length === 1 ? '' : 's'}
            </strong>
            <span class="ts-sort" role="group" aria-label="Sort by">
              {SORTS.map(([k, label]) => (
                <button
                  key={k}
                  class={sort === k ? 'active' : ''}
                  aria-pressed={sort === k}
                  data-testid={`sort-${k}`}
                  onClick={() => setSort(k)}
                >
                  {label}
                </button>
              ))}
            </span>
          </div>
          {traces.length > 0 ? (
            <>
              <TraceScatter traces={traces} />
              <TraceList traces={traces} />
            </>
          ) : (
            <p class="muted">No traces match in this time range.</p>
          )}
        </section>
      )}
    </Page>
  );
}
