// A range query's series drawn with uPlot: a time x-axis over the queried range, a legend that
// shows the values under the cursor and hides a series on click (or Enter), colours that follow
// the series (not its position in the answer), stacking, exemplars as diamonds linking to their
// traces. Redrawn on theme change, resized with its container.
//
// For tests, the container element carries what was drawn: the property `tidemarkGraph`
// ({query, series: [{labels, points: [[t, v]...]}], exemplars}) and the attributes `data-query`
// and `data-exemplars` ([{x, y, traceId}] in CSS pixels from the container's top left).
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { formatSeries, formatShort, formatTime, formatValue } from '../format';
import { navigate } from '../router';
import { cssVar } from '../theme';

export interface MatrixSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  histograms?: unknown[];
}

export interface Exemplar {
  seriesLabels: Record<string, string>;
  labels: Record<string, string>;
  value: number;
  time: number; // seconds
}

export interface RangeQuery {
  query: string;
  start: number; // seconds, as sent
  end: number;
  step: number;
}

interface DrawnExemplar {
  x: number;
  y: number;
  traceId: string | null;
}

export interface GraphTestData {
  query: RangeQuery & { stacked: boolean };
  series: { labels: Record<string, string>; points: [number, number][]; stackedPoints?: [number, number][] }[];
  exemplars: DrawnExemplar[];
}

// Colours distinguishable on both themes' backgrounds.
const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#7f7f7f', '#3b8ede', '#e8590c', '#37b24d', '#f03e3e', '#ae3ec9', '#0ca678',
];

// A series' colour from its labels (FNV-1a), so it keeps its colour when others come and go.
export function seriesColor(labels: Record<string, string>): string {
  const key = formatSeries(labels);
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}

// Prometheus' sample value strings as numbers ("+Inf" is not something parseFloat reads).
export function parseSample(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

export function traceIdOf(labels: Record<string, string>): string | null {
  return labels['trace_id'] || labels['traceID'] || labels['traceId'] || null;
}

interface Prepared {
  xs: number[];
  raw: (number | null)[][]; // per series, aligned on xs; null where there is no finite sample
  series: MatrixSeries[];
  skippedHistograms: number;
}

function prepare(result: MatrixSeries[]): Prepared {
  const drawn = result.filter((s) => s.values && s.values.length);
  const times = new Set<number>();
  for (const s of drawn) for (const [t] of s.values ?? []) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const raw = drawn.map((s) => {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.values ?? []) {
      const n = parseSample(v);
      // uPlot cannot place NaN or ±Inf: they are left out, as gaps.
      if (Number.isFinite(n)) row[index.get(t) as number] = n;
    }
    return row;
  });
  return { xs, raw, series: drawn, skippedHistograms: result.length - drawn.length };
}

// Each shown series on top of the shown ones before it; null stays null (a gap).
function stackRows(raw: (number | null)[][], shown: boolean[]): (number | null)[][] {
  const acc: number[] = new Array(raw[0]?.length ?? 0).fill(0);
  return raw.map((row, s) =>
    row.map((v, i) => {
      if (v === null) return null;
      if (!shown[s]) return v;
      acc[i] += v;
      return acc[i];
    }),
  );
}

function stackBands(shown: boolean[]): uPlot.Band[] {
  const bands: uPlot.Band[] = [];
  let below = -1;
  shown.forEach((on, s) => {
    if (!on) return;
    if (below >= 0) bands.push({ series: [s + 1, below + 1] });
    below = s;
  });
  return bands;
}

function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return hex + a;
}

// Makes the legend's rows reachable with the keyboard: Tab to a series, Enter or Space hides it.
function keyboardLegend(u: uPlot): void {
  u.root.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row, i) => {
    if (i === 0) return; // the time
    const th = row.querySelector('th');
    if (!th) return;
    th.tabIndex = 0;
    th.setAttribute('role', 'button');
    th.setAttribute('aria-pressed', String(u.series[i].show !== false));
    th.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      u.setSeries(i, { show: u.series[i].show === false });
    });
  });
}

export function Graph(props: {
  query: RangeQuery;
  result: MatrixSeries[];
  stacked: boolean;
  exemplars: Exemplar[] | null;
}): JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<HTMLDivElement>(null);
  const markers = useRef<HTMLDivElement | null>(null);
  const [theme, setTheme] = useState(0);
  const [hover, setHover] = useState<{ x: number; y: number; exemplar: Exemplar } | null>(null);
  const prepared = useMemo(() => prepare(props.result), [props.result]);

  useEffect(() => {
    const onTheme = () => setTheme((t) => t + 1);
    window.addEventListener('tidemark-theme', onTheme);
    return () => window.removeEventListener('tidemark-theme', onTheme);
  }, []);

  useEffect(() => {
    const el = chart.current;
    const box = container.current;
    if (!el || !box) return;
    const { xs, raw, series } = prepared;
    const { start, end } = props.query;
    const stacked = props.stacked;
    const exemplars = (props.exemplars ?? []).filter((e) => e.time >= start && e.time <= end && Number.isFinite(e.value));
    const fg = cssVar('--fg-muted') || '#666';
    const grid = cssVar('--grid') || '#ddd';
    const colors = series.map((s) => seriesColor(s.metric));
    const shown = series.map(() => true);
    const rows = () => (stacked ? stackRows(raw, shown) : raw);
    const height = () => (window.innerWidth < 600 ? 240 : 320);

    // Where the exemplars are (recomputed after every draw: zoom, resize, series toggled).
    const placeExemplars = (u: uPlot) => {
      const layer = markers.current;
      if (!layer) return;
      const boxRect = box.getBoundingClientRect();
      const overRect = u.over.getBoundingClientRect();
      const drawn: DrawnExemplar[] = [];
      const xMin = u.scales.x.min ?? start;
      const xMax = u.scales.x.max ?? end;
      const yMin = u.scales.y.min ?? -Infinity;
      const yMax = u.scales.y.max ?? Infinity;
      layer.replaceChildren();
      for (const e of exemplars.slice(0, 1000)) {
        if (e.time < xMin || e.time > xMax || e.value < yMin || e.value > yMax) continue;
        const left = u.valToPos(e.time, 'x');
        const top = u.valToPos(e.value, 'y');
        const traceId = traceIdOf(e.labels);
        const marker = document.createElement('button');
        marker.type = 'button';
        marker.className = 'exemplar-marker';
        marker.dataset.testid = 'exemplar';
        marker.style.left = `${left}px`;
        marker.style.top = `${top}px`;
        marker.style.setProperty('--exemplar-color', seriesColor(e.seriesLabels));
        marker.setAttribute(
          'aria-label',
          `Exemplar ${formatValue(e.value)} at ${formatTime(e.time * 1000)}${traceId ? `, trace ${traceId}` : ''}`,
        );
        if (!traceId) marker.setAttribute('aria-disabled', 'true');
        const show = () => setHover({ x: overRect.left - boxRect.left + left, y: overRect.top - boxRect.top + top, exemplar: e });
        marker.addEventListener('mouseenter', show);
        marker.addEventListener('focus', show);
        marker.addEventListener('mouseleave', () => setHover(null));
        marker.addEventListener('blur', () => setHover(null));
        // uPlot starts a zoom selection on mousedown in its overlay; a marker is a link instead.
        marker.addEventListener('mousedown', (ev) => ev.stopPropagation());
        marker.addEventListener('click', (ev) => {
          ev.stopPropagation();
          if (traceId) navigate(`trace/${encodeURIComponent(traceId)}`);
        });
        layer.appendChild(marker);
        drawn.push({ x: overRect.left - boxRect.left + left, y: overRect.top - boxRect.top + top, traceId });
      }
      box.dataset.exemplars = JSON.stringify(drawn);
      const test = (box as HTMLElement & { tidemarkGraph?: GraphTestData }).tidemarkGraph;
      if (test) test.exemplars = drawn;
    };

    const opts: uPlot.Options = {
      width: Math.max(200, box.clientWidth),
      height: height(),
      series: [
        { value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
        ...series.map(
          (s, i): uPlot.Series => ({
            label: formatSeries(s.metric),
            stroke: colors[i],
            width: 1.5,
            fill: stacked ? withAlpha(colors[i], 0.35) : undefined,
            spanGaps: false,
            // The legend shows the series' own value, also when stacked.
            value: (_u, _v, _si, idx) => (idx === null || raw[i][idx] === null ? '—' : formatValue(raw[i][idx] as number)),
            points: { size: 4 },
          }),
        ),
      ],
      bands: stacked ? stackBands(shown) : [],
      scales: {
        x: { time: true, range: [start, end] },
        y: {
          range: (_u, min, max) => {
            // Exemplars are on the y-axis' scale too: the range takes them in. Stacks start at 0.
            if (stacked) min = Math.min(0, min);
            for (const e of exemplars) {
              min = Math.min(min, e.value);
              max = Math.max(max, e.value);
            }
            if (min === max) return [min - 1, max + 1];
            return uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
        {
          stroke: fg,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          values: (_u, splits) => splits.map((v) => formatShort(v)),
          size: 56,
        },
      ],
      cursor: { points: { size: 6 } },
      legend: { live: true },
      hooks: {
        draw: [placeExemplars],
        setSeries: [
          (u, i) => {
            if (i === null) return;
            const th = u.root.querySelectorAll('.u-legend .u-series th')[i];
            th?.setAttribute('aria-pressed', String(u.series[i].show !== false));
            if (!stacked) return;
            shown[i - 1] = u.series[i].show !== false;
            u.delBand(null);
            for (const b of stackBands(shown)) u.addBand(b);
            u.setData([xs, ...rows()] as uPlot.AlignedData);
          },
        ],
      },
    };
    const data = [xs, ...rows()] as uPlot.AlignedData;

    const test: GraphTestData = {
      query: { ...props.query, stacked },
      series: series.map((s, i) => ({
        labels: s.metric,
        points: xs.flatMap((t, k) => (raw[i][k] === null ? [] : [[t, raw[i][k] as number] as [number, number]])),
        ...(stacked
          ? { stackedPoints: xs.flatMap((t, k) => (data[i + 1][k] == null ? [] : [[t, data[i + 1][k] as number] as [number, number]])) }
          : {}),
      })),
      exemplars: [],
    };
    (box as HTMLElement & { tidemarkGraph?: GraphTestData }).tidemarkGraph = test;
    box.dataset.query = JSON.stringify(test.query);

    if (series.length === 0 && exemplars.length === 0) return; // nothing to draw: the note says so

    const layer = document.createElement('div');
    layer.className = 'exemplar-layer';
    markers.current = layer;
    const u = new uPlot(opts, data, el);
    u.over.appendChild(layer);
    keyboardLegend(u);

    let width = box.clientWidth;
    const observer = new ResizeObserver(() => {
      if (box.clientWidth === width) return;
      width = box.clientWidth;
      u.setSize({ width: Math.max(200, width), height: height() });
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      u.destroy();
      markers.current = null;
      setHover(null);
    };
  }, [prepared, props.query, props.stacked, props.exemplars, theme]);

  const e = hover?.exemplar;
  return (
    <div class="graph" data-testid="graph" ref={container}>
      {prepared.series.length === 0 && <p class="muted">No data points in this range.</p>}
      {prepared.skippedHistograms > 0 && (
        <p class="muted">
          {prepared.skippedHistograms} series of native histograms are not drawn; see the table.
        </p>
      )}
      <div ref={chart} />
      {hover && e && (
        <div
          class={`exemplar-tip${hover.x > (container.current?.clientWidth ?? 0) / 2 ? ' left' : ''}`}
          role="tooltip"
          style={{ left: `${hover.x}px`, top: `${hover.y}px` }}
        >
          <div>
            <strong>Exemplar</strong> {formatValue(e.value)} at {formatTime(e.time * 1000)}
          </div>
          <div class="mono">{formatSeries(e.seriesLabels)}</div>
          {Object.entries(e.labels).map(([k, v]) => (
            <div key={k} class="mono">
              {k}="{v}"
            </div>
          ))}
          {traceIdOf(e.labels) && <div class="muted">Click to open the trace</div>}
        </div>
      )}
    </div>
  );
}
