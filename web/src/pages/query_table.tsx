// An instant query's answer as a table: each series' labels and value (vector), its samples as
// "value @timestamp" (matrix, from a range selector), or the scalar or string.
import type { JSX } from 'preact';
import { LabelBadges } from '../components';
import { formatTime, formatValue } from '../format';
import { parseSample } from './graph';

interface NativeHistogram {
  count: string;
  sum: string;
}

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  histogram?: [number, NativeHistogram];
  values?: [number, string][];
  histograms?: [number, NativeHistogram][];
}

interface SeriesData {
  resultType: 'vector' | 'matrix';
  result: Sample[];
}

interface ValueData {
  resultType: 'scalar' | 'string';
  result: [number, string];
}

export type QueryData = SeriesData | ValueData;

function isValue(d: QueryData): d is ValueData {
  return d.resultType === 'scalar' || d.resultType === 'string';
}

const MAX_ROWS = 1000;

function histogramText(h: NativeHistogram): string {
  return `native histogram: count ${formatValue(parseSample(h.count))}, sum ${formatValue(parseSample(h.sum))}`;
}

function SeriesLabels(props: { metric: Record<string, string> }): JSX.Element {
  const name = props.metric['__name__'];
  const rest = Object.keys(props.metric).filter((k) => k !== '__name__');
  return (
    <span class="series-name">
      {name && <strong class="mono">{name}</strong>}
      {rest.length > 0 && <LabelBadges labels={props.metric} skip={['__name__']} />}
      {!name && !rest.length && <span class="mono">{'{}'}</span>}
    </span>
  );
}

function sampleCell(s: Sample): JSX.Element {
  // Values as the server wrote them (exact; a graph's legend rounds them).
  if (s.value) return <span class="mono">{s.value[1]}</span>;
  if (s.histogram) return <span class="mono">{histogramText(s.histogram[1])}</span>;
  const points: JSX.Element[] = [];
  for (const [t, v] of s.values ?? []) {
    points.push(
      <div key={`v${t}`} class="mono">
        {v} <span class="muted">@{t}</span>
      </div>,
    );
  }
  for (const [t, h] of s.histograms ?? []) {
    points.push(
      <div key={`h${t}`} class="mono">
        {histogramText(h)} <span class="muted">@{t}</span>
      </div>,
    );
  }
  return <div class="matrix-values">{points}</div>;
}

export function ResultTable(props: { data: QueryData; time: number }): JSX.Element {
  const { data } = props;
  if (isValue(data)) {
    const [t, v] = data.result;
    return (
      <div class="table-wrap" data-testid="result-table">
        <table class="result-table">
          <thead>
            <tr>
              <th>{data.resultType}</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td class="muted">{formatTime(t * 1000)}</td>
              <td class="mono">{v}</td>
            </tr>
          </tbody>
        </table>
      </div>
    );
  }
  const rows = data.result.slice(0, MAX_ROWS);
  return (
    <div class="table-wrap" data-testid="result-table">
      <p class="muted result-meta">
        {data.result.length} series ({data.resultType}) at {formatTime(props.time)}
        {data.result.length > MAX_ROWS && `; the first ${MAX_ROWS} are shown`}
      </p>
      {data.result.length === 0 ? (
        <p class="muted">Empty result.</p>
      ) : (
        <table class="result-table">
          <thead>
            <tr>
              <th>Series</th>
              <th>{data.resultType === 'matrix' ? 'Samples' : 'Value'}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s, i) => (
              <tr key={i}>
                <td>
                  <SeriesLabels metric={s.metric} />
                </td>
                <td>{sampleCell(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
