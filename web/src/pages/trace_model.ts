// One trace as the trace page uses it, built from Tempo's OTLP-shaped JSON
// (api/v2/traces/<id>: resources, scopes, events with attributes, links, status): the span tree,
// offsets relative to the trace's start, services and their colours, the critical path
// (critical_path.ts) and the GenAI usage. Plain data and loops, no rendering, so a trace of
// 10,000 spans is prepared in tens of milliseconds.

import { criticalPath } from './critical_path';

export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

export interface Attr {
  key: string;
  value: AttrValue;
}

export interface SpanEvent {
  name: string;
  offsetMs: number; // from the trace's start
  attributes: Attr[];
}

export interface SpanLink {
  traceId: string; // hex
  spanId: string;
  attributes: Attr[];
}

export interface Scope {
  name: string;
  version: string;
  attributes: Attr[];
}

export interface GenAI {
  system?: string;
  operation?: string;
  requestModel?: string;
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  cost?: number;
  costKey?: string;
  ttftMs?: number;
}

export interface SpanModel {
  index: number;
  spanId: string; // hex
  parentId: string; // hex, '' for a root
  name: string;
  kind: string; // server, client, producer, consumer, internal, unspecified
  service: string;
  resource: Attr[];
  scope: Scope;
  attributes: Attr[];
  events: SpanEvent[];
  links: SpanLink[];
  status: string; // unset, ok, error
  statusMessage: string;
  offsetMs: number; // start, from the trace's start
  durationMs: number;
  depth: number;
  parent: number; // index of the parent span, -1 for a root
  children: number[]; // indices, by start time
  missingParent: boolean; // has a parent id that is not in the trace
  genai: GenAI | null;
}

export interface ServiceInfo {
  name: string;
  spans: number;
  errors: number;
  color: string;
}

export interface TraceModel {
  traceId: string;
  spans: SpanModel[];
  roots: number[]; // spans without a parent in the trace, by start time
  order: number[]; // every span in depth-first order (the waterfall's order when all is open)
  startMs: number; // epoch milliseconds of the earliest span
  durationMs: number; // latest end minus earliest start
  services: ServiceInfo[];
  errors: number;
  maxDepth: number;
  root: SpanModel | null; // the earliest span without a parent id
  critical: Map<number, [number, number][]>; // span index -> its critical segments (offsets, ms)
  genai: { spans: number; inputTokens: number; outputTokens: number; cost: number; costSpans: number };
}

// OTLP/JSON as tidemark writes it (ingest/otlp_traces_out.cc).
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: string | number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpKeyValue[];
  events?: { timeUnixNano?: string | number; name?: string; attributes?: OtlpKeyValue[] }[];
  links?: { traceId?: string; spanId?: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: string | number; message?: string };
}
export interface OtlpTrace {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string; version?: string; attributes?: OtlpKeyValue[] };
      spans?: OtlpSpan[];
    }[];
  }[];
}

// Ids: Tempo's JSON writes them in base64 (its protobuf mapping); OTLP/JSON in hex. A string of
// 16 or 32 hex digits is taken as hex, anything else as base64.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function idToHex(id: string | undefined): string {
  if (!id) return '';
  if ((id.length === 16 || id.length === 32) && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
  try {
    const bytes = atob(id);
    let hex = '';
    for (let i = 0; i < bytes.length; i++) hex += HEX[bytes.charCodeAt(i)];
    return hex;
  } catch {
    return id;
  }
}

// A trace id as 32 lowercase hex digits (Jaeger drops a zero high half; Tempo keeps it).
export function normalizeTraceId(id: string): string {
  const hex = id.toLowerCase();
  return hex.length < 32 && /^[0-9a-f]+$/.test(hex) ? hex.padStart(32, '0') : hex;
}

function anyValue(v: OtlpAnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    // int64 in JSON is a string; beyond 2^53 it stays one rather than lose digits.
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) {
    const out: { [key: string]: AttrValue } = {};
    for (const kv of v.kvlistValue.values ?? []) out[kv.key] = anyValue(kv.value);
    return out;
  }
  return null;
}

function attrs(kvs: OtlpKeyValue[] | undefined): Attr[] {
  return (kvs ?? []).map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));
}

export function formatAttrValue(v: AttrValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function attrOf(list: Attr[], key: string): AttrValue | undefined {
  for (const a of list) if (a.key === key) return a.value;
  return undefined;
}

function enumName(v: string | number | undefined, prefix: string, byNumber: string[]): string {
  if (typeof v === 'number') return byNumber[v] ?? byNumber[0];
  if (!v) return byNumber[0];
  return v.startsWith(prefix) ? v.slice(prefix.length).toLowerCase() : v.toLowerCase();
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES = ['unset', 'ok', 'error'];

// Nanosecond timestamps exceed 2^53: they are split into seconds and nanoseconds, both exact as
// numbers, and only differences (exact up to 104 days) become one number. BigInt would do the same
// but allocates; for 10,000 spans that is a tenth of the page's work.
type Nanos = [number, number];
function nanos(v: string | number | undefined): Nanos {
  if (v === undefined) return [0, 0];
  const s = typeof v === 'number' ? String(Math.round(v)) : v;
  if (!/^\d+$/.test(s)) return [0, 0];
  return s.length > 9 ? [Number(s.slice(0, -9)), Number(s.slice(-9))] : [0, Number(s)];
}
const before = (a: Nanos, b: Nanos) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const diffMs = (a: Nanos, b: Nanos) => ((a[0] - b[0]) * 1e9 + (a[1] - b[1])) / 1e6;

// A stable colour per service: a hash of the name picks the hue (and one of three lightnesses),
// so a service keeps its colour across traces and page loads. FNV-1a, then murmur3's finaliser:
// names that differ in one character ("svc-1", "svc-2") must land far apart.
export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  h >>>= 0;
  const hue = h % 360;
  const light = [46, 54, 40][(h >>> 9) % 3];
  return `hsl(${hue}, 62%, ${light}%)`;
}

const NUM = (v: AttrValue | undefined): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const STR = (v: AttrValue | undefined): string | undefined => (v === undefined || v === null ? undefined : formatAttrValue(v));

// Where a span's cost may be: no semantic convention names one yet; these are the names
// instrumentation libraries (OpenLLMetry, Langfuse exporters) and the user's documents use.
export const COST_KEYS = ['gen_ai.usage.cost', 'gen_ai.usage.cost_usd', 'llm.cost.usd', 'llm.usage.cost', 'llm.cost'];

// The GenAI semantic conventions' attributes of a span, or null when it has none.
export function genaiOf(attributes: Attr[]): GenAI | null {
  if (!attributes.some((a) => a.key.startsWith('gen_ai.') || COST_KEYS.includes(a.key))) return null;
  const get = (k: string) => attrOf(attributes, k);
  const g: GenAI = {
    system: STR(get('gen_ai.system')) ?? STR(get('gen_ai.provider.name')),
    operation: STR(get('gen_ai.operation.name')),
    requestModel: STR(get('gen_ai.request.model')),
    responseModel: STR(get('gen_ai.response.model')),
    // The older names (gen_ai.usage.prompt_tokens, completion_tokens) are still sent by many SDKs.
    inputTokens: NUM(get('gen_ai.usage.input_tokens')) ?? NUM(get('gen_ai.usage.prompt_tokens')),
    outputTokens: NUM(get('gen_ai.usage.output_tokens')) ?? NUM(get('gen_ai.usage.completion_tokens')),
    ttftMs: NUM(get('llm.time_to_first_token_ms')),
  };
  for (const key of COST_KEYS) {
    const c = NUM(get(key));
    if (c !== undefined) {
      g.cost = c;
      g.costKey = key;
      break;
    }
  }
  return g;
}

export function buildTrace(data: OtlpTrace, requestedId: string): TraceModel {
  // First the time range, so that each span object is made once with its final values (changing
  // a field from an integer to a fraction later makes V8 migrate every object: slow at 10,000).
  interface Raw {
    span: OtlpSpan;
    service: string;
    resource: Attr[];
    scope: Scope;
    start: Nanos;
    end: Nanos;
  }
  const raws: Raw[] = [];
  for (const rs of data.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    const service = STR(attrOf(resource, 'service.name')) ?? 'unknown service';
    for (const ss of rs.scopeSpans ?? []) {
      const scope: Scope = {
        name: ss.scope?.name ?? '',
        version: ss.scope?.version ?? '',
        attributes: attrs(ss.scope?.attributes),
      };
      for (const span of ss.spans ?? []) {
        raws.push({ span, service, resource, scope, start: nanos(span.startTimeUnixNano), end: nanos(span.endTimeUnixNano) });
      }
    }
  }
  let minStart: Nanos = raws.length ? raws[0].start : [0, 0];
  let maxEnd: Nanos = minStart;
  for (const r of raws) {
    if (before(r.start, minStart)) minStart = r.start;
    if (before(maxEnd, r.end)) maxEnd = r.end;
    if (before(maxEnd, r.start)) maxEnd = r.start;
  }

  const spans: SpanModel[] = raws.map(({ span: s, service, resource, scope, start, end }, index) => {
    const attributes = attrs(s.attributes);
    return {
      index,
      spanId: idToHex(s.spanId),
      parentId: idToHex(s.parentSpanId),
      name: s.name ?? '',
      kind: enumName(s.kind, 'SPAN_KIND_', KINDS),
      service,
      resource,
      scope,
      attributes,
      events: (s.events ?? []).map((e) => ({
        name: e.name ?? '',
        offsetMs: diffMs(nanos(e.timeUnixNano), minStart),
        attributes: attrs(e.attributes),
      })),
      links: (s.links ?? []).map((l) => ({
        traceId: idToHex(l.traceId),
        spanId: idToHex(l.spanId),
        attributes: attrs(l.attributes),
      })),
      status: enumName(s.status?.code, 'STATUS_CODE_', STATUSES),
      statusMessage: s.status?.message ?? '',
      offsetMs: diffMs(start, minStart),
      durationMs: before(start, end) ? diffMs(end, start) : 0,
      depth: 0,
      parent: -1,
      children: [],
      missingParent: false,
      genai: genaiOf(attributes),
    };
  });
  const traceId = raws.length ? idToHex(raws[0].span.traceId) : '';

  // The tree. A span id may repeat (Zipkin's client and server halves share one): children attach
  // to the first span with that id, later ones stay in the tree under their own parent.
  const byId = new Map<string, number>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s.index);
  const roots: number[] = [];
  for (const s of spans) {
    const p = s.parentId ? byId.get(s.parentId) : undefined;
    if (p === undefined || p === s.index) {
      s.missingParent = s.parentId !== '';
      roots.push(s.index);
    } else {
      s.parent = p;
      spans[p].children.push(s.index);
    }
  }
  const byStart = (a: number, b: number) => spans[a].offsetMs - spans[b].offsetMs || a - b;
  for (const s of spans) if (s.children.length > 1) s.children.sort(byStart);

  // Depth-first order and depths, iteratively (a chain of 10,000 spans would overflow a
  // recursive walk). Spans in a parent cycle are reached from no root: each unvisited one becomes a
  // root, which breaks the cycle.
  const order: number[] = [];
  const visited = new Uint8Array(spans.length);
  const walk = (root: number) => {
    const stack = [root];
    spans[root].depth = 0;
    while (stack.length) {
      const i = stack.pop()!;
      if (visited[i]) continue;
      visited[i] = 1;
      order.push(i);
      const s = spans[i];
      for (let k = s.children.length - 1; k >= 0; k--) {
        const c = s.children[k];
        spans[c].depth = s.depth + 1;
        stack.push(c);
      }
    }
  };
  roots.sort(byStart);
  for (const r of roots) walk(r);
  for (let i = 0; i < spans.length; i++) {
    if (visited[i]) continue;
    const s = spans[i];
    if (s.parent >= 0) spans[s.parent].children = spans[s.parent].children.filter((c) => c !== i);
    s.parent = -1;
    s.missingParent = true;
    roots.push(i);
    walk(i);
  }

  const services = new Map<string, ServiceInfo>();
  let errors = 0;
  let maxDepth = 0;
  const genai = { spans: 0, inputTokens: 0, outputTokens: 0, cost: 0, costSpans: 0 };
  for (const s of spans) {
    let info = services.get(s.service);
    if (!info) services.set(s.service, (info = { name: s.service, spans: 0, errors: 0, color: serviceColor(s.service) }));
    info.spans++;
    if (s.status === 'error') {
      info.errors++;
      errors++;
    }
    if (s.depth > maxDepth) maxDepth = s.depth;
    if (s.genai) {
      // Each span's own usage is summed; a wrapper span that repeats its children's totals would
      // count them twice, which the conventions do not ask instrumentations to do.
      genai.spans++;
      genai.inputTokens += s.genai.inputTokens ?? 0;
      genai.outputTokens += s.genai.outputTokens ?? 0;
      if (s.genai.cost !== undefined) {
        genai.cost += s.genai.cost;
        genai.costSpans++;
      }
    }
  }
  const trueRoots = roots.filter((r) => !spans[r].missingParent);
  const root = trueRoots.length ? spans[trueRoots[0]] : roots.length ? spans[roots[0]] : null;
  return {
    traceId: traceId || requestedId.toLowerCase(),
    spans,
    roots,
    order,
    startMs: minStart[0] * 1000 + minStart[1] / 1e6,
    durationMs: diffMs(maxEnd, minStart),
    services: [...services.values()].sort((a, b) => b.spans - a.spans || a.name.localeCompare(b.name)),
    errors,
    maxDepth,
    root,
    critical: criticalPath(spans, root),
    genai,
  };
}

// The rows the waterfall shows: the depth-first order without the descendants of collapsed spans.
export function visibleRows(trace: TraceModel, collapsed: Set<number>): number[] {
  if (collapsed.size === 0) return trace.order;
  const out: number[] = [];
  const stack: number[] = [];
  for (let r = trace.roots.length - 1; r >= 0; r--) stack.push(trace.roots[r]);
  while (stack.length) {
    const i = stack.pop()!;
    out.push(i);
    if (collapsed.has(i)) continue;
    const children = trace.spans[i].children;
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }
  return out;
}

// Whether a span matches the in-trace search (lowercase `needle`): its name, service, id or any
// attribute value or key of the span, its resource or its events.
export function spanMatches(s: SpanModel, needle: string): boolean {
  if (!needle) return false;
  const has = (t: string) => t.toLowerCase().includes(needle);
  if (has(s.name) || has(s.service) || s.spanId === needle) return true;
  const inAttrs = (list: Attr[]) => list.some((a) => has(a.key) || has(formatAttrValue(a.value)));
  return inAttrs(s.attributes) || inAttrs(s.resource) || s.events.some((e) => has(e.name) || inAttrs(e.attributes));
}
