// The query page's state as it lives in the URL, with Prometheus' parameter names so its links
// open here too: g0.expr, g0.tab (graph|table; Prometheus' classic 0|1 is read as well),
// g0.range_input (1h), g0.end_input ("2026-12-03 13:45:07", UTC, empty for now),
// g0.step_input (seconds or a duration, empty for automatic), g0.stacked, g0.show_exemplars
// (1|0), then g1.* and so on.
import { formatPromDuration, parseDuration } from '../format';

export type Tab = 'graph' | 'table';

export interface PanelState {
  expr: string;
  tab: Tab;
  range: string;
  end: string; // "" is now
  step: string; // "" is automatic
  stacked: boolean;
  exemplars: boolean;
}

export const DEFAULT_PANEL: PanelState = {
  expr: '',
  tab: 'table',
  range: '1h',
  end: '',
  step: '',
  stacked: false,
  exemplars: false,
};

export const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '1w', '2w', '4w'];

const flag = (v: string | null) => v === '1' || v === 'true';

export function readPanels(params: URLSearchParams): PanelState[] {
  const indices = new Set<number>();
  for (const key of params.keys()) {
    const m = /^g(\d+)\./.exec(key);
    if (m) indices.add(Number(m[1]));
  }
  if (indices.size === 0) return [{ ...DEFAULT_PANEL }];
  return [...indices]
    .sort((a, b) => a - b)
    .map((i) => {
      const get = (name: string) => params.get(`g${i}.${name}`);
      const tab = get('tab');
      return {
        expr: get('expr') ?? '',
        tab: tab === 'graph' || tab === '0' ? 'graph' : 'table',
        range: get('range_input') || DEFAULT_PANEL.range,
        end: get('end_input') ?? '',
        step: get('step_input') ?? '',
        stacked: flag(get('stacked')),
        exemplars: flag(get('show_exemplars')),
      };
    });
}

// The page's parameters with `panels` written in (parameters that are not panels' are kept).
export function writePanels(panels: PanelState[], params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of params) if (!/^g\d+\./.test(k)) out.append(k, v);
  panels.forEach((p, i) => {
    out.set(`g${i}.expr`, p.expr);
    out.set(`g${i}.tab`, p.tab);
    out.set(`g${i}.range_input`, p.range);
    out.set(`g${i}.end_input`, p.end);
    out.set(`g${i}.step_input`, p.step);
    out.set(`g${i}.stacked`, p.stacked ? '1' : '0');
    out.set(`g${i}.show_exemplars`, p.exemplars ? '1' : '0');
  });
  return out;
}

// end_input as milliseconds: "YYYY-MM-DD HH:MM[:SS]" is UTC (as Prometheus writes it), RFC 3339
// carries its zone, a plain number is Unix seconds. null for now (empty) or what does not parse.
export function parseEnd(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(t);
  if (m) {
    const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0)) + Math.round(ms);
  }
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? null : parsed;
}

export function formatEnd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// For <input type="datetime-local">, which shows and reads local time.
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}

export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

export function rangeSeconds(range: string): number {
  return parseDuration(range) ?? 3600;
}

// Prometheus' automatic resolution: about 250 points over the range, at least a second.
export function autoStep(rangeSec: number): number {
  return Math.max(1, Math.floor(rangeSec / 250));
}

// step_input in seconds: a number of seconds or a duration; null when empty or invalid.
export function parseStep(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) > 0 ? Number(t) : null;
  const d = parseDuration(t);
  return d && d > 0 ? d : null;
}

// The next bigger or smaller of the preset ranges.
export function stepRange(range: string, direction: 1 | -1): string {
  const sec = rangeSeconds(range);
  const secs = RANGES.map((r) => parseDuration(r) as number);
  if (direction > 0) {
    const i = secs.findIndex((s) => s > sec);
    return i < 0 ? formatPromDuration(sec * 2) : RANGES[i];
  }
  for (let i = secs.length - 1; i >= 0; i--) if (secs[i] < sec) return RANGES[i];
  return formatPromDuration(Math.max(1, Math.floor(sec / 2)));
}

// Seconds with at most millisecond digits, as the API reads them.
export function apiTime(ms: number): string {
  return String(Math.round(ms) / 1000);
}
