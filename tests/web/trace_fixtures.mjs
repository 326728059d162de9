// Synthetic traces for tests/web/traces_ui_test.mjs, sent as OTLP/HTTP JSON: a trace of 10,000
// spans (wide and deep) and a small GenAI trace with costs and overlapping siblings. Each comes
// with what the test expects of it (depths, the last row, the critical path).

export const SPANS = 10000;

export const hex = (n, bytes) => BigInt(n).toString(16).padStart(bytes * 2, '0');

// OTLP/HTTP JSON for `spans` ([{service, id, parent, name, start, end (ns BigInt), attributes,
// status, events, links}]), one resource per service.
export function otlpTraces(traceId, spans) {
  const byService = new Map();
  for (const s of spans) {
    if (!byService.has(s.service)) byService.set(s.service, []);
    byService.get(s.service).push(s);
  }
  const value = (v) =>
    typeof v === 'string'
      ? { stringValue: v }
      : typeof v === 'boolean'
        ? { boolValue: v }
        : Number.isInteger(v)
          ? { intValue: String(v) }
          : { doubleValue: v };
  const attrs = (o) => Object.entries(o ?? {}).map(([key, v]) => ({ key, value: value(v) }));
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeSpans: [
        {
          scope: { name: 'web-ui-test', version: '1.2.3' },
          spans: list.map((s) => ({
            traceId,
            spanId: s.id,
            parentSpanId: s.parent ?? '',
            name: s.name,
            kind: 1,
            startTimeUnixNano: String(s.start),
            endTimeUnixNano: String(s.end),
            attributes: attrs(s.attributes),
            events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: String(e.time), attributes: attrs(e.attributes) })),
            links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            status: s.error ? { code: 2, message: 'synthetic failure' } : {},
          })),
        },
      ],
    })),
  };
}

// 10,000 spans: a 4-ary tree of 9,500 spans under the root, then a chain 500 deep as the root's
// last child (so the last row is at depth 500 and the walk over the tree must not recurse).
export function bigTrace() {
  const traceId = hex(0xb16b16n * 2n ** 64n + 12345n, 16);
  const t0 = BigInt(Date.now() - 30000) * 1000000n;
  const spans = [];
  const CHAIN = 500;
  const heap = SPANS - CHAIN;
  spans.push({ i: 0, parent: -1, start: t0, dur: 10000000000n, depth: 0 });
  for (let i = 1; i < heap; i++) {
    const p = spans[Math.floor((i - 1) / 4)];
    const k = BigInt((i - 1) % 4);
    const quarter = p.dur / 5n;
    spans.push({ i, parent: p.i, start: p.start + quarter * k + 1000n, dur: (quarter * 9n) / 10n, depth: p.depth + 1 });
  }
  for (let i = heap; i < SPANS; i++) {
    const p = i === heap ? spans[0] : spans[i - 1];
    const start = i === heap ? t0 + 9000000000n : p.start + 1000n;
    const dur = i === heap ? 900000000n : p.dur - 2000n;
    spans.push({ i, parent: p.i, start, dur, depth: p.depth + 1 });
  }
  const out = spans.map((s) => ({
    service: `synth-${s.i % 5}`,
    id: hex(s.i + 1, 8),
    parent: s.parent >= 0 ? hex(s.parent + 1, 8) : undefined,
    name: `op-${s.i % 37}`,
    start: s.start,
    end: s.start + s.dur,
    attributes: { 'synthetic.index': s.i },
    error: s.i % 997 === 5,
    depth: s.depth,
  }));
  return { traceId, spans: out, lastId: hex(SPANS, 8), lastDepth: spans[SPANS - 1].depth };
}

// A small trace for GenAI costs and the critical path: root 0-100 ms with children A (0-90 ms),
// B (10-50 ms, entirely under A, so not on the critical path) and C (95-99 ms).
export function costTrace(linkTo) {
  const traceId = hex(0xc057n * 2n ** 64n + 777n, 16);
  const t0 = BigInt(Date.now() - 20000) * 1000000n;
  const ms = (n) => t0 + BigInt(n) * 1000000n;
  const spans = [
    { service: 'agent', id: hex(1, 8), name: 'agent run', start: ms(0), end: ms(100) },
    {
      service: 'agent',
      id: hex(2, 8),
      parent: hex(1, 8),
      name: 'chat gpt-4o',
      start: ms(0),
      end: ms(90),
      attributes: {
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.prompt_tokens': 300,
        'gen_ai.usage.completion_tokens': 50,
        'gen_ai.usage.cost': 0.25,
      },
    },
    { service: 'tools', id: hex(3, 8), parent: hex(1, 8), name: 'lookup', start: ms(10), end: ms(50), links: [linkTo] },
    {
      service: 'agent',
      id: hex(4, 8),
      parent: hex(1, 8),
      name: 'chat gpt-4o-mini',
      start: ms(95),
      end: ms(99),
      attributes: {
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 200,
        'llm.cost.usd': 0.0123,
      },
    },
  ];
  return { traceId, spans, critical: [hex(1, 8), hex(2, 8), hex(4, 8)], notCritical: hex(3, 8) };
}
