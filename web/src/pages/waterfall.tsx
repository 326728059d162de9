// The trace's waterfall: one row per span in tree order, its bar at its offset and width on a
// shared timeline. Rows have a fixed height and only those in (or near) the scroll container's
// viewport are rendered, so a trace of 10,000 spans costs the same to draw and scroll as one of
// 50. Keyboard: the rows form a tree (roving tabindex): Up/Down move, Left collapses (or goes to
// the parent), Right expands (or goes to the first child), Home/End, PageUp/PageDown, Enter or
// Space opens the span's details.
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatDurationMs } from '../format';
import type { GenAI, SpanModel, TraceModel } from './trace_model';
import { serviceColor } from './trace_model';

export const ROW_HEIGHT = 28;
const OVERSCAN = 12;
const INDENT = 14; // px per level
const MAX_INDENT_LEVELS = 24;

export interface WaterfallProps {
  trace: TraceModel;
  rows: number[]; // the visible spans (indices), in order
  collapsed: Set<number>;
  onToggle: (span: number) => void;
  onCollapseAll: () => void;
  onExpandAll: () => void;
  selected: number; // -1: none
  onSelect: (span: number) => void;
  active: number; // the span the keyboard is on (and that search jumps to); -1: none
  activeSeq: number; // bumped when `active` must be scrolled into view
  onActive: (span: number) => void;
  matches: Set<number> | null; // in-trace search hits; null: no search
}

export function formatTokens(n: number): string {
  return n >= 10000 ? `${Number((n / 1000).toPrecision(3))}k` : String(n);
}

export function formatCost(c: number): string {
  return c >= 1 ? `$${c.toFixed(2)}` : `$${Number(c.toPrecision(3))}`;
}

// The compact GenAI summary of a span: model, tokens in → out, cost.
export function GenAIBadge(props: { genai: GenAI }): JSX.Element | null {
  const g = props.genai;
  const model = g.responseModel ?? g.requestModel;
  const parts: string[] = [];
  if (model) parts.push(model);
  if (g.inputTokens !== undefined && g.outputTokens !== undefined) {
    parts.push(`${formatTokens(g.inputTokens)}→${formatTokens(g.outputTokens)} tok`);
  } else if (g.inputTokens !== undefined) {
    parts.push(`${formatTokens(g.inputTokens)} tok in`);
  } else if (g.outputTokens !== undefined) {
    parts.push(`${formatTokens(g.outputTokens)} tok out`);
  }
  if (g.cost !== undefined) parts.push(formatCost(g.cost));
  if (!parts.length) return null;
  const title =
    `GenAI${g.operation ? ' ' + g.operation : ''}: ${model ?? 'model unknown'}` +
    (g.inputTokens !== undefined ? `, ${g.inputTokens} input tokens` : '') +
    (g.outputTokens !== undefined ? `, ${g.outputTokens} output tokens` : '') +
    (g.cost !== undefined ? `, cost ${g.cost}` : '');
  return (
    <span class="genai-badge" data-testid="genai-badge" title={title}>
      {parts.join(' · ')}
    </span>
  );
}

// Ticks of the timeline: about `count`, at round durations.
function ticks(durationMs: number, count: number): number[] {
  if (durationMs <= 0) return [0];
  const raw = durationMs / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= durationMs + 1e-9; t += step) out.push(t);
  return out;
}

function Row(props: {
  span: SpanModel;
  trace: TraceModel;
  position: number;
  collapsed: boolean;
  selected: boolean;
  active: boolean;
  match: boolean;
  dim: boolean;
  onToggle: (span: number) => void;
  onClick: (span: number) => void;
}): JSX.Element {
  const { span: s, trace } = props;
  const total = trace.durationMs > 0 ? trace.durationMs : 1;
  const left = (s.offsetMs / total) * 100;
  const width = (s.durationMs / total) * 100;
  const color = serviceColor(s.service);
  const segments = trace.critical.get(s.index);
  const hasChildren = s.children.length > 0;
  const classes = ['wf-row'];
  if (props.selected) classes.push('selected');
  if (props.active) classes.push('active');
  if (s.status === 'error') classes.push('error');
  if (segments) classes.push('critical');
  if (props.match) classes.push('match');
  if (props.dim) classes.push('dim');
  // Past a depth the indentation stops growing (a chain of thousands of spans would push the names
  // out of view); the level is still in aria-level and data-depth.
  const indent = Math.min(s.depth, MAX_INDENT_LEVELS) * INDENT;
  // The duration label goes after the bar when there is room, else before it, else inside it.
  const labelPlace = left + width <= 85 ? 'after' : left >= 15 ? 'before' : 'inside';
  const labelStyle =
    labelPlace === 'after'
      ? { left: `${left + width}%` }
      : labelPlace === 'before'
        ? { right: `${100 - left}%` }
        : { right: `${Math.max(0, 100 - left - width)}%` };
  return (
    <div
      class={classes.join(' ')}
      style={{ top: `${props.position * ROW_HEIGHT}px` }}
      role="treeitem"
      aria-level={s.depth + 1}
      aria-expanded={hasChildren ? !props.collapsed : undefined}
      aria-selected={props.selected}
      tabIndex={props.active ? 0 : -1}
      data-testid="span-row"
      data-span-id={s.spanId}
      data-depth={s.depth}
      data-offset-ms={s.offsetMs}
      data-duration-ms={s.durationMs}
      data-index={s.index}
      onClick={() => props.onClick(s.index)}
    >
      <div class="wf-name" style={{ paddingLeft: `${indent + 4}px` }}>
        {hasChildren ? (
          <button
            class="wf-toggle"
            tabIndex={-1}
            aria-label={props.collapsed ? `Expand ${s.name}` : `Collapse ${s.name}`}
            onClick={(e) => {
              e.stopPropagation();
              props.onToggle(s.index);
            }}
          >
            {props.collapsed ? '▸' : '▾'}
            {props.collapsed && <span class="wf-hidden-count">{s.children.length}</span>}
          </button>
        ) : (
          <span class="wf-toggle-space" />
        )}
        {s.depth > MAX_INDENT_LEVELS && (
          <span class="wf-deep" title={`depth ${s.depth + 1}`}>
            {s.depth + 1}
          </span>
        )}
        <span class="wf-swatch" style={{ background: color }} />
        <span class="wf-service">{s.service}</span>
        <span class="wf-op" title={s.name}>
          {s.name}
        </span>
        {s.status === 'error' && (
          <span class="wf-error-mark" title={s.statusMessage || 'error status'}>
            !
          </span>
        )}
        {s.genai && <GenAIBadge genai={s.genai} />}
      </div>
      <div class="wf-timeline">
        <div
          class="wf-bar"
          style={{ left: `${left}%`, width: `${width}%`, background: color }}
          title={`${s.name}: ${formatDurationMs(s.durationMs)} at +${formatDurationMs(s.offsetMs)}`}
        >
          {segments?.map(([from, to], k) => (
            <span
              key={k}
              class="wf-critical-seg"
              style={{
                left: s.durationMs > 0 ? `${((from - s.offsetMs) / s.durationMs) * 100}%` : '0',
                width: s.durationMs > 0 ? `${((to - from) / s.durationMs) * 100}%` : '100%',
              }}
            />
          ))}
        </div>
        <span class={'wf-dur ' + labelPlace} style={labelStyle}>
          {formatDurationMs(s.durationMs)}
        </span>
      </div>
    </div>
  );
}

export function Waterfall(props: WaterfallProps): JSX.Element {
  const { trace, rows } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const ruler = useRef<HTMLDivElement>(null);
  const [rulerWidth, setRulerWidth] = useState(600);
  const keyboard = useRef(false); // whether focus should follow `active` (keyboard navigation)

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return undefined;
    setViewport(el.clientHeight || 600);
    const ro = new ResizeObserver(() => {
      setViewport(el.clientHeight || 600);
      setRulerWidth(ruler.current?.clientWidth || 600);
    });
    ro.observe(el);
    if (ruler.current) ro.observe(ruler.current);
    return () => ro.disconnect();
  }, []);
  // A label is up to about 60 px wide: fewer ticks on a narrow screen.
  const tickList = ticks(trace.durationMs, Math.max(2, Math.min(8, Math.floor(rulerWidth / 80))));

  // Bring the active row into view when asked (keyboard moves, search jumps, a span from the URL).
  const position = props.active >= 0 ? rows.indexOf(props.active) : -1;
  useEffect(() => {
    const el = scroller.current;
    if (!el || position < 0) return;
    const top = position * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
    setScrollTop(el.scrollTop);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.activeSeq, position]);

  // After a keyboard move has rendered the row, focus it.
  useEffect(() => {
    if (!keyboard.current || props.active < 0) return;
    const row = scroller.current?.querySelector<HTMLElement>(`[data-index="${props.active}"]`);
    row?.focus({ preventScroll: true });
  });

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  const move = (to: number) => {
    if (!rows.length) return;
    const p = Math.max(0, Math.min(rows.length - 1, to));
    keyboard.current = true;
    props.onActive(rows[p]);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const current = position >= 0 ? position : 0;
    const span = rows[current];
    if (span === undefined) return;
    const s = trace.spans[span];
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
        move(current + 1);
        break;
      case 'ArrowUp':
        move(current - 1);
        break;
      case 'PageDown':
        move(current + page);
        break;
      case 'PageUp':
        move(current - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowLeft':
        if (s.children.length && !props.collapsed.has(span)) props.onToggle(span);
        else if (s.parent >= 0) move(rows.indexOf(s.parent));
        break;
      case 'ArrowRight':
        if (s.children.length && props.collapsed.has(span)) props.onToggle(span);
        else if (s.children.length) move(current + 1);
        break;
      case 'Enter':
      case ' ':
        props.onSelect(span);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  // The roving tabindex: the active row takes the focus in the tab order; when it is not rendered
  // (none yet, or scrolled away) the scroller does, and hands the focus to its first visible row.
  const activeRendered = position >= first && position < last;
  const onScrollerFocus = (e: FocusEvent) => {
    if (e.target !== scroller.current || !rows.length) return;
    move(Math.min(rows.length - 1, Math.ceil(scrollTop / ROW_HEIGHT)));
  };
  const rendered: JSX.Element[] = [];
  for (let p = first; p < last; p++) {
    const i = rows[p];
    const s = trace.spans[i];
    rendered.push(
      <Row
        key={i}
        span={s}
        trace={trace}
        position={p}
        collapsed={props.collapsed.has(i)}
        selected={props.selected === i}
        active={props.active === i}
        match={props.matches?.has(i) ?? false}
        dim={props.matches !== null && !props.matches.has(i)}
        onToggle={props.onToggle}
        onClick={(span) => {
          keyboard.current = false;
          props.onActive(span);
          props.onSelect(span);
        }}
      />,
    );
  }

  return (
    <div class="waterfall" data-testid="waterfall" data-rows={rows.length}>
      <div class="wf-head">
        <div class="wf-name wf-head-name">
          <button onClick={props.onExpandAll} title="Expand every span">
            Expand all
          </button>
          <button onClick={props.onCollapseAll} title="Collapse every span with children">
            Collapse all
          </button>
        </div>
        <div class="wf-timeline wf-ruler" aria-hidden="true" ref={ruler}>
          {tickList.map((t) => {
            const x = trace.durationMs > 0 ? (t / trace.durationMs) * 100 : 0;
            return (
              <span key={t} class={'wf-tick' + (x > 90 ? ' end' : '')} style={{ left: `${x}%` }}>
                {formatDurationMs(t)}
              </span>
            );
          })}
        </div>
      </div>
      <div
        class="wf-scroll"
        ref={scroller}
        style={{ height: `min(70vh, ${rows.length * ROW_HEIGHT + 2}px)` }}
        role="tree"
        aria-label="Spans of the trace"
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
        onKeyDown={onKeyDown}
        onFocusOut={() => (keyboard.current = false)}
        onFocusIn={() => (keyboard.current = true)}
        onFocus={onScrollerFocus}
        tabIndex={activeRendered ? -1 : 0}
      >
        <div class="wf-canvas" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
          <div class="wf-gridlines" aria-hidden="true">
            {tickList.map((t) => (
              <span
                key={t}
                style={{ left: `${trace.durationMs > 0 ? (t / trace.durationMs) * 100 : 0}%` }}
              />
            ))}
          </div>
          {rendered}
        </div>
      </div>
    </div>
  );
}
