// Search results: a scatter plot of duration over start time (each point a link to its trace)
// and the list, sortable. Both are links, so the keyboard and a middle click work as on any page.
import './trace.css';
import type { JSX } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatAgo, formatDurationMs, formatTime } from '../format';
import { href, Link, navigate } from '../router';
import type { TraceSummary } from './trace_search';
import { serviceColor } from './trace_model';

export type SortKey = 'recent' | 'longest' | 'spans';

export function sortTraces(traces: TraceSummary[], key: SortKey): TraceSummary[] {
  const out = traces.slice();
  if (key === 'longest') out.sort((a, b) => b.durationMs - a.durationMs || b.startMs - a.startMs);
  else if (key === 'spans') out.sort((a, b) => (b.spanCount ?? 0) - (a.spanCount ?? 0) || b.startMs - a.startMs);
  else out.sort((a, b) => b.startMs - a.startMs);
  return out;
}

function clockTime(ms: number, withDate: boolean): string {
  const t = formatTime(ms);
  return withDate ? t.slice(5, 16) : t.slice(11);
}

// A round step (1, 2, 2.5 or 5 times a power of ten) at least `raw`.
function niceStep(raw: number): number {
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
}

const PAD = { left: 56, right: 12, top: 10, bottom: 24 };
const HEIGHT = 180;

// Duration (y) over start time (x). Errors are drawn in the danger colour.
export function TraceScatter(props: { traces: TraceSummary[] }): JSX.Element {
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return undefined;
    setWidth(el.clientWidth || 600);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const ts = props.traces;
  let x0 = Math.min(...ts.map((t) => t.startMs));
  let x1 = Math.max(...ts.map((t) => t.startMs));
  if (!(x1 > x0)) {
    x0 -= 30000;
    x1 += 30000;
  }
  // A margin, so the first and last points are drawn whole.
  const margin = (x1 - x0) * 0.03;
  x0 -= margin;
  x1 += margin;
  const yStep = niceStep(Math.max(...ts.map((t) => t.durationMs), 0.001) / 3);
  const y1 = yStep * Math.ceil((Math.max(...ts.map((t) => t.durationMs), 0.001) * 1.05) / yStep);
  const w = Math.max(200, width);
  const plotW = w - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (ms: number) => PAD.left + ((ms - x0) / (x1 - x0)) * plotW;
  const y = (d: number) => PAD.top + plotH - (d / y1) * plotH;
  const withDate = x1 - x0 > 86400000;
  const xTicks = [0, 1, 2, 3].map((k) => x0 + ((x1 - x0) * k) / 3);
  const yTicks: number[] = [];
  for (let d = 0; d <= y1 + 1e-9; d += yStep) yTicks.push(d);
  return (
    <div class="trace-scatter" ref={wrap} data-testid="trace-scatter">
      <svg width={w} height={HEIGHT} role="img" aria-label="Trace duration over start time">
        {yTicks.map((d) => (
          <g key={`y${d}`}>
            <line class="grid" x1={PAD.left} x2={w - PAD.right} y1={y(d)} y2={y(d)} />
            <text class="axis" x={PAD.left - 6} y={y(d) + 4} text-anchor="end">
              {formatDurationMs(d)}
            </text>
          </g>
        ))}
        {xTicks.map((ms, k) => (
          <text
            key={`x${k}`}
            class="axis"
            x={x(ms)}
            y={HEIGHT - 6}
            text-anchor={k === 0 ? 'start' : k === xTicks.length - 1 ? 'end' : 'middle'}
          >
            {clockTime(ms, withDate)}
          </text>
        ))}
        {ts.map((t) => (
          <a
            key={t.traceId}
            href={href(`trace/${t.traceId}`)}
            class={'scatter-point' + (t.errorCount ? ' error' : '')}
            data-trace-id={t.traceId}
            aria-label={`${t.rootService}: ${t.rootName}, ${formatDurationMs(t.durationMs)}`}
            onClick={(e: MouseEvent) => {
              if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
              e.preventDefault();
              navigate(`trace/${t.traceId}`);
            }}
          >
            <circle cx={x(t.startMs)} cy={y(t.durationMs)} r={Math.min(9, 4 + Math.log2(1 + (t.spanCount ?? 1)) / 2)}>
              <title>
                {t.rootService}: {t.rootName} · {formatDurationMs(t.durationMs)} · {formatTime(t.startMs)}
              </title>
            </circle>
          </a>
        ))}
      </svg>
    </div>
  );
}

function ResultRow(props: { trace: TraceSummary; longest: number }): JSX.Element {
  const t = props.trace;
  const bar = props.longest > 0 ? Math.max(0.5, (t.durationMs / props.longest) * 100) : 0;
  return (
    <li class="trace-result" data-testid="trace-result" data-trace-id={t.traceId}>
      <Link page={`trace/${t.traceId}`} class="trace-result-link">
        <div class="tr-line">
          <span class="tr-title">
            <span class="wf-swatch" style={{ background: serviceColor(t.rootService) }} />
            <span>
              <strong>{t.rootService || '(no root span)'}</strong>: {t.rootName}
            </span>
          </span>
          <span class="tr-id mono" title={t.traceId}>
            {t.traceId.replace(/^0{16}/, '').slice(0, 7)}
          </span>
          <span class="tr-duration">{formatDurationMs(t.durationMs)}</span>
        </div>
        <div class="tr-bar" aria-hidden="true">
          <span style={{ width: `${bar}%` }} />
        </div>
        <div class="tr-line tr-meta">
          {t.spanCount !== undefined && (
            <span class="tr-spans">
              {t.spanCount} span{t.spanCount === 1 ? '' : 's'}
            </span>
          )}
          {(t.errorCount ?? 0) > 0 && (
            <span class="tr-errors">
              {t.errorCount} error{t.errorCount === 1 ? '' : 's'}
            </span>
          )}
          {t.matched !== undefined && <span class="muted">{t.matched} matched</span>}
          <span class="tr-services">
            {(t.services ?? []).map((s) => (
              <span key={s.name} class="service-chip">
                <span class="wf-swatch" style={{ background: serviceColor(s.name) }} />
                {s.name} <span class="muted">{s.spans}</span>
              </span>
            ))}
          </span>
          <span class="tr-start muted" title={formatTime(t.startMs)}>
            {formatTime(t.startMs)} · {formatAgo(t.startMs)}
          </span>
        </div>
      </Link>
    </li>
  );
}

export function TraceList(props: { traces: TraceSummary[] }): JSX.Element {
  const longest = Math.max(0, ...props.traces.map((t) => t.durationMs));
  return (
    <ol class="trace-results" aria-label="Traces found">
      {props.traces.map((t) => (
        <ResultRow key={t.traceId} trace={t} longest={longest} />
      ))}
    </ol>
  );
}
