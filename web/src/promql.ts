// The PromQL editor's language support: highlighting (promql_lang.ts), completion of functions,
// metric names, label names and label values from the metadata APIs, and the server's parse
// errors turned into marks at their position.
import { ApiError, getJson, promData, tenant } from './api';
import type { Completion, CompletionResult, ErrorMark } from './editor';
import {
  AGGREGATIONS,
  FUNCTIONS,
  KEYWORDS,
  MATCH_OPS,
  functionDetail,
  scan,
  stringEnd,
  type ScannedToken,
} from './promql_lang';

export { tokenize } from './promql_lang';

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

// Answers of the metadata APIs, kept for a minute per tenant: completion asks on every keystroke.
const CACHE_MS = 60_000;
const cache = new Map<string, { at: number; value: Promise<unknown> }>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const k = `${tenant()}\u0000${key}`;
  const hit = cache.get(k);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>;
  const value = load();
  cache.set(k, { at: Date.now(), value });
  value.catch(() => cache.delete(k));
  return value;
}

// A selector matching one metric name, written so any name (UTF-8 ones too) is valid.
export function nameSelector(name: string): string {
  return `{__name__=${JSON.stringify(name)}}`;
}

export function metricNames(): Promise<string[]> {
  return cached('names', () => promData<string[]>('api/v1/label/__name__/values'));
}

export function metadata(): Promise<Record<string, MetricMetadata[]>> {
  return cached('metadata', () => promData<Record<string, MetricMetadata[]>>('api/v1/metadata'));
}

// The metadata of a series name: its own, or its family's (histograms' _bucket, _sum and _count
// series, counters' _total, are described under the family name).
export function metadataFor(name: string, all: Record<string, MetricMetadata[]>): MetricMetadata | undefined {
  const own = all[name]?.[0];
  if (own) return own;
  const m = /^(.*)_(bucket|sum|count|total|created|info)$/.exec(name);
  return m ? all[m[1]]?.[0] : undefined;
}

function labelNames(match: string | null): Promise<string[]> {
  return cached(`labels\u0000${match ?? ''}`, () =>
    promData<string[]>('api/v1/labels', { 'match[]': match ?? undefined }),
  );
}

function labelValues(label: string, match: string | null): Promise<string[]> {
  return cached(`values\u0000${label}\u0000${match ?? ''}`, () =>
    promData<string[]>(`api/v1/label/${encodeURIComponent(label)}/values`, { 'match[]': match ?? undefined }),
  );
}

// Items whose label starts with `word` first, then those containing it (case-insensitive),
// without repeats.
function filter(items: Completion[], word: string): Completion[] {
  const w = word.toLowerCase();
  const prefix: Completion[] = [];
  const inside: Completion[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.label)) continue;
    const l = item.label.toLowerCase();
    if (l.startsWith(w)) prefix.push(item);
    else if (w && l.includes(w)) inside.push(item);
    else continue;
    seen.add(item.label);
  }
  if (prefix.length === 1 && inside.length === 0 && prefix[0].label === word) return [];
  return prefix.concat(inside).slice(0, 200);
}

function quote(value: string, q: string): string {
  if (q === '`') return value;
  return value.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), '\\' + q).replace(/\n/g, '\\n');
}

function significantBefore(tokens: ScannedToken[], index: number, back = 0): ScannedToken | undefined {
  let seen = 0;
  for (let k = index - 1; k >= 0; k--) {
    const t = tokens[k];
    if (t.kind === 'plain' || t.kind === 'comment') continue;
    if (seen === back) return t;
    seen++;
  }
  return undefined;
}

// The metric a label list belongs to: the nearest metric name before the cursor, else after it.
function nearestMetric(text: string, cursor: number): string | null {
  let before: string | null = null;
  for (const t of scan(text).tokens) {
    if (t.kind !== 'metric') continue;
    if (t.start < cursor) before = t.text;
    else return before ?? t.text;
  }
  return before;
}

// The selector label names and values are asked for: the metric and the other matchers already
// written in the same braces.
function matchFor(metric: string | null, matchers: string[]): string | null {
  const parts = [...(metric ? [`__name__=${JSON.stringify(metric)}`] : []), ...matchers];
  return parts.length ? `{${parts.join(', ')}}` : null;
}

// UTF-8 names (kept by the NoTranslation strategies) are written quoted.
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function labelNameItems(match: string | null): Promise<Completion[]> {
  const names = await labelNames(match);
  return names
    .filter((n) => n !== '__name__')
    .map((n) => ({ label: n, kind: 'label', insert: LABEL_NAME.test(n) ? undefined : JSON.stringify(n) }));
}

async function expressionItems(afterExpression: boolean): Promise<Completion[]> {
  const keywordItems = Object.entries(KEYWORDS).map(([k, d]) => ({ label: k, kind: 'keyword', detail: d }));
  if (afterExpression) return keywordItems; // after a value only operators can follow
  const [names, meta] = await Promise.all([metricNames(), metadata().catch(() => ({}))]);
  const metrics = names.map((n): Completion => {
    const m = metadataFor(n, meta);
    return {
      label: n,
      kind: 'metric',
      detail: m ? [m.type, m.help].filter(Boolean).join(' · ') : undefined,
      insert: METRIC_NAME.test(n) ? undefined : `{${JSON.stringify(n)}}`,
    };
  });
  const aggregations = Object.entries(AGGREGATIONS).map(([k, d]) => ({ label: k, kind: 'function', detail: d }));
  const functions = Object.keys(FUNCTIONS).map((k) => ({ label: k, kind: 'function', detail: functionDetail(k) }));
  return [...metrics, ...aggregations, ...functions]; // binary keywords need a value before them
}

const VALUE_END = new Set(['metric', 'number', 'duration', 'string']);

// Completions for the word under `cursor`, with the range of text they replace.
export async function complete(text: string, cursor: number): Promise<CompletionResult | null> {
  const state = scan(text.slice(0, cursor));
  const { tokens } = state;
  const last = tokens[tokens.length - 1];

  // Inside a quoted label value: values of that label.
  if (last && last.kind === 'string' && last.unterminated) {
    const op = significantBefore(tokens, tokens.length - 1);
    const label = significantBefore(tokens, tokens.length - 1, 1);
    if (!last.inBraces || !op || !MATCH_OPS.has(op.text) || !label || label.kind !== 'label') return null;
    const q = last.text[0];
    const { end, closed } = stringEnd(text, last.start);
    const typed = last.text.slice(1);
    const values = await labelValues(label.text, matchFor(state.braceMetric, state.matchers));
    const items = filter(
      values.map((v) => ({ label: v, kind: 'value', insert: quote(v, q) + (closed ? '' : q) })),
      typed,
    );
    return { from: last.start + 1, to: closed ? end - 1 : cursor, items };
  }

  // The word the cursor is in or just after.
  let from = cursor;
  while (from > 0 && /[A-Za-z0-9_:]/.test(text[from - 1])) from--;
  let to = cursor;
  while (to < text.length && /[A-Za-z0-9_:]/.test(text[to])) to++;
  const word = text.slice(from, cursor);
  if (/^\d/.test(word)) return null; // a number or duration
  // The context is what comes before the word.
  const wordToken = word && last && last.start + last.text.length === cursor && last.start === from ? last : undefined;
  const index = wordToken ? tokens.length - 1 : tokens.length;
  const before = significantBefore(tokens, index);
  const inBraces = wordToken ? wordToken.inBraces : state.inBraces;
  const inLabelList = wordToken ? wordToken.inLabelList : state.inLabelList;

  if (inBraces) {
    if (before && MATCH_OPS.has(before.text)) {
      // A label value not quoted yet: inserted with its quotes.
      const label = significantBefore(tokens, index, 1);
      if (!label || label.kind !== 'label') return null;
      const values = await labelValues(label.text, matchFor(state.braceMetric, state.matchers));
      const items = filter(values.map((v) => ({ label: v, kind: 'value', insert: JSON.stringify(v) })), word);
      return { from, to, items };
    }
    if (!before || before.text === '{' || before.text === ',') {
      const items = await labelNameItems(matchFor(state.braceMetric, []));
      return { from, to, items: filter(items, word) };
    }
    return null;
  }
  if (inLabelList) {
    if (before && (before.text === '(' || before.text === ',')) {
      const metric = nearestMetric(text, cursor);
      const items = await labelNameItems(metric ? matchFor(metric, []) : null);
      return { from, to, items: filter(items, word) };
    }
    return null;
  }
  if (before && before.text === '[') return null; // a duration comes next
  const afterExpression = !!before && (VALUE_END.has(before.kind) || [')', ']', '}'].includes(before.text));
  if (!word && afterExpression) return null; // nothing typed after a value: no suggestions
  const items = await expressionItems(afterExpression);
  return { from, to, items: filter(items, word) };
}

// UTF-8 byte offset within `line` -> the string offset (the server counts bytes).
function byteToOffset(line: string, bytes: number): number {
  const encoder = new TextEncoder();
  let count = 0;
  let i = 0;
  for (const ch of line) {
    if (count >= bytes) break;
    count += encoder.encode(ch).length;
    i += ch.length;
  }
  return i;
}

// A server's parse error ("1:13: parse error: ...", or the older "parse error at char 13: ...")
// as a mark on the token it points at; null when the message names no position.
export function parseErrorMark(text: string, message: string): ErrorMark | null {
  let offset: number;
  let reason: string;
  const lineCol = /(\d+):(\d+): parse error: (.*)$/s.exec(message);
  const atChar = /parse error at char (\d+): (.*)$/s.exec(message);
  if (lineCol) {
    const lines = text.split('\n');
    const line = Math.min(Math.max(Number(lineCol[1]), 1), lines.length);
    const col = Math.max(Number(lineCol[2]), 1);
    offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + byteToOffset(lines[line - 1], col - 1);
    reason = lineCol[3];
  } else if (atChar) {
    offset = byteToOffset(text, Math.max(Number(atChar[1]) - 1, 0));
    reason = atChar[2];
  } else {
    return null;
  }
  offset = Math.min(offset, text.length);
  const token = scan(text).tokens.find((t) => t.start <= offset && offset < t.start + t.text.length);
  const end = token && token.kind !== 'plain' ? token.start + token.text.length : offset + 1;
  const pos = lineCol ? `${lineCol[1]}:${lineCol[2]}` : `char ${atChar?.[1]}`;
  return { start: offset, end: Math.min(end, Math.max(text.length, offset + 1)), message: `${pos}: ${reason}` };
}

// Asks the server to parse `query`: the error mark, or null when it parses. Other failures
// (the server unreachable) are not parse errors and mark nothing.
export async function checkSyntax(query: string, signal: AbortSignal): Promise<ErrorMark | null> {
  try {
    await getJson('api/v1/parse_query', { query }, signal);
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) {
      return parseErrorMark(query, e.message);
    }
    throw e;
  }
}
