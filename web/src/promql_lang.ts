// What the PromQL editor knows about the language itself: keywords, aggregations and functions
// with their signatures (Prometheus 3's tables, as tidemark's parser checks them in
// query/function_table.cc), and a tokenizer that also reports the context a completion needs.
import type { Token } from './editor';

// Argument shorthands in the signatures below.
const V = 'instant-vector';
const M = 'range-vector';
const S = 'scalar';
const T = 'string';

// Function name -> arguments shown as its completion detail ("[...]" optional, "..." repeated),
// with the result type when it is not an instant vector.
export const FUNCTIONS: Record<string, string> = {
  abs: V,
  absent: V,
  absent_over_time: M,
  acos: V,
  acosh: V,
  asin: V,
  asinh: V,
  atan: V,
  atanh: V,
  avg_over_time: M,
  ceil: V,
  changes: M,
  clamp: `${V}, min ${S}, max ${S}`,
  clamp_max: `${V}, max ${S}`,
  clamp_min: `${V}, min ${S}`,
  cos: V,
  cosh: V,
  count_over_time: M,
  day_of_month: `[${V}]`,
  day_of_week: `[${V}]`,
  day_of_year: `[${V}]`,
  days_in_month: `[${V}]`,
  deg: V,
  delta: M,
  deriv: M,
  double_exponential_smoothing: `${M}, sf ${S}, tf ${S}`,
  end: `) → ${S}`,
  exp: V,
  first_over_time: M,
  floor: V,
  histogram_avg: V,
  histogram_count: V,
  histogram_fraction: `lower ${S}, upper ${S}, ${V}`,
  histogram_quantile: `φ ${S}, ${V}`,
  histogram_quantiles: `${V}, label ${T}, φ ${S}...`,
  histogram_stddev: V,
  histogram_stdvar: V,
  histogram_sum: V,
  hour: `[${V}]`,
  idelta: M,
  increase: M,
  info: `${V}, [selector]`,
  integral: `${M}, [${S}]`,
  irate: M,
  label_join: `${V}, dst ${T}, separator ${T}, src ${T}...`,
  label_replace: `${V}, dst ${T}, replacement ${T}, src ${T}, regex ${T}`,
  last_over_time: M,
  ln: V,
  log10: V,
  log2: V,
  mad_over_time: M,
  max_of: `${S}, ${S}) → ${S}`,
  max_over_time: M,
  min_of: `${S}, ${S}) → ${S}`,
  min_over_time: M,
  minute: `[${V}]`,
  month: `[${V}]`,
  pi: `) → ${S}`,
  predict_linear: `${M}, t ${S}`,
  present_over_time: M,
  quantile_over_time: `φ ${S}, ${M}`,
  rad: V,
  range: `) → ${S}`,
  rate: M,
  resets: M,
  round: `${V}, [to_nearest ${S}]`,
  scalar: `${V}) → ${S}`,
  sgn: V,
  sin: V,
  sinh: V,
  sort: V,
  sort_by_label: `${V}, label ${T}...`,
  sort_by_label_desc: `${V}, label ${T}...`,
  sort_desc: V,
  sqrt: V,
  start: `) → ${S}`,
  stddev_over_time: M,
  stdvar_over_time: M,
  step: `) → ${S}`,
  sum_over_time: M,
  tan: V,
  tanh: V,
  time: `) → ${S}`,
  timestamp: V,
  ts_of_first_over_time: M,
  ts_of_last_over_time: M,
  ts_of_max_over_time: M,
  ts_of_min_over_time: M,
  vector: S,
  year: `[${V}]`,
};

// Aggregation -> its form.
export const AGGREGATIONS: Record<string, string> = {
  sum: 'sum by|without (labels) (vector)',
  avg: 'avg by|without (labels) (vector)',
  count: 'count by|without (labels) (vector)',
  min: 'min by|without (labels) (vector)',
  max: 'max by|without (labels) (vector)',
  group: 'group by|without (labels) (vector)',
  stddev: 'stddev by|without (labels) (vector)',
  stdvar: 'stdvar by|without (labels) (vector)',
  topk: 'topk(k, vector)',
  bottomk: 'bottomk(k, vector)',
  limitk: 'limitk(k, vector)',
  limit_ratio: 'limit_ratio(ratio, vector)',
  quantile: 'quantile(φ, vector)',
  count_values: 'count_values("label", vector)',
};

// Keywords (case-insensitive, as Prometheus' lexer reads them) -> what they do.
export const KEYWORDS: Record<string, string> = {
  and: 'intersection',
  or: 'union',
  unless: 'complement',
  atan2: 'arc tangent of two vectors',
  by: 'keep these labels',
  without: 'drop these labels',
  on: 'match on these labels',
  ignoring: 'match ignoring these labels',
  group_left: 'many-to-one matching',
  group_right: 'one-to-many matching',
  offset: 'shift the selector back in time',
  bool: 'comparison returns 0 or 1',
};

// Keywords whose next "(" opens a list of label names.
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
export const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

export function functionDetail(name: string): string {
  const args = FUNCTIONS[name];
  if (args === undefined) return '';
  return args.includes(')') ? `${name}(${args}` : `${name}(${args})`;
}

// A token with where it is and what surrounds it, for completion.
export interface ScannedToken extends Token {
  start: number;
  inBraces: boolean; // inside {...}: label matchers
  inLabelList: boolean; // inside by (...), on (...), ...
  unterminated?: boolean; // a string without its closing quote
}

export interface ScanState {
  tokens: ScannedToken[];
  inBraces: boolean;
  braceMetric: string | null; // the metric name written before the open "{", if any
  matchers: string[]; // the complete matchers seen so far in the open braces (label op "value")
  inLabelList: boolean;
  afterAt: boolean;
}

const WORD_START = /[A-Za-z_:]/;
const WORD = /[A-Za-z0-9_:]*/y;
const DURATION = /(?:\d+(?:ms|[smhdwy]))+(?![A-Za-z0-9_:])/y;
const NUMBER = /0[xX][0-9a-fA-F]+|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const OPERATORS = ['=~', '!~', '!=', '==', '<=', '>=', '+', '-', '*', '/', '%', '^', '=', '<', '>', ',', '(', ')', '[', ']', '{', '}', '@', ':'];

function matchAt(re: RegExp, text: string, at: number): string | null {
  re.lastIndex = at;
  const m = re.exec(text);
  return m && m[0].length > 0 ? m[0] : null;
}

// The end of the string opened by the quote at `at`: the index after its closing quote, or -1
// (with where the text stops) when it is not closed on its line.
export function stringEnd(text: string, at: number): { end: number; closed: boolean } {
  const quote = text[at];
  let i = at + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { end: i + 1, closed: true };
    if (quote !== '`' && c === '\\') {
      i += 2;
      continue;
    }
    if (quote !== '`' && c === '\n') break;
    i++;
  }
  return { end: Math.min(i, text.length), closed: false };
}

// Splits PromQL into tokens, tracking whether each is inside label matchers or a label list, so
// identifiers there are labels and elsewhere metrics, functions or keywords.
export function scan(text: string): ScanState {
  const state: ScanState = {
    tokens: [],
    inBraces: false,
    braceMetric: null,
    matchers: [],
    inLabelList: false,
    afterAt: false,
  };
  let groupingPending = false;
  let i = 0;
  const push = (end: number, kind: string, unterminated = false) => {
    const token: ScannedToken = {
      text: text.slice(i, end),
      kind,
      start: i,
      inBraces: state.inBraces,
      inLabelList: state.inLabelList,
    };
    if (unterminated) token.unterminated = true;
    state.tokens.push(token);
    i = end;
    if (kind !== 'plain' && kind !== 'comment') {
      if (!(kind === 'operator' && token.text === '(')) groupingPending = false;
      if (!(kind === 'operator' && token.text === '@')) state.afterAt = false;
    }
  };
  // The last few significant tokens, to recognise `label op "value"` as a complete matcher.
  const significant = (back: number): ScannedToken | undefined => {
    let seen = 0;
    for (let k = state.tokens.length - 1; k >= 0; k--) {
      const t = state.tokens[k];
      if (t.kind === 'plain' || t.kind === 'comment') continue;
      if (seen === back) return t;
      seen++;
    }
    return undefined;
  };
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      push(j, 'plain');
      continue;
    }
    if (c === '#') {
      const j = text.indexOf('\n', i);
      push(j < 0 ? text.length : j, 'comment');
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const { end, closed } = stringEnd(text, i);
      push(end, 'string', !closed);
      if (state.inBraces && closed) {
        const op = significant(1);
        const label = significant(2);
        if (op && label && MATCH_OPS.has(op.text) && (label.kind === 'label' || label.kind === 'string')) {
          state.matchers.push(text.slice(label.start, end));
        }
      }
      continue;
    }
    if (/\d/.test(c) || (c === '.' && /\d/.test(text[i + 1] ?? ''))) {
      const duration = matchAt(DURATION, text, i);
      if (duration) {
        push(i + duration.length, 'duration');
        continue;
      }
      const number = matchAt(NUMBER, text, i) ?? c;
      push(i + number.length, 'number');
      continue;
    }
    if (WORD_START.test(c)) {
      const word = matchAt(WORD, text, i) ?? c;
      const lower = word.toLowerCase();
      let kind: string;
      if (state.inBraces || state.inLabelList) kind = 'label';
      else if (lower === 'inf' || lower === 'nan') kind = 'number';
      else if (state.afterAt && (lower === 'start' || lower === 'end')) kind = 'keyword';
      else if (lower in KEYWORDS) kind = 'keyword';
      else if (lower in AGGREGATIONS) kind = 'function';
      else if (word in FUNCTIONS && /^\s*\(/.test(text.slice(i + word.length))) kind = 'function';
      else kind = 'metric';
      push(i + word.length, kind);
      if (kind === 'keyword' && GROUPING.has(lower)) groupingPending = true;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) {
      push(i + 1, 'plain');
      continue;
    }
    if (op === '{') {
      const before = significant(0);
      state.braceMetric = before && before.kind === 'metric' ? before.text : null;
      state.matchers = [];
    }
    const opensList = op === '(' && groupingPending;
    push(i + op.length, 'operator');
    if (op === '{') state.inBraces = true;
    else if (op === '}') state.inBraces = false;
    else if (opensList) state.inLabelList = true;
    else if (op === ')' && state.inLabelList) state.inLabelList = false;
    else if (op === '@') state.afterAt = true;
  }
  return state;
}

// The Editor's tokenize: just the tokens.
export function tokenize(text: string): Token[] {
  return scan(text).tokens;
}
