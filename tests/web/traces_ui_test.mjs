// The trace pages in Debian's chromium, on traces sent by the OpenTelemetry JS SDK
// (tests/clients/otel_rag_traces.js: frontend -> rag-api with GenAI spans, some failing) and on
// synthetic traces sent as OTLP/HTTP JSON: the Jaeger form finds traces by service and by a
// gen_ai.request.model tag, TraceQL by a span attribute (and completes attribute names and
// values); the waterfall shows every span at the depth, offset and duration the API gives, in tree
// order; collapse, expand and the keyboard work; span details show attributes by scope, events, an
// exception's stack trace; GenAI badges show model, tokens and cost; the critical path skips a
// span hidden behind a later-ending sibling; a 10,000-span trace renders its first rows quickly
// (the time is printed) and scrolling renders its last span; phone width and dark theme.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bigTrace, costTrace, otlpTraces, SPANS as BIG_SPANS } from './trace_fixtures.mjs';
import {
  assertNoProblems,
  launchBrowser,
  newPage,
  postOtlpJson,
  readJson,
  runClient,
  screenshot,
  startTidemark,
  waitFor,
} from './harness.mjs';

let server;
let browser;
let sent; // what otel_rag_traces.js sent: [{traceId, index, model, failed, spans}]
let big; // the synthetic 10,000-span trace: { traceId, spans: [{id, parent, depth, start, end}], lastId, lastDepth }
let cost; // the synthetic GenAI trace with costs and overlapping siblings

const b64hex = (b64) => (b64 ? Buffer.from(b64, 'base64').toString('hex') : '');

async function api(pathAndQuery) {
  const r = await fetch(`${server.url}/${pathAndQuery}`);
  if (!r.ok) throw new Error(`${pathAndQuery}: ${r.status} ${await r.text()}`);
  return r.json();
}

before(async () => {
  server = await startTidemark();
  const out = path.join(server.dir, 'rag-traces.json');
  runClient('otel_rag_traces.js', [server.otlpHttpPort, out]);
  sent = readJson(out).traces;
  assert.equal(sent.length, 6);

  big = bigTrace();
  for (let i = 0; i < big.spans.length; i += 2500) {
    await postOtlpJson(server, 'traces', otlpTraces(big.traceId, big.spans.slice(i, i + 2500)));
  }
  cost = costTrace({ traceId: big.traceId, spanId: big.spans[0].id });
  await postOtlpJson(server, 'traces', otlpTraces(cost.traceId, cost.spans));

  // Everything sent is readable before the pages are opened.
  await waitFor('the traces to be readable', async () => {
    for (const t of sent) {
      const body = await api(`jaeger/api/traces/${t.traceId}`);
      if (body.data?.[0]?.spans?.length !== t.spans) return false;
    }
    const b = await api(`jaeger/api/traces/${big.traceId}`);
    return b.data?.[0]?.spans?.length === BIG_SPANS;
  }, 30000, 250);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const rowIds = (page) => page.$$eval('[data-testid=trace-result]', (els) => els.map((e) => e.dataset.traceId));
const sorted = (a) => [...a].sort();

async function waitForResults(page, n) {
  return waitFor(`${n} result rows`, async () => {
    const ids = await rowIds(page);
    const loading = await page.$('.loading');
    return !loading && ids.length === n ? ids : null;
  });
}

test('the Jaeger form finds the traces by service, and by a gen_ai.request.model tag', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/traces`);
  await page.waitForSelector('[data-testid=trace-search-form]');
  await waitFor('the service list', () =>
    page.$$eval('[data-testid=ts-service] option', (os) => os.some((o) => o.value === 'frontend')),
  );
  await page.select('[data-testid=ts-service]', 'frontend');
  await page.click('[data-testid=ts-submit]');
  const ids = await waitForResults(page, sent.length);
  assert.deepEqual(sorted(ids), sorted(sent.map((t) => t.traceId)));
  // The search is in the address, and the list says what each trace holds.
  assert.match(page.url(), /[?&]service=frontend/);
  for (const t of sent) {
    const row = `[data-testid=trace-result][data-trace-id="${t.traceId}"]`;
    assert.equal(await page.$eval(`${row} .tr-spans`, (e) => e.textContent), `${t.spans} spans`);
    assert.equal(await page.$eval(`${row} .tr-title`, (e) => e.textContent), 'frontend: GET /api/chat');
    // The failed traces' chat and server spans have error status.
    const errors = await page.$eval(row, (e) => e.querySelector('.tr-errors')?.textContent ?? '');
    assert.equal(errors, t.failed ? '2 errors' : '');
  }
  // Most recent first (trace i started i seconds after trace 0); most spans puts the failed traces
  // (which have no tool span) last.
  assert.deepEqual(ids, [...sent].sort((a, b) => b.index - a.index).map((t) => t.traceId));
  await page.click('[data-testid=sort-spans]');
  const expectedBySpans = [...sent].sort((a, b) => b.spans - a.spans || b.index - a.index).map((t) => t.traceId);
  await waitFor('most spans first', async () => (await rowIds(page)).join() === expectedBySpans.join());
  assert.match(page.url(), /sort=spans/);
  const points = await page.$$eval('[data-testid=trace-scatter] .scatter-point', (els) => els.map((e) => e.dataset.traceId));
  assert.deepEqual(sorted(points), sorted(sent.map((t) => t.traceId)));
  await screenshot(page, 'trace-search');
  // A point of the scatter plot opens its trace.
  await page.click(`[data-testid=trace-scatter] .scatter-point[data-trace-id="${sent[3].traceId}"] circle`);
  await waitFor('the trace from the scatter plot', () => page.url().includes(`/trace/${sent[3].traceId}`));
  await page.waitForSelector('[data-testid=span-row]');

  // By tag: the chat spans (service rag-api) carry the model.
  await page.goto(`${server.ui}/traces`);
  await waitFor('the service list', () =>
    page.$$eval('[data-testid=ts-service] option', (os) => os.some((o) => o.value === 'rag-api')),
  );
  await page.select('[data-testid=ts-service]', 'rag-api');
  await page.type('[data-testid=ts-tags]', 'gen_ai.request.model=gpt-4o');
  await page.click('[data-testid=ts-submit]');
  const gpt = sent.filter((t) => t.model === 'gpt-4o').map((t) => t.traceId);
  assert.deepEqual(sorted(await waitForResults(page, gpt.length)), sorted(gpt));

  // The address alone reproduces the search.
  const again = await newPage(browser);
  await again.goto(page.url());
  assert.deepEqual(sorted(await waitForResults(again, gpt.length)), sorted(gpt));
  assertNoProblems(page);
  assertNoProblems(again);
  await page.close();
  await again.close();
});

test('TraceQL finds traces by a span attribute, with highlighting and completion', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/traces?mode=traceql`);
  const editor = '[data-testid=traceql-editor] textarea';
  await page.waitForSelector(editor);
  // Attribute names come from the server's tags.
  await page.type(editor, '{ span.gen_ai.req');
  await waitFor('attribute completions', async () => {
    const items = await page.$$eval('.completions li .completion-label', (els) => els.map((e) => e.textContent));
    return items.includes('span.gen_ai.request.model');
  });
  await page.keyboard.press('Escape');
  // Values of that attribute, quoted.
  await page.type(editor, 'uest.model = ');
  await page.keyboard.down('Control');
  await page.keyboard.press('Space');
  await page.keyboard.up('Control');
  await waitFor('value completions', async () => {
    const items = await page.$$eval('.completions li .completion-label', (els) => els.map((e) => e.textContent));
    return items.includes('"claude-3-5-sonnet"') && items.includes('"gpt-4o"');
  });
  await screenshot(page, 'trace-traceql-completion');
  await page.keyboard.press('Escape');
  await page.type(editor, '"claude-3-5-sonnet" }');
  const kinds = await page.$$eval('[data-testid=traceql-editor] .editor-highlight span', (els) =>
    els.map((e) => [e.className, e.textContent]),
  );
  assert.ok(kinds.some(([c, t]) => c === 'tok-attribute' && t === 'span.gen_ai.request.model'), JSON.stringify(kinds));
  assert.ok(kinds.some(([c, t]) => c === 'tok-string' && t === '"claude-3-5-sonnet"'));
  await page.click('[data-testid=ts-submit]');
  const claude = sent.filter((t) => t.model === 'claude-3-5-sonnet').map((t) => t.traceId);
  assert.deepEqual(sorted(await waitForResults(page, claude.length)), sorted(claude));
  assert.equal(new URL(page.url()).searchParams.get('q'), '{ span.gen_ai.request.model = "claude-3-5-sonnet" }');
  // Span counts come from the traces themselves.
  for (const id of claude) {
    const spans = await page.$eval(`[data-testid=trace-result][data-trace-id="${id}"] .tr-spans`, (e) => e.textContent);
    assert.equal(spans, `${sent.find((t) => t.traceId === id).spans} spans`);
  }
  assertNoProblems(page);

  // A parse error is marked in the editor (the server's 400 is the only expected problem).
  await page.goto(`${server.ui}/traces?mode=traceql&q=${encodeURIComponent('{ span.a = }')}`);
  await page.waitForSelector('[data-testid=traceql-editor] .tok-error');
  const message = await page.$eval('.editor-error', (e) => e.textContent);
  assert.match(message, /parse error/);
  assertNoProblems(page, [/HTTP 400: .*api\/search/, /console error: Failed to load resource: .* 400/]);
  await page.close();
});

// The trace as the API gives it: each span's depth (from its parent), offset and duration in ms.
async function expectedSpans(traceId) {
  const body = await api(`api/v2/traces/${traceId}`);
  const spans = [];
  for (const rs of body.trace.resourceSpans) {
    const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        spans.push({
          id: b64hex(s.spanId),
          parent: b64hex(s.parentSpanId),
          name: s.name,
          service,
          start: BigInt(s.startTimeUnixNano),
          end: BigInt(s.endTimeUnixNano),
          attributes: s.attributes ?? [],
          events: s.events ?? [],
        });
      }
    }
  }
  const min = spans.reduce((m, s) => (s.start < m ? s.start : m), spans[0].start);
  const byId = new Map(spans.map((s) => [s.id, s]));
  for (const s of spans) {
    s.offsetMs = Number(s.start - min) / 1e6;
    s.durationMs = Number(s.end - s.start) / 1e6;
    let depth = 0;
    for (let p = byId.get(s.parent); p; p = byId.get(p.parent)) depth++;
    s.depth = depth;
  }
  return { spans, byId };
}

const rowsOf = (page) =>
  page.$$eval('[data-testid=span-row]', (els) =>
    els
      .map((e) => ({
        id: e.dataset.spanId,
        depth: Number(e.dataset.depth),
        offsetMs: Number(e.dataset.offsetMs),
        durationMs: Number(e.dataset.durationMs),
        top: e.offsetTop,
        critical: e.classList.contains('critical'),
        barLeft: parseFloat(e.querySelector('.wf-bar').style.left), // percent of the trace's duration
        barWidth: parseFloat(e.querySelector('.wf-bar').style.width),
        text: e.textContent,
      }))
      .sort((a, b) => a.top - b.top),
  );

// Rows in tree order: each row's parent is the nearest row above it one level up (`partial`: the
// rows are a window of the waterfall, whose first rows' parents may be above it).
function assertTreeOrder(rows, byId, partial = false) {
  for (let i = 0; i < rows.length; i++) {
    const span = byId.get(rows[i].id);
    if (rows[i].depth === 0) continue;
    let j = i - 1;
    while (j >= 0 && rows[j].depth !== rows[i].depth - 1) j--;
    if (j < 0 && partial) continue;
    assert.ok(j >= 0 && rows[j].id === span.parent, `row ${i} (${rows[i].id}) is not under its parent ${span.parent}`);
  }
}

async function openTrace(page, traceId, params = '') {
  await page.goto(`${server.ui}/trace/${traceId}${params}`);
  await page.waitForSelector('[data-testid=waterfall] [data-testid=span-row]');
}

test('the waterfall shows every span at its depth, offset and duration; collapse, expand, keyboard', async () => {
  const failed = sent.find((t) => t.failed);
  const { spans, byId } = await expectedSpans(failed.traceId);
  assert.equal(spans.length, failed.spans);
  const page = await newPage(browser);
  // Opened from the search results, as a user would.
  await page.goto(`${server.ui}/traces?service=frontend`);
  await waitForResults(page, sent.length);
  await page.click(`[data-testid=trace-result][data-trace-id="${failed.traceId}"] a`);
  await page.waitForSelector('[data-testid=span-row]');
  assert.match(page.url(), new RegExp(`/trace/${failed.traceId}`));

  const rows = await rowsOf(page);
  assert.equal(rows.length, spans.length);
  const total = Math.max(...spans.map((s) => s.offsetMs + s.durationMs));
  for (const s of spans) {
    const row = rows.find((r) => r.id === s.id);
    assert.ok(row, `span ${s.name} has a row`);
    assert.equal(row.depth, s.depth, `depth of ${s.name}`);
    assert.ok(Math.abs(row.offsetMs - s.offsetMs) < 1e-6, `offset of ${s.name}: ${row.offsetMs} vs ${s.offsetMs}`);
    assert.ok(Math.abs(row.durationMs - s.durationMs) < 1e-6, `duration of ${s.name}: ${row.durationMs} vs ${s.durationMs}`);
    assert.ok(row.text.includes(s.name) && row.text.includes(s.service));
    // The bar is drawn where the attributes say.
    assert.ok(Math.abs(row.barLeft - (s.offsetMs / total) * 100) < 1e-3, `bar of ${s.name} at ${row.barLeft}%`);
    assert.ok(Math.abs(row.barWidth - (s.durationMs / total) * 100) < 1e-3, `bar of ${s.name} ${row.barWidth}% wide`);
  }
  assertTreeOrder(rows, byId);
  const root = spans.find((s) => !s.parent);
  assert.ok(rows.find((r) => r.id === root.id).critical, 'the root is on the critical path');
  await screenshot(page, 'trace-waterfall');

  // Collapse the rag-api server span: only the root and it stay.
  const server_ = spans.find((s) => s.name === 'POST /v1/rag');
  await page.click(`[data-testid=span-row][data-span-id="${server_.id}"] .wf-toggle`);
  await waitFor('collapsed', async () => (await rowsOf(page)).length === 2);
  await page.click(`[data-testid=span-row][data-span-id="${server_.id}"] .wf-toggle`);
  await waitFor('expanded', async () => (await rowsOf(page)).length === spans.length);
  await page.click('.wf-head-name button:nth-child(2)'); // collapse all
  await waitFor('all collapsed', async () => (await rowsOf(page)).length === 1);
  await page.click('.wf-head-name button:nth-child(1)'); // expand all
  await waitFor('all expanded', async () => (await rowsOf(page)).length === spans.length);

  // Keyboard: Down to the server span, Left collapses it, Right expands it, Enter opens details.
  await page.focus(`[data-testid=span-row][data-span-id="${root.id}"]`);
  await page.keyboard.press('ArrowDown');
  await waitFor('focus on the server span', () =>
    page.evaluate((id) => document.activeElement?.dataset.spanId === id, server_.id),
  );
  await page.keyboard.press('ArrowLeft');
  await waitFor('collapsed by key', async () => (await rowsOf(page)).length === 2);
  await page.keyboard.press('ArrowRight');
  await waitFor('expanded by key', async () => (await rowsOf(page)).length === spans.length);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=span-details]');
  assert.match(await page.$eval('[data-testid=span-details] h2', (e) => e.textContent), /POST \/v1\/rag/);
  assert.match(page.url(), new RegExp(`span=${server_.id}`));
  assertNoProblems(page);
  await page.close();
});

test('span details: attributes by scope, events, the exception stack trace, GenAI badge and totals', async () => {
  const failed = sent.find((t) => t.failed);
  const { spans } = await expectedSpans(failed.traceId);
  const chat = spans.find((s) => s.name.startsWith('chat '));
  const page = await newPage(browser);
  await openTrace(page, failed.traceId);

  // The GenAI badge of the chat span: model and tokens, as sent.
  const badge = await page.$eval(`[data-testid=span-row][data-span-id="${chat.id}"] [data-testid=genai-badge]`, (e) => e.textContent);
  assert.ok(badge.includes(failed.model), badge);
  assert.ok(badge.includes(`${800 + failed.index}→${100 + failed.index} tok`), badge);
  // The trace's totals: the embeddings' 12 input tokens and the chat's.
  const totals = await page.$eval('[data-testid=trace-genai-summary]', (e) => e.textContent);
  assert.ok(totals.includes(`${12 + 800 + failed.index} in`), totals);
  assert.ok(totals.includes(`${100 + failed.index} out`), totals);

  await page.click(`[data-testid=span-row][data-span-id="${chat.id}"] .wf-op`);
  await page.waitForSelector('[data-testid=span-details]');
  const details = await page.$eval('[data-testid=span-details]', (e) => e.textContent);
  for (const text of [
    'gen_ai.request.model',
    failed.model,
    'upstream rate limited', // the status message
    'rag-pipeline', // the scope and its version
    '0.3.1',
    'deployment.environment', // a resource attribute
    'gen_ai.content.prompt', // an event and its attribute
    `question ${failed.index}`,
    'client',
    chat.id,
    chat.parent,
  ]) {
    assert.ok(details.includes(text), `details show ${text}`);
  }
  const stack = await page.$eval('[data-testid=span-details] [data-testid=exception-stacktrace]', (e) => e.textContent);
  const sentStack = chat.events
    .find((e) => e.name === 'exception')
    .attributes.find((a) => a.key === 'exception.stacktrace').value.stringValue;
  assert.equal(stack, sentStack);
  assert.match(stack, /upstream rate limited[\s\S]*\n\s+at /);
  assert.ok((await page.$eval('[data-testid=span-genai]', (e) => e.textContent)).includes(`${800 + failed.index}`));
  await screenshot(page, 'trace-genai-details');

  // Search within the trace: one span matches "embeddings"; Enter jumps to it.
  await page.type('[data-testid=trace-find]', 'embeddings');
  await page.keyboard.press('Enter');
  await waitFor('the match count', async () => (await page.$eval('[data-testid=trace-find-count]', (e) => e.textContent)) === '1 of 1');
  const embeddings = spans.find((s) => s.name.startsWith('embeddings'));
  assert.ok(await page.$(`[data-testid=span-row][data-span-id="${embeddings.id}"].match`));
  assert.equal(await page.$$eval('[data-testid=span-row].match', (els) => els.length), 1);
  assertNoProblems(page);
  await page.close();
});

test('GenAI costs and the critical path of overlapping siblings', async () => {
  const page = await newPage(browser);
  await openTrace(page, cost.traceId);
  const rows = await rowsOf(page);
  assert.deepEqual(sorted(rows.filter((r) => r.critical).map((r) => r.id)), sorted(cost.critical));
  assert.ok(!rows.find((r) => r.id === cost.notCritical).critical);
  const badges = await page.$$eval('[data-testid=genai-badge]', (els) => els.map((e) => e.textContent));
  assert.ok(badges.some((b) => b.includes('gpt-4o-mini-2024-07-18') && b.includes('1000→200 tok') && b.includes('$0.0123')), badges.join());
  assert.ok(badges.some((b) => b.startsWith('gpt-4o ') && b.includes('300→50 tok') && b.includes('$0.25')), badges.join());
  const totals = await page.$eval('[data-testid=trace-genai-summary]', (e) => e.textContent);
  assert.ok(totals.includes('1300 in') && totals.includes('250 out') && totals.includes('$0.262'), totals);
  // The link of the "lookup" span leads to the linked trace.
  await page.click(`[data-testid=span-row][data-span-id="${cost.notCritical}"] .wf-op`);
  await page.waitForSelector('[data-testid=span-links] a');
  await page.click('[data-testid=span-links] a');
  await waitFor('the linked trace', () => page.url().includes(`/trace/${big.traceId}`));
  await page.waitForSelector('[data-testid=span-row]');
  assertNoProblems(page);
  await page.close();
});

test('a trace of 10,000 spans renders its first rows quickly and scrolls to its last span', async () => {
  const page = await newPage(browser);
  await page.goto(`${server.ui}/traces`); // the application loaded, as when a user clicks a result
  await page.waitForSelector('[data-testid=trace-search-form]');
  const started = Date.now();
  await page.evaluate((id) => {
    window.history.pushState(null, '', `trace/${id}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, big.traceId);
  await page.waitForSelector('[data-testid=span-row]', { timeout: 30000 });
  const inApp = Date.now() - started;
  const apiTiming = () =>
    page.evaluate(() => {
      const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v2/traces/'));
      return e ? { ms: Math.round(e.responseEnd - e.startTime), bytes: e.decodedBodySize } : null;
    });
  const inAppFetch = await apiTiming();
  // And a fresh page load, script and all.
  const loadStart = Date.now();
  await page.goto(`${server.ui}/trace/${big.traceId}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid=span-row]', { timeout: 30000 });
  const fresh = Date.now() - loadStart;
  // How much of it is the API's answer (server time and transfer) rather than the page's work.
  const freshFetch = await apiTiming();
  console.log(
    `10,000-span trace (${freshFetch?.bytes} bytes of JSON): first rows ${inApp} ms after navigating in the app ` +
      `(API answer ${inAppFetch?.ms} ms), ${fresh} ms after a fresh page load (API answer ${freshFetch?.ms} ms)`,
  );
  assert.ok(fresh < 10000 && inApp < 10000, `${inApp} ms / ${fresh} ms`);

  assert.equal(await page.$eval('[data-testid=trace-span-count]', (e) => e.textContent), String(BIG_SPANS));
  assert.equal(await page.$eval('[data-testid=waterfall]', (e) => e.dataset.rows), String(BIG_SPANS));
  const rendered = await page.$$eval('[data-testid=span-row]', (els) => els.length);
  assert.ok(rendered < 200, `only the visible rows are rendered (${rendered})`);
  const byId = new Map(big.spans.map((s) => [s.id, s]));
  // Offsets here are microseconds apart: drawn to the nanosecond, as sent.
  const t0 = big.spans[0].start;
  const assertRow = (r) => {
    const s = byId.get(r.id);
    assert.equal(r.depth, s.depth, `depth of ${r.id}`);
    assert.ok(Math.abs(r.offsetMs - Number(s.start - t0) / 1e6) < 1e-9, `offset of ${r.id}: ${r.offsetMs}`);
    assert.ok(Math.abs(r.durationMs - Number(s.end - s.start) / 1e6) < 1e-9, `duration of ${r.id}: ${r.durationMs}`);
  };
  const first = await rowsOf(page);
  first.forEach(assertRow);
  assertTreeOrder(first, byId);

  // Scrolling: step through the whole trace, then check the bottom shows the last span.
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('.wf-scroll');
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const t0 = performance.now();
    let frames = 0;
    let worst = 0;
    for (let y = 0; y < el.scrollHeight; y += el.clientHeight * 3) {
      const f0 = performance.now();
      el.scrollTop = y;
      await frame();
      worst = Math.max(worst, performance.now() - f0);
      frames++;
    }
    el.scrollTop = el.scrollHeight;
    await frame();
    return { frames, ms: performance.now() - t0, worst };
  });
  console.log(
    `10,000-span trace: scrolled through in ${scroll.frames} jumps, ${scroll.ms.toFixed(0)} ms, worst frame ${scroll.worst.toFixed(1)} ms`,
  );
  const last = await page.waitForSelector(`[data-testid=span-row][data-span-id="${big.lastId}"]`);
  await screenshot(page, 'trace-10k-bottom');
  assert.equal(await last.evaluate((e) => Number(e.dataset.depth)), big.lastDepth);
  const bottom = await rowsOf(page);
  bottom.forEach(assertRow);
  assertTreeOrder(bottom, byId, true);
  assertNoProblems(page);
  await page.close();
});

test('phone width and the dark theme', async () => {
  const failed = sent.find((t) => t.failed);
  const phone = await newPage(browser, { width: 390, height: 844 });
  await openTrace(phone, failed.traceId);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the trace page fits a phone (${overflow} px too wide)`);
  await screenshot(phone, 'trace-phone');
  await phone.goto(`${server.ui}/traces?service=frontend`);
  await waitForResults(phone, sent.length);
  assert.ok((await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 1);
  await screenshot(phone, 'trace-search-phone');
  assertNoProblems(phone);
  await phone.close();

  const dark = await newPage(browser);
  await dark.evaluateOnNewDocument(() => localStorage.setItem('tidemark.theme', 'dark'));
  await openTrace(dark, failed.traceId, `?span=${(await expectedSpans(failed.traceId)).spans.find((s) => s.name.startsWith('chat')).id}`);
  await dark.waitForSelector('[data-testid=span-details]');
  assert.equal(await dark.evaluate(() => document.documentElement.dataset.theme), 'dark');
  const bg = await dark.$eval('.waterfall', (e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(bg, 'rgb(255, 255, 255)');
  await screenshot(dark, 'trace-waterfall-dark');
  assertNoProblems(dark);
  await dark.close();
});
