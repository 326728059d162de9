// The metrics explorer: every metric name with its type, unit and help (api/v1/metadata), its
// series count (the TSDB status' top list, or counted on demand), and the label names with the
// most values; filtered by a substring or a regular expression kept in the URL.
import './query.css';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage, promData } from '../api';
import { ErrorBox, Loading, Page, useFetch } from '../components';
import { metadataFor, nameSelector, type MetricMetadata } from '../promql';
import { Link, navigate } from '../router';

interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number };
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
}

interface Loaded {
  names: string[];
  meta: Record<string, MetricMetadata[]>;
  tsdb: TsdbStatus | null;
  tsdbError: string | null;
}

// How many metrics status/tsdb is asked to count; the rest are counted on demand.
const TSDB_LIMIT = 1000;
const PAGE_ROWS = 500;

interface Row {
  name: string;
  meta: MetricMetadata | undefined;
  series: number | undefined;
}

async function load(signal: AbortSignal): Promise<Loaded> {
  const tsdb = promData<TsdbStatus>('api/v1/status/tsdb', { limit: String(TSDB_LIMIT) }, signal)
    .then((t) => ({ t, e: null }))
    .catch((e: unknown) => ({ t: null, e: errorMessage(e) }));
  // Asked afresh (not from the completion's cache): the page is where new names are looked for.
  const [names, meta, status] = await Promise.all([
    promData<string[]>('api/v1/label/__name__/values', undefined, signal),
    promData<Record<string, MetricMetadata[]>>('api/v1/metadata', undefined, signal),
    tsdb,
  ]);
  return { names, meta, tsdb: status.t, tsdbError: status.e };
}

function rows(data: Loaded): Row[] {
  const counts = new Map((data.tsdb?.seriesCountByMetricName ?? []).map((c) => [c.name, c.value]));
  const out: Row[] = data.names.map((name) => ({ name, meta: metadataFor(name, data.meta), series: counts.get(name) }));
  // Metadata without series under its name or its family's: still worth finding by its help.
  const described = new Set(out.flatMap((r) => [r.name, r.name.replace(/_(bucket|sum|count|total|created|info)$/, '')]));
  for (const [name, m] of Object.entries(data.meta)) {
    if (!described.has(name)) out.push({ name, meta: m[0], series: counts.get(name) ?? 0 });
  }
  return out;
}

// What the query page runs for a metric name: the name itself, or a quoted selector for names
// that are not PromQL identifiers (UTF-8 names).
function exprFor(name: string): string {
  return /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(name) ? name : `{${JSON.stringify(name)}}`;
}

function matcher(filter: string, regex: boolean): { test: (s: string) => boolean; error: string | null } {
  if (!filter) return { test: () => true, error: null };
  if (regex) {
    try {
      const re = new RegExp(filter, 'i');
      return { test: (s) => re.test(s), error: null };
    } catch (e) {
      return { test: () => true, error: errorMessage(e) };
    }
  }
  const f = filter.toLowerCase();
  return { test: (s) => s.toLowerCase().includes(f), error: null };
}

function SeriesCount(props: { row: Row }): JSX.Element {
  const [state, setState] = useState<{ value?: number; error?: string; loading?: boolean }>({});
  if (props.row.series !== undefined) return <span>{props.row.series.toLocaleString()}</span>;
  if (state.value !== undefined) return <span>{state.value.toLocaleString()}</span>;
  const count = () => {
    setState({ loading: true });
    promData<{ result: { value: [number, string] }[] }>('api/v1/query', {
      query: `count(${nameSelector(props.row.name)})`,
    })
      .then((d) => setState({ value: d.result.length ? Number(d.result[0].value[1]) : 0 }))
      .catch((e) => setState({ error: errorMessage(e) }));
  };
  if (state.error) return <span class="muted" title={state.error}>error</span>;
  return (
    <button type="button" class="link-button" onClick={count} disabled={state.loading} aria-label={`Count the series of ${props.row.name}`}>
      {state.loading ? 'counting…' : 'count'}
    </button>
  );
}

export function ExplorePage(props: { params: URLSearchParams }): JSX.Element {
  const filter = props.params.get('filter') ?? '';
  const regex = props.params.get('regex') === '1';
  const sort = props.params.get('sort') === 'series' ? 'series' : 'name';
  const [showAll, setShowAll] = useState(false);
  const fetched = useFetch(load, []);
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(props.params);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate('explore', next, true);
  };

  const m = matcher(filter, regex);
  const all = fetched.data ? rows(fetched.data) : [];
  const shown = all
    .filter((r) => m.test(r.name) || (r.meta?.help ? m.test(r.meta.help) : false))
    .sort((a, b) => (sort === 'series' ? (b.series ?? -1) - (a.series ?? -1) : 0) || a.name.localeCompare(b.name));
  const visible = showAll ? shown : shown.slice(0, PAGE_ROWS);
  const tsdb = fetched.data?.tsdb;

  return (
    <Page title="Metrics">
      <div class="explore-filter">
        <input
          type="search"
          aria-label="Filter metrics by name or help"
          placeholder={regex ? 'Regular expression' : 'Filter by name or help'}
          aria-invalid={m.error ? 'true' : 'false'}
          value={filter}
          onInput={(e) => setParam('filter', (e.target as HTMLInputElement).value)}
          data-testid="explore-filter"
        />
        <label class="control-group">
          <input type="checkbox" checked={regex} onChange={() => setParam('regex', regex ? '' : '1')} />
          Regex
        </label>
        {fetched.data && (
          <span class="muted">
            {shown.length} of {all.length} metrics
            {tsdb && `, ${tsdb.headStats.numSeries.toLocaleString()} series in the head`}
          </span>
        )}
      </div>
      <ErrorBox error={m.error} title="Filter" />
      <ErrorBox error={fetched.error} />
      <Loading when={fetched.loading && !fetched.data} />
      {fetched.data && (
        <div class="explore-layout">
          <div class="table-wrap">
            <table class="metrics-table" data-testid="metrics-table">
              <thead>
                <tr>
                  <th>
                    <button type="button" class="link-button" aria-pressed={sort === 'name'} onClick={() => setParam('sort', '')}>
                      Metric
                    </button>
                  </th>
                  <th>Type</th>
                  <th>Unit</th>
                  <th>Help</th>
                  <th class="num">
                    <button type="button" class="link-button" aria-pressed={sort === 'series'} onClick={() => setParam('sort', 'series')}>
                      Series
                    </button>
                  </th>
                </tr>
              </thead>
              <tbody>
                {visible.map((r) => (
                  <tr key={r.name} data-testid="metric-row" data-metric={r.name}>
                    <td class="metric-name">
                      <Link page="query" params={{ 'g0.expr': exprFor(r.name), 'g0.tab': 'graph' }}>
                        {r.name}
                      </Link>
                    </td>
                    <td>{r.meta?.type && <span class="metric-type">{r.meta.type}</span>}</td>
                    <td class="mono">{r.meta?.unit}</td>
                    <td class="metric-help">{r.meta?.help}</td>
                    <td class="num">
                      <SeriesCount row={r} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {shown.length > visible.length && (
              <button type="button" onClick={() => setShowAll(true)}>
                Show all {shown.length} metrics
              </button>
            )}
            {shown.length === 0 && <p class="muted">No metric matches.</p>}
          </div>
          <aside>
            <h2 class="explore-aside-title">Labels with the most values</h2>
            {fetched.data.tsdbError && <ErrorBox error={fetched.data.tsdbError} title="status/tsdb" />}
            {tsdb && (
              <table data-testid="label-cardinality">
                <thead>
                  <tr>
                    <th>Label</th>
                    <th class="num">Values</th>
                  </tr>
                </thead>
                <tbody>
                  {tsdb.labelValueCountByLabelName.slice(0, 20).map((l) => (
                    <tr key={l.name}>
                      <td class="mono">{l.name}</td>
                      <td class="num">{l.value.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </aside>
        </div>
      )}
    </Page>
  );
}
