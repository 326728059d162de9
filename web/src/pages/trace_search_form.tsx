// The trace search form: Jaeger's fields (service, operation, tags, duration bounds) or a
// TraceQL query, and a time range and limit shared by both. The form edits its own copy of the
// search; Search writes it to the address, which runs it.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { getJson } from '../api';
import { TabButtons, useFetch } from '../components';
import type { ErrorMark } from '../editor';
import { Editor } from '../editor';
import { completeTraceQL, serverTagSource, tokenizeTraceQL } from '../traceql';
import type { JaegerSearch, TraceQLSearch } from './trace_search';
import { isGoDuration, parseLogfmt } from './trace_search';

export interface FormState {
  mode: 'jaeger' | 'traceql';
  service: string;
  operation: string;
  tags: string;
  minDuration: string;
  maxDuration: string;
  lookback: string; // a key of LOOKBACKS, or 'custom'
  start: string; // custom range: datetime-local values
  end: string;
  limit: string;
  q: string;
}

export const LOOKBACKS: [string, string, number][] = [
  ['5m', 'Last 5 minutes', 5 * 60e3],
  ['15m', 'Last 15 minutes', 15 * 60e3],
  ['1h', 'Last hour', 3600e3],
  ['6h', 'Last 6 hours', 6 * 3600e3],
  ['12h', 'Last 12 hours', 12 * 3600e3],
  ['1d', 'Last day', 86400e3],
  ['2d', 'Last 2 days', 2 * 86400e3],
  ['7d', 'Last 7 days', 7 * 86400e3],
  ['custom', 'Custom range', 0],
];

export function formFromParams(p: URLSearchParams): FormState {
  return {
    mode: p.get('mode') === 'traceql' ? 'traceql' : 'jaeger',
    service: p.get('service') ?? '',
    operation: p.get('operation') ?? '',
    tags: p.get('tags') ?? '',
    minDuration: p.get('minDuration') ?? '',
    maxDuration: p.get('maxDuration') ?? '',
    lookback: p.get('lookback') ?? '1h',
    start: p.get('start') ?? '',
    end: p.get('end') ?? '',
    limit: p.get('limit') ?? '20',
    q: p.get('q') ?? '',
  };
}

// The address's parameters for a search: only what the mode uses, defaults left out.
export function paramsFromForm(f: FormState): Record<string, string> {
  const out: Record<string, string> = { mode: f.mode };
  const set = (k: string, v: string) => {
    if (v) out[k] = v;
  };
  if (f.mode === 'jaeger') {
    set('service', f.service);
    set('operation', f.operation);
    set('tags', f.tags.trim());
    set('minDuration', f.minDuration.trim());
    set('maxDuration', f.maxDuration.trim());
  } else {
    set('q', f.q);
  }
  set('lookback', f.lookback);
  if (f.lookback === 'custom') {
    set('start', f.start);
    set('end', f.end);
  }
  set('limit', f.limit);
  return out;
}

// The time range, in epoch ms, as of now (a lookback moves with the clock on every run).
export function rangeOf(f: FormState, now = Date.now()): { startMs: number; endMs: number } {
  if (f.lookback === 'custom') {
    const start = f.start ? new Date(f.start).getTime() : NaN;
    const end = f.end ? new Date(f.end).getTime() : now;
    if (!Number.isFinite(start)) throw new Error('custom range: choose a start time');
    if (!Number.isFinite(end) || end < start) throw new Error('custom range: the end is before the start');
    return { startMs: start, endMs: end };
  }
  const span = LOOKBACKS.find(([k]) => k === f.lookback)?.[2] ?? 3600e3;
  return { startMs: now - span, endMs: now };
}

// Problems the server would refuse, found before asking it; empty when the form can run.
export function formProblems(f: FormState): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.mode === 'jaeger') {
    if (!f.service) out.service = 'Choose a service (Jaeger searches are per service).';
    try {
      parseLogfmt(f.tags);
    } catch (e) {
      out.tags = (e as Error).message;
    }
    for (const k of ['minDuration', 'maxDuration'] as const) {
      const v = f[k].trim();
      if (v && !isGoDuration(v)) out[k] = `"${v}" is not a duration such as 150ms, 1.5s or 2m`;
    }
  } else if (!f.q.trim()) {
    out.q = 'Write a TraceQL query, e.g. { status = error }.';
  }
  const limit = Number(f.limit);
  if (!Number.isInteger(limit) || limit < 1) out.limit = 'The limit is a whole number from 1.';
  if (f.lookback === 'custom') {
    try {
      rangeOf(f);
    } catch (e) {
      out.range = (e as Error).message;
    }
  }
  return out;
}

export function searchOf(f: FormState): JaegerSearch | TraceQLSearch {
  const { startMs, endMs } = rangeOf(f);
  const limit = Number(f.limit) || 20;
  if (f.mode === 'traceql') return { mode: 'traceql', q: f.q, startMs, endMs, limit };
  return {
    mode: 'jaeger',
    service: f.service,
    operation: f.operation,
    tags: f.tags,
    minDuration: f.minDuration.trim(),
    maxDuration: f.maxDuration.trim(),
    startMs,
    endMs,
    limit,
  };
}

function Field(props: { label: string; error?: string; children: JSX.Element | JSX.Element[]; wide?: boolean }): JSX.Element {
  return (
    <label class={'ts-field' + (props.wide ? ' wide' : '')}>
      <span class="ts-label">{props.label}</span>
      {props.children}
      {props.error && <span class="ts-error">{props.error}</span>}
    </label>
  );
}

export function TraceSearchForm(props: {
  initial: FormState;
  onSearch: (f: FormState) => void;
  queryError: ErrorMark | null; // the server's answer to the query in the address
}): JSX.Element {
  const [f, setF] = useState<FormState>(props.initial);
  const [tried, setTried] = useState(false);
  const update = (patch: Partial<FormState>) => setF((old) => ({ ...old, ...patch }));
  const problems = formProblems(f);
  const shown = tried ? problems : {};

  const services = useFetch(
    (signal) => getJson<{ data: string[] | null }>('jaeger/api/services', undefined, signal).then((b) => b.data ?? []),
    [],
  );
  const operations = useFetch(
    (signal) =>
      f.service
        ? getJson<{ data: string[] | null }>(
            `jaeger/api/services/${encodeURIComponent(f.service)}/operations`,
            undefined,
            signal,
          ).then((b) => b.data ?? [])
        : Promise.resolve([] as string[]),
    [f.service],
  );
  const tagSource = useMemo(() => serverTagSource(), []);

  const submit = (e?: Event) => {
    e?.preventDefault();
    setTried(true);
    if (Object.keys(formProblems(f)).length) return;
    props.onSearch(f);
  };
  const input = (k: keyof FormState) => (e: Event) => update({ [k]: (e.target as HTMLInputElement).value });
  const serviceList = services.data ?? [];
  const error = props.queryError && props.queryError.message && f.q === props.initial.q ? props.queryError : null;

  return (
    <form class="trace-search-form" data-testid="trace-search-form" onSubmit={submit} aria-label="Search traces">
      <div class="ts-modes" role="tablist" aria-label="Search with">
        <TabButtons
          choices={[
            ['jaeger', 'Search'],
            ['traceql', 'TraceQL'],
          ]}
          value={f.mode}
          onChange={(mode) => update({ mode })}
          testIdPrefix="mode"
        />
      </div>
      {f.mode === 'jaeger' ? (
        <div class="ts-grid">
          <Field label="Service" error={shown.service ?? services.error ?? undefined}>
            <select
              value={f.service}
              data-testid="ts-service"
              onChange={(e) => update({ service: (e.target as HTMLSelectElement).value, operation: '' })}
            >
              <option value="">{services.loading ? 'Loading…' : 'Choose a service'}</option>
              {f.service && !serviceList.includes(f.service) && <option value={f.service}>{f.service}</option>}
              {serviceList.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Operation" error={operations.error ?? undefined}>
            <select value={f.operation} data-testid="ts-operation" onChange={input('operation')}>
              <option value="">All operations</option>
              {f.operation && !(operations.data ?? []).includes(f.operation) && (
                <option value={f.operation}>{f.operation}</option>
              )}
              {(operations.data ?? []).map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Tags" error={shown.tags} wide>
            <input
              value={f.tags}
              data-testid="ts-tags"
              placeholder='http.response.status_code=500 error=true user.id="u 1"'
              onInput={input('tags')}
              spellcheck={false}
            />
          </Field>
          <Field label="Min duration" error={shown.minDuration}>
            <input value={f.minDuration} data-testid="ts-min" placeholder="e.g. 100ms" size={8} onInput={input('minDuration')} />
          </Field>
          <Field label="Max duration" error={shown.maxDuration}>
            <input value={f.maxDuration} data-testid="ts-max" placeholder="e.g. 1.5s" size={8} onInput={input('maxDuration')} />
          </Field>
        </div>
      ) : (
        <div class="ts-query">
          <Editor
            value={f.q}
            onInput={(q) => update({ q })}
            onSubmit={() => submit()}
            tokenize={tokenizeTraceQL}
            complete={(text, cursor) => completeTraceQL(text, cursor, tagSource)}
            error={error}
            placeholder='{ resource.service.name = "frontend" && status = error }'
            label="TraceQL query"
            testId="traceql-editor"
          />
          {shown.q && <span class="ts-error">{shown.q}</span>}
        </div>
      )}
      <div class="ts-grid ts-bottom">
        <Field label="Time range" error={shown.range}>
          <select value={f.lookback} data-testid="ts-lookback" onChange={input('lookback')}>
            {LOOKBACKS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {f.lookback === 'custom' && (
          <>
            <Field label="From">
              <input type="datetime-local" value={f.start} onInput={input('start')} />
            </Field>
            <Field label="To">
              <input type="datetime-local" value={f.end} onInput={input('end')} />
            </Field>
          </>
        )}
        <Field label="Limit" error={shown.limit}>
          <input type="number" min={1} value={f.limit} data-testid="ts-limit" size={5} onInput={input('limit')} />
        </Field>
        <div class="ts-actions">
          <button type="submit" class="primary" data-testid="ts-submit">
            Search
          </button>
        </div>
      </div>
    </form>
  );
}
