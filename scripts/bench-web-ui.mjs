#!/usr/bin/env node
// Page weight and speed of the web UI (docs/benchmarks.md, "Web UI"): the embedded files' sizes,
// and in Debian's headless chromium the time from navigation to the first paint and to the
// content drawn, for the query page (a range query graph over 200 series x 360 points) and for a
// trace of 10,000 spans (its waterfall's first rows), each the median of repeated cold loads.
//   TIDEMARK_BINARY=build/server/tidemark node scripts/bench-web-ui.mjs [--runs 7]
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, postOtlpJson, otlpGauges, startTidemark, waitFor } from '../tests/web/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 7;
const binary = process.env.TIDEMARK_BINARY ?? path.resolve(here, '../build/server/tidemark');
process.env.TIDEMARK_BINARY = binary;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// The files the binary embeds, as build/server/web/ holds them (web/build.mjs --dist).
function bundleSizes() {
  const dir = path.resolve(path.dirname(binary), 'web');
  const rows = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.gz')) rows.push([path.relative(dir, p), statSync(p).size, statSync(p + '.gz').size]);
    }
  };
  walk(dir);
  return rows;
}

// A trace of `n` spans: a root, 100 children, each with its share of the rest as grandchildren
// and deeper (depth up to 5), across 8 services, with gen_ai attributes on every 10th span.
function bigTrace(n) {
  const traceId = 'ab'.repeat(16);
  const start = BigInt(Date.now() - 60000) * 1000000n;
  const spans = [];
  const id = (i) => (i + 1).toString(16).padStart(16, '0');
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? '' : id(i <= 100 ? 0 : Math.floor((i - 1) / 10));
    const offset = BigInt(i) * 100000n;
    spans.push({
      service: `svc-${i % 8}`,
      span: {
        traceId,
        spanId: id(i),
        parentSpanId: parent,
        name: i % 10 === 0 ? 'chat gpt-4o' : `op-${i % 37}`,
        kind: 2,
        startTimeUnixNano: String(start + offset),
        endTimeUnixNano: String(start + offset + 5000000n + BigInt(i % 13) * 1000000n),
        attributes:
          i % 10 === 0
            ? [
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                { key: 'gen_ai.usage.input_tokens', value: { intValue: String(100 + i) } },
                { key: 'gen_ai.usage.output_tokens', value: { intValue: String(10 + (i % 50)) } },
              ]
            : [{ key: 'http.route', value: { stringValue: `/r/${i % 17}` } }],
      },
    });
  }
  const byService = new Map();
  for (const s of spans) {
    if (!byService.has(s.service)) byService.set(s.service, []);
    byService.get(s.service).push(s.span);
  }
  return {
    traceId,
    body: {
      resourceSpans: [...byService.entries()].map(([service, list]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'bench' }, spans: list }],
      })),
    },
  };
}

async function timeLoad(browser, url, selector) {
  const context = await browser.createBrowserContext(); // cold: no cache, no storage
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector(selector, { timeout: 60000 });
  const [content, paint] = await page.evaluate(() => [
    performance.now(),
    performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
  ]);
  await context.close();
  return { content, paint };
}

const server = await startTidemark({ config: 'self_scrape_interval: 0\n' });
const browser = await launchBrowser();
try {
  const now = Date.now();
  const series = [];
  for (let s = 0; s < 200; s++) {
    const points = [];
    for (let k = 0; k < 360; k++) points.push([now - (360 - k) * 10000, Math.sin(k / 20 + s) * 10 + s]);
    series.push({ name: 'bench_ui_gauge', labels: { series: String(s) }, points });
  }
  await postOtlpJson(server, 'metrics', otlpGauges(series));
  const trace = bigTrace(10000);
  await postOtlpJson(server, 'traces', trace.body);
  await waitFor('the trace to be stored', async () => (await fetch(`${server.url}/api/v2/traces/${trace.traceId}`)).ok, 30000, 250);

  const queryUrl = `${server.ui}/query?g0.expr=bench_ui_gauge&g0.tab=graph&g0.range_input=1h`;
  const traceUrl = `${server.ui}/trace/${trace.traceId}`;
  const results = {};
  for (const [name, url, selector] of [
    ['query page, 200 series x 360 points', queryUrl, '[data-testid="graph"] canvas'],
    ['trace of 10,000 spans', traceUrl, '[data-testid="span-row"]'],
  ]) {
    await timeLoad(browser, url, selector); // warm the server's caches, not the browser's
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await timeLoad(browser, url, selector));
    results[name] = {
      paint: median(samples.map((s) => s.paint)),
      content: median(samples.map((s) => s.content)),
      min: Math.min(...samples.map((s) => s.content)),
      max: Math.max(...samples.map((s) => s.content)),
    };
  }
  console.log('| file | bytes | gzipped |\n|---|---|---|');
  let total = 0;
  for (const [file, raw, gz] of bundleSizes()) {
    total += gz;
    console.log(`| ${file} | ${raw} | ${gz} |`);
  }
  console.log(`| all | | ${total} |\n`);
  console.log(`| page (median of ${runs} cold loads) | first contentful paint | content drawn (min-max) |\n|---|---|---|`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${r.paint.toFixed(0)} ms | ${r.content.toFixed(0)} ms (${r.min.toFixed(0)}-${r.max.toFixed(0)}) |`);
  }
} finally {
  await browser.close();
  await server.stop();
}
