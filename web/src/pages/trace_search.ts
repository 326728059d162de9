// Trace searches against tidemark's APIs and the summaries the result list and scatter plot show.
// The Jaeger form asks jaeger/api/traces (whole traces, so span and error counts come for free);
// TraceQL asks Tempo's api/search, whose results hold only the root and duration, then fetches
// those traces from Jaeger's API by id to count their spans, errors and services.
import { getJson } from '../api';
import { normalizeTraceId } from './trace_model';

export interface ServiceCount {
  name: string;
  spans: number;
  errors: number;
}

export interface TraceSummary {
  traceId: string; // 32 lowercase hex digits
  rootService: string;
  rootName: string;
  startMs: number; // epoch ms
  durationMs: number;
  spanCount?: number;
  errorCount?: number;
  services?: ServiceCount[];
  matched?: number; // TraceQL: spans that matched the query
}

export interface SearchResult {
  traces: TraceSummary[];
  warnings: string[];
}

export interface JaegerSearch {
  mode: 'jaeger';
  service: string;
  operation: string;
  tags: string; // logfmt
  minDuration: string;
  maxDuration: string;
  startMs: number;
  endMs: number;
  limit: number;
}

export interface TraceQLSearch {
  mode: 'traceql';
  q: string;
  startMs: number;
  endMs: number;
  limit: number;
}

// Jaeger UI's tag syntax, logfmt: `key=value key2="value with spaces"`, as an object.
export function parseLogfmt(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    const key = eq < 0 ? '' : text.slice(i, eq);
    if (eq < 0 || !key || /\s/.test(key)) {
      throw new Error(`tags: expected key=value at "${text.slice(i, i + 20)}"`);
    }
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (i >= text.length) throw new Error(`tags: the value of ${key} has no closing quote`);
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i])) value += text[i++];
    }
    out[key] = value;
  }
  return out;
}

// Go's durations, which Jaeger's minDuration and maxDuration take ("1.5s", "300ms", "2m").
export function isGoDuration(text: string): boolean {
  return /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text);
}

interface JaegerKV {
  key: string;
  type?: string;
  value: unknown;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; traceID: string; spanID: string }[];
  startTime: number; // µs
  duration: number; // µs
  tags?: JaegerKV[];
  processID: string;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}
interface JaegerEnvelope<T> {
  data: T | null;
  errors?: { code: number; msg: string }[] | null;
}

// A Jaeger trace summarised: the root is the earliest span whose parent is not in the trace.
export function summarizeJaeger(t: JaegerTrace): TraceSummary {
  const ids = new Set(t.spans.map((s) => s.spanID));
  let start = Infinity;
  let end = -Infinity;
  let root: JaegerSpan | null = null;
  let rootHasParent = false;
  let errors = 0;
  const services = new Map<string, ServiceCount>();
  for (const s of t.spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.duration);
    const parent = s.references?.find((r) => r.refType === 'CHILD_OF' && r.traceID === t.traceID);
    const isRoot = !parent || !ids.has(parent.spanID);
    // A span without any parent beats one whose parent is missing; then the earliest.
    if (isRoot) {
      const better =
        !root ||
        (!parent && rootHasParent) ||
        (!parent === !rootHasParent && s.startTime < root.startTime);
      if (better) {
        root = s;
        rootHasParent = !!parent;
      }
    }
    const error = s.tags?.some((tag) => tag.key === 'error' && (tag.value === true || tag.value === 'true')) ?? false;
    if (error) errors++;
    const name = t.processes[s.processID]?.serviceName ?? 'unknown service';
    let c = services.get(name);
    if (!c) services.set(name, (c = { name, spans: 0, errors: 0 }));
    c.spans++;
    if (error) c.errors++;
  }
  const r = root as JaegerSpan | null;
  return {
    traceId: normalizeTraceId(t.traceID),
    rootService: r ? (t.processes[r.processID]?.serviceName ?? '') : '',
    rootName: r ? r.operationName : '',
    startMs: Number.isFinite(start) ? start / 1000 : 0,
    durationMs: Number.isFinite(end) ? (end - start) / 1000 : 0,
    spanCount: t.spans.length,
    errorCount: errors,
    services: [...services.values()].sort((a, b) => b.spans - a.spans || a.name.localeCompare(b.name)),
  };
}

function warningsOf(errors: { code: number; msg: string }[] | null | undefined): string[] {
  return (errors ?? []).map((e) => e.msg);
}

export async function searchJaeger(s: JaegerSearch, signal: AbortSignal): Promise<SearchResult> {
  const tags = parseLogfmt(s.tags);
  const body = await getJson<JaegerEnvelope<JaegerTrace[]>>(
    'jaeger/api/traces',
    {
      service: s.service,
      operation: s.operation || undefined,
      tags: Object.keys(tags).length ? JSON.stringify(tags) : undefined,
      minDuration: s.minDuration || undefined,
      maxDuration: s.maxDuration || undefined,
      start: String(Math.floor(s.startMs * 1000)),
      end: String(Math.ceil(s.endMs * 1000)),
      limit: String(s.limit),
    },
    signal,
  );
  return { traces: (body.data ?? []).map(summarizeJaeger), warnings: warningsOf(body.errors) };
}

interface TempoSearchBody {
  traces?: {
    traceID: string;
    rootServiceName?: string;
    rootTraceName?: string;
    startTimeUnixNano?: string;
    durationMs?: number;
    spanSets?: { matched?: number }[];
    spanSet?: { matched?: number };
  }[];
  warnings?: string[];
}

export async function searchTraceQL(s: TraceQLSearch, signal: AbortSignal): Promise<SearchResult> {
  const body = await getJson<TempoSearchBody>(
    'api/search',
    {
      q: s.q,
      start: String(Math.floor(s.startMs / 1000)),
      end: String(Math.ceil(s.endMs / 1000)),
      limit: String(s.limit),
    },
    signal,
  );
  const traces: TraceSummary[] = (body.traces ?? []).map((t) => {
    const sets = t.spanSets ?? (t.spanSet ? [t.spanSet] : []);
    const start = t.startTimeUnixNano ?? '0';
    return {
      traceId: normalizeTraceId(t.traceID),
      rootService: t.rootServiceName ?? '',
      rootName: t.rootTraceName ?? '',
      // Nanoseconds exceed 2^53: the milliseconds are the digits before the last six.
      startMs: Number(start.slice(0, -6) || '0') + Number(start.slice(-6)) / 1e6,
      durationMs: t.durationMs ?? 0,
      matched: sets.reduce((n, set) => n + (set.matched ?? 0), 0),
    };
  });
  // Tempo's results carry no span counts or services: the traces themselves have them. If that
  // second request fails, the list still shows what the search said.
  const warnings = body.warnings ?? [];
  if (traces.length) {
    try {
      const whole = await getJson<JaegerEnvelope<JaegerTrace[]>>(
        'jaeger/api/traces',
        { traceID: traces.map((t) => t.traceId) },
        signal,
      );
      const byId = new Map((whole.data ?? []).map((t) => [normalizeTraceId(t.traceID), summarizeJaeger(t)]));
      for (const t of traces) {
        const full = byId.get(t.traceId);
        if (!full) continue;
        t.spanCount = full.spanCount;
        t.errorCount = full.errorCount;
        t.services = full.services;
        t.durationMs = full.durationMs; // Tempo rounds to whole milliseconds
        if (!t.rootService || t.rootService.startsWith('<')) {
          t.rootService = full.rootService;
          t.rootName = full.rootName;
        }
      }
    } catch (e) {
      if (signal.aborted) throw e;
      warnings.push(`span counts unavailable: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { traces, warnings };
}
