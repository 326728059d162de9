// TraceQL for the query editor: a tokenizer for highlighting (never throws; the tokens' texts
// always add up to the input) and completion of attribute names, intrinsics, pipeline functions
// and attribute values, from Tempo's tag APIs (api/v2/search/tags, api/v2/search/tag/<t>/values).
// The language is Tempo's, as docs/traceql.md describes what tidemark accepts.
import { getJson } from './api';
import type { Completion, CompletionResult, ErrorMark, Token } from './editor';

export const INTRINSICS = [
  'name',
  'status',
  'statusMessage',
  'kind',
  'duration',
  'traceDuration',
  'rootName',
  'rootServiceName',
  'nestedSetLeft',
  'nestedSetRight',
  'nestedSetParent',
];
export const COLON_INTRINSICS = [
  'span:id',
  'span:parentID',
  'span:name',
  'span:status',
  'span:statusMessage',
  'span:kind',
  'span:duration',
  'trace:id',
  'trace:rootService',
  'trace:rootName',
  'trace:duration',
  'event:name',
  'event:timeSinceStart',
  'link:spanID',
  'link:traceID',
  'instrumentation:name',
  'instrumentation:version',
];
const SCOPES = ['span', 'resource', 'event', 'link', 'instrumentation', 'parent'];
const COLON_SCOPES = ['span', 'trace', 'event', 'link', 'instrumentation'];
export const STATUS_VALUES = ['error', 'ok', 'unset'];
export const KIND_VALUES = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'];
const CONSTANTS = new Set([...STATUS_VALUES, ...KIND_VALUES, 'true', 'false', 'nil']);
const FUNCTIONS = new Set([
  'count',
  'avg',
  'min',
  'max',
  'sum',
  'by',
  'select',
  'coalesce',
  'with',
  'rate',
  'count_over_time',
  'min_over_time',
  'max_over_time',
  'avg_over_time',
  'sum_over_time',
  'quantile_over_time',
  'histogram_over_time',
  'compare',
  'topk',
  'bottomk',
]);
const INTRINSIC_SET = new Set([...INTRINSICS, 'childCount', 'parent']);
// Longest first, so that ">>" is not read as ">" ">".
const OPERATORS = [
  '!>>', '!<<', '&>>', '&<<', '>>', '<<', '!>', '!<', '!~', '&>', '&<', '&~', '>=', '<=', '!=', '=~',
  '&&', '||', '=', '>', '<', '~', '!', '|', '+', '-', '*', '/', '%', '^', '{', '}', '(', ')', ',',
];
export const COMPARISONS = new Set(['=', '!=', '=~', '!~', '>', '<', '>=', '<=']);
// What ends an attribute name (docs/traceql.md): whitespace or one of these.
const NAME_END = new Set([...'{}()=~!<>&|^,']);

const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))+/;
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

// The end of an attribute name starting at `i` (after its scope's dot): quoted parts may hold any
// character, escapes \" and \\.
function nameEnd(text: string, i: number): number {
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i = Math.min(text.length, i + 1);
      continue;
    }
    if (/\s/.test(c) || NAME_END.has(c)) break;
    i++;
  }
  return i;
}

export function tokenizeTraceQL(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (end: number, kind: string) => {
    out.push({ text: text.slice(i, end), kind });
    i = end;
  };
  while (i < text.length) {
    const c = text[i];
    const rest = text.slice(i, i + 64);
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      push(j, 'plain');
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      push(Math.min(text.length, j + 1), 'string');
    } else if (c === '/' && text[i + 1] === '/') {
      const j = text.indexOf('\n', i);
      push(j < 0 ? text.length : j, 'comment');
    } else if (c === '.' && !/\d/.test(text[i + 1] ?? '')) {
      push(nameEnd(text, i + 1), 'attribute'); // .name: span or resource attribute (or its start)
    } else if (/[\d.]/.test(c) && NUMBER.test(text.slice(i))) {
      const d = DURATION.exec(text.slice(i));
      if (d) push(i + d[0].length, 'duration');
      else push(i + NUMBER.exec(text.slice(i))![0].length, 'number');
    } else if (IDENT.test(rest)) {
      const word = IDENT.exec(text.slice(i))![0];
      const after = text[i + word.length];
      if (after === '.' && SCOPES.includes(word)) {
        push(nameEnd(text, i + word.length + 1), 'attribute');
      } else if (after === ':' && COLON_SCOPES.includes(word)) {
        const m = IDENT.exec(text.slice(i + word.length + 1));
        push(i + word.length + 1 + (m ? m[0].length : 0), 'keyword');
      } else if (INTRINSIC_SET.has(word)) {
        push(i + word.length, 'keyword');
      } else if (CONSTANTS.has(word)) {
        push(i + word.length, 'number');
      } else if (FUNCTIONS.has(word)) {
        push(i + word.length, 'function');
      } else {
        push(i + word.length, 'plain');
      }
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      push(i + (op ? op.length : 1), op ? 'operator' : 'plain');
    }
  }
  return out;
}

// A parse error as the server words it ("parse error at line 1, col 12: ...") marked in the text.
export function errorMarkFromMessage(text: string, message: string): ErrorMark | null {
  const m = /line (\d+), col(?:umn)? (\d+)/.exec(message);
  if (!m) return null;
  const lines = text.split('\n');
  const line = Math.max(1, Math.min(lines.length, Number(m[1])));
  let offset = 0;
  for (let l = 0; l < line - 1; l++) offset += lines[l].length + 1;
  offset += Math.max(0, Number(m[2]) - 1);
  offset = Math.min(offset, text.length);
  // Mark the token that starts there (at least one character).
  let end = offset + 1;
  let pos = 0;
  for (const t of tokenizeTraceQL(text)) {
    if (pos <= offset && offset < pos + t.text.length) {
      end = pos + t.text.length;
      break;
    }
    pos += t.text.length;
  }
  return { start: offset, end, message };
}

// Where completions come from: the server's tag names and values.
export interface TagSource {
  tags(): Promise<{ span: string[]; resource: string[]; intrinsic: string[] }>;
  values(tag: string): Promise<{ type: string; value: string }[]>;
}

// The server's tag APIs, answers kept for a minute (a search page asks them on every keystroke).
export function serverTagSource(): TagSource {
  let tags: { at: number; value: Promise<{ span: string[]; resource: string[]; intrinsic: string[] }> } | null = null;
  const values = new Map<string, { at: number; value: Promise<{ type: string; value: string }[]> }>();
  const fresh = (at: number) => Date.now() - at < 60000;
  return {
    tags() {
      if (!tags || !fresh(tags.at)) {
        const value = getJson<{ scopes?: { name: string; tags?: string[] }[] }>('api/v2/search/tags').then((body) => {
          const of = (name: string) => body.scopes?.find((s) => s.name === name)?.tags ?? [];
          return { span: of('span'), resource: of('resource'), intrinsic: of('intrinsic') };
        });
        value.catch(() => (tags = null));
        tags = { at: Date.now(), value };
      }
      return tags.value;
    },
    values(tag: string) {
      const hit = values.get(tag);
      if (hit && fresh(hit.at)) return hit.value;
      const value = getJson<{ tagValues?: { type: string; value: string }[] }>(
        `api/v2/search/tag/${encodeURIComponent(tag)}/values`,
      ).then((body) => body.tagValues ?? []);
      value.catch(() => values.delete(tag));
      values.set(tag, { at: Date.now(), value });
      return value;
    },
  };
}

// A TraceQL string literal.
export function quoteTraceQL(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

// An attribute name with its scope, quoted when it holds a character that would end it.
export function scopedName(scope: string, name: string): string {
  return /[\s{}()=~!<>&|^,"]/.test(name) ? `${scope}.${quoteTraceQL(name)}` : `${scope}.${name}`;
}

interface Located extends Token {
  start: number;
  end: number;
}

function locate(text: string): Located[] {
  let pos = 0;
  return tokenizeTraceQL(text).map((t) => {
    const l = { ...t, start: pos, end: pos + t.text.length };
    pos = l.end;
    return l;
  });
}

const PIPELINE: Completion[] = [
  { label: 'count()', kind: 'function', detail: 'spans in the spanset' },
  { label: 'avg', insert: 'avg(', kind: 'function', detail: 'average of an attribute' },
  { label: 'min', insert: 'min(', kind: 'function', detail: 'minimum of an attribute' },
  { label: 'max', insert: 'max(', kind: 'function', detail: 'maximum of an attribute' },
  { label: 'sum', insert: 'sum(', kind: 'function', detail: 'sum of an attribute' },
  { label: 'by', insert: 'by(', kind: 'function', detail: 'split spansets by a value' },
  { label: 'select', insert: 'select(', kind: 'function', detail: 'report attributes' },
  { label: 'coalesce()', kind: 'function', detail: 'merge spansets' },
];
const SPANSET_OPS: Completion[] = [
  { label: '&&', kind: 'keyword', detail: 'both spansets' },
  { label: '||', kind: 'keyword', detail: 'either spanset' },
  { label: '>', kind: 'keyword', detail: 'children of' },
  { label: '>>', kind: 'keyword', detail: 'descendants of' },
  { label: '<', kind: 'keyword', detail: 'parents of' },
  { label: '<<', kind: 'keyword', detail: 'ancestors of' },
  { label: '~', kind: 'keyword', detail: 'siblings of' },
  { label: '!>>', kind: 'keyword', detail: 'not descendants of' },
  { label: '|', kind: 'keyword', detail: 'pipeline' },
];
const COMPARISON_ITEMS: Completion[] = ['=', '!=', '=~', '!~', '>', '>=', '<', '<='].map((op) => ({
  label: op,
  kind: 'keyword',
}));

function matching(items: Completion[], prefix: string): Completion[] {
  const p = prefix.toLowerCase();
  if (!p) return items;
  const starts = items.filter((c) => c.label.toLowerCase().startsWith(p));
  // Then names whose part after the scope starts with the prefix ("gen" finds span.gen_ai.*).
  const inner = items.filter(
    (c) => !c.label.toLowerCase().startsWith(p) && c.label.toLowerCase().replace(/^[a-z]*[.:]/, '').startsWith(p.replace(/^\./, '')),
  );
  return [...starts, ...inner];
}

async function attributeItems(source: TagSource, word: string): Promise<Completion[]> {
  const tags = await source.tags();
  const items: Completion[] = [];
  const add = (scope: string, names: string[], detail: string) => {
    for (const n of names) items.push({ label: scopedName(scope, n), kind: 'attribute', detail });
  };
  if (word.startsWith('span.')) add('span', tags.span, 'span attribute');
  else if (word.startsWith('resource.')) add('resource', tags.resource, 'resource attribute');
  else if (word.startsWith('.')) {
    const both = [...new Set([...tags.span, ...tags.resource])].sort();
    for (const n of both) items.push({ label: scopedName('', n), kind: 'attribute', detail: 'span or resource' });
  } else {
    for (const n of [...INTRINSICS, ...COLON_INTRINSICS]) items.push({ label: n, kind: 'keyword', detail: 'intrinsic' });
    add('resource', tags.resource, 'resource attribute');
    add('span', tags.span, 'span attribute');
  }
  return matching(items, word);
}

async function valueItems(source: TagSource, attribute: string, op: string, prefix: string): Promise<Completion[]> {
  const name = attribute.startsWith('span:') ? attribute.slice(5) : attribute;
  const regex = op === '=~' || op === '!~';
  let values: { type: string; value: string }[];
  if (name === 'status') values = STATUS_VALUES.map((v) => ({ type: 'keyword', value: v }));
  else if (name === 'kind') values = KIND_VALUES.map((v) => ({ type: 'keyword', value: v }));
  else if (name === 'name' || /^(span|resource)?\./.test(attribute)) values = await source.values(attribute);
  else return [];
  const items = values.map((v) => {
    const quoted = v.type === 'string' || regex;
    return {
      label: quoted ? quoteTraceQL(v.value) : v.value,
      kind: 'value',
      detail: v.type,
    };
  });
  const p = prefix.toLowerCase();
  return items.filter((c) => c.label.toLowerCase().startsWith(p) || c.label.toLowerCase().startsWith('"' + p.replace(/^"/, '')));
}

// Completions at `cursor`: what may come there and the range of text they replace.
export async function completeTraceQL(text: string, cursor: number, source: TagSource): Promise<CompletionResult | null> {
  const tokens = locate(text);
  // The word under the cursor: the token the cursor is in or at the end of, unless that is
  // whitespace, an operator or a finished string (then the word is empty, at the cursor).
  const k = tokens.findIndex((t) => t.start < cursor && cursor <= t.end);
  const current = k >= 0 ? tokens[k] : null;
  const finishedString = (t: Located) =>
    t.kind === 'string' && t.text.length > 1 && t.text.endsWith(t.text[0]) && cursor === t.end;
  const isWord = (t: Located) =>
    t.kind !== 'operator' &&
    t.kind !== 'comment' &&
    !finishedString(t) &&
    !(t.kind === 'plain' && !/^[A-Za-z_]/.test(t.text));
  let from = cursor;
  let to = cursor;
  let word = '';
  let firstBefore: number; // the index of the last token before the word
  if (current && isWord(current)) {
    from = current.start;
    to = current.end;
    word = text.slice(from, cursor);
    firstBefore = k - 1;
  } else {
    firstBefore = current ? k : tokens.findIndex((t) => t.start >= cursor) - 1;
    if (firstBefore < -1) firstBefore = tokens.length - 1;
  }
  // The significant tokens before the word, nearest first.
  const before: Located[] = [];
  for (let j = firstBefore; j >= 0 && before.length < 3; j--) {
    if (tokens[j].kind === 'plain' && /^\s+$/.test(tokens[j].text)) continue;
    before.push(tokens[j]);
  }
  const prev = before[0];
  let depth = 0;
  for (const t of tokens) {
    if (t.start >= from) break;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth = Math.max(0, depth - 1);
  }

  let items: Completion[] = [];
  if (prev && COMPARISONS.has(prev.text) && before[1] && (before[1].kind === 'attribute' || before[1].kind === 'keyword')) {
    items = await valueItems(source, before[1].text, prev.text, word);
  } else if (word.startsWith('.') || /^(span|resource)\./.test(word)) {
    items = await attributeItems(source, word);
  } else if (/^(event|link|instrumentation|parent)\./.test(word)) {
    return null; // tag discovery in these scopes is not served (docs/trace-api.md)
  } else if (prev && prev.text === '|') {
    items = matching(PIPELINE, word);
  } else if (prev && prev.text === '(' && before[1] && ['by', 'select', 'avg', 'min', 'max', 'sum'].includes(before[1].text)) {
    items = await attributeItems(source, word);
  } else if (depth > 0) {
    if (!prev || ['{', '&&', '||', '(', '!', ','].includes(prev.text)) items = await attributeItems(source, word);
    else if (!word && (prev.kind === 'attribute' || prev.kind === 'keyword')) items = COMPARISON_ITEMS;
    else if (word) items = await attributeItems(source, word);
  } else if (prev && (prev.text === '}' || prev.text === ')') && !word) {
    items = SPANSET_OPS;
  } else if (!prev && !word) {
    items = [{ label: '{ }', insert: '{ ', kind: 'keyword', detail: 'a spanset filter' }];
  }
  if (!items.length) return null;
  return { from, to, items };
}
