// One panel of the query page: the PromQL editor, the table and graph tabs with their time
// controls, and the answer. What was run lives in the URL (the page's state); the text being
// edited is the panel's own until it runs.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { errorMessage, getJson, isAbort } from '../api';
import { ErrorBox, TabButtons } from '../components';
import { Editor, type ErrorMark } from '../editor';
import { formatDurationMs, formatPromDuration, parseDuration } from '../format';
import { checkSyntax, complete, parseErrorMark, tokenize } from '../promql';
import { Graph, parseSample, type Exemplar, type MatrixSeries, type RangeQuery } from './graph';
import { ResultTable, type QueryData } from './query_table';
import {
  RANGES,
  apiTime,
  autoStep,
  formatEnd,
  fromLocalInput,
  parseEnd,
  parseStep,
  rangeSeconds,
  stepRange,
  toLocalInput,
  type PanelState,
} from './query_state';

interface Envelope<T> {
  status: string;
  data: T;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

type Answer =
  | { tab: 'table'; data: QueryData; time: number }
  | { tab: 'graph'; range: RangeQuery; result: MatrixSeries[]; exemplars: Exemplar[] | null; exemplarError: string | null };

interface Outcome {
  answer: Answer | null;
  warnings: string[];
  error: string | null;
  mark: ErrorMark | null; // the error's position in the expression that ran
  took: number;
}

async function run(state: PanelState, signal: AbortSignal): Promise<Outcome> {
  const began = performance.now();
  const endMs = parseEnd(state.end) ?? Date.now();
  if (state.tab === 'table') {
    const body = await getJson<Envelope<QueryData>>('api/v1/query', { query: state.expr, time: apiTime(endMs) }, signal);
    return {
      answer: { tab: 'table', data: body.data, time: endMs },
      warnings: [...(body.warnings ?? []), ...(body.infos ?? [])],
      error: null,
      mark: null,
      took: performance.now() - began,
    };
  }
  const rangeSec = rangeSeconds(state.range);
  const step = parseStep(state.step) ?? autoStep(rangeSec);
  const start = apiTime(endMs - rangeSec * 1000);
  const end = apiTime(endMs);
  const range: RangeQuery = { query: state.expr, start: Number(start), end: Number(end), step };
  const exemplarsCall = state.exemplars
    ? getJson<Envelope<ExemplarSeries[]>>('api/v1/query_exemplars', { query: state.expr, start, end }, signal)
    : null;
  const body = await getJson<Envelope<{ resultType: string; result: MatrixSeries[] }>>(
    'api/v1/query_range',
    { query: state.expr, start, end, step: String(step) },
    signal,
  );
  let exemplars: Exemplar[] | null = null;
  let exemplarError: string | null = null;
  if (exemplarsCall) {
    try {
      exemplars = (await exemplarsCall).data.flatMap((s) =>
        s.exemplars.map((e) => ({ seriesLabels: s.seriesLabels, labels: e.labels, value: parseSample(e.value), time: e.timestamp })),
      );
    } catch (e) {
      if (isAbort(e)) throw e;
      exemplarError = errorMessage(e);
    }
  }
  return {
    answer: { tab: 'graph', range, result: body.data.result, exemplars, exemplarError },
    warnings: [...(body.warnings ?? []), ...(body.infos ?? [])],
    error: null,
    mark: null,
    took: performance.now() - began,
  };
}

// A duration field that takes effect once it holds a valid duration.
function RangeField(props: { value: string; onChange: (v: string) => void }): JSX.Element {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const valid = parseDuration(text) !== null;
  const commit = (v: string) => {
    if (parseDuration(v) !== null && v !== props.value) props.onChange(v);
  };
  return (
    <span class="control-group">
      <button type="button" aria-label="Shorter range" title="Shorter range" onClick={() => props.onChange(stepRange(props.value, -1))}>
        −
      </button>
      <input
        class="range-input"
        aria-label="Range"
        aria-invalid={valid ? 'false' : 'true'}
        list="query-ranges"
        size={5}
        value={text}
        onInput={(e) => {
          const v = (e.target as HTMLInputElement).value;
          setText(v);
          if (RANGES.includes(v)) commit(v);
        }}
        onChange={(e) => commit((e.target as HTMLInputElement).value)}
      />
      <button type="button" aria-label="Longer range" title="Longer range" onClick={() => props.onChange(stepRange(props.value, 1))}>
        +
      </button>
    </span>
  );
}

function EndField(props: { value: string; range: string; onChange: (v: string) => void; label: string }): JSX.Element {
  const endMs = parseEnd(props.value);
  const shift = (direction: number) => {
    const base = endMs ?? Date.now();
    props.onChange(formatEnd(base + (direction * rangeSeconds(props.range) * 1000) / 2));
  };
  return (
    <span class="control-group">
      <button type="button" aria-label="Earlier" title="Move back by half the range" onClick={() => shift(-1)}>
        ‹
      </button>
      <input
        type="datetime-local"
        step={1}
        aria-label={props.label}
        value={endMs === null ? '' : toLocalInput(endMs)}
        onChange={(e) => {
          const ms = fromLocalInput((e.target as HTMLInputElement).value);
          props.onChange(ms === null ? '' : formatEnd(ms));
        }}
      />
      <button type="button" aria-label="Later" title="Move forward by half the range" onClick={() => shift(1)}>
        ›
      </button>
      <button type="button" aria-pressed={endMs === null} title="End at the current time" onClick={() => props.onChange('')}>
        now
      </button>
    </span>
  );
}

function StepField(props: { value: string; range: string; onChange: (v: string) => void }): JSX.Element {
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  const valid = !text.trim() || parseStep(text) !== null;
  return (
    <label class="control-group">
      <span class="muted">Step</span>
      <input
        class="step-input"
        size={6}
        aria-invalid={valid ? 'false' : 'true'}
        placeholder={formatPromDuration(autoStep(rangeSeconds(props.range)))}
        title="Resolution: seconds or a duration; empty for about 250 points over the range"
        value={text}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onChange={(e) => {
          const v = (e.target as HTMLInputElement).value.trim();
          if (!v || parseStep(v) !== null) props.onChange(v);
        }}
      />
    </label>
  );
}

export function Panel(props: {
  state: PanelState;
  index: number;
  onChange: (next: PanelState) => void;
  onRemove: (() => void) | null;
}): JSX.Element {
  const { state } = props;
  const [draft, setDraft] = useState(state.expr);
  const [runs, setRuns] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [loading, setLoading] = useState(false);
  const [liveError, setLiveError] = useState<ErrorMark | null>(null);

  // The expression that ran changed outside the editor (a link, going back).
  useEffect(() => setDraft(state.expr), [state.expr]);

  // The server's parser checks what is typed once typing stops.
  useEffect(() => {
    setLiveError(null);
    if (!draft.trim()) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      checkSyntax(draft, controller.signal)
        .then((mark) => {
          if (!controller.signal.aborted) setLiveError(mark);
        })
        .catch(() => undefined); // not a parse error: the query itself will say
    }, 400);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [draft]);

  useEffect(() => {
    if (!state.expr.trim()) {
      setOutcome(null);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    run(state, controller.signal)
      .then((o) => setOutcome(o))
      .catch((e) => {
        if (isAbort(e)) return;
        const message = errorMessage(e);
        setOutcome({ answer: null, warnings: [], error: message, mark: parseErrorMark(state.expr, message), took: 0 });
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.expr, state.tab, state.range, state.end, state.step, state.exemplars, runs]);

  const execute = () => {
    props.onChange({ ...state, expr: draft });
    setRuns((r) => r + 1);
  };
  const set = (patch: Partial<PanelState>) => props.onChange({ ...state, ...patch });

  const runMark = outcome?.mark && draft === state.expr ? outcome.mark : null;
  const editorError = liveError ?? runMark;
  const answer = outcome?.answer;
  const graphQuery = answer?.tab === 'graph' ? answer.range : null;
  // A new object only when the answer changes, so the graph is not rebuilt on every render.
  const graph = useMemo(
    () =>
      answer?.tab === 'graph' && graphQuery ? (
        <Graph query={graphQuery} result={answer.result} stacked={state.stacked} exemplars={answer.exemplars} />
      ) : null,
    [answer, graphQuery, state.stacked],
  );
  const n = props.index;
  return (
    <section class="query-panel" data-testid="panel" aria-label={`Query panel ${n + 1}`}>
      <div class="query-row">
        <Editor
          value={draft}
          onInput={setDraft}
          onSubmit={execute}
          tokenize={tokenize}
          complete={complete}
          error={editorError}
          placeholder="Expression (press Enter to run, Shift+Enter for a new line)"
          label={`PromQL expression ${n + 1}`}
          testId="panel-expr"
        />
        <button type="button" class="primary" data-testid="execute" onClick={execute}>
          {loading ? 'Running…' : 'Execute'}
        </button>
        {props.onRemove && (
          <button type="button" aria-label={`Remove panel ${n + 1}`} title="Remove this panel" onClick={props.onRemove}>
            ✕
          </button>
        )}
      </div>
      <div class="query-tabs" role="tablist" aria-label="Result view">
        <TabButtons
          choices={[
            ['table', 'Table'],
            ['graph', 'Graph'],
          ]}
          value={state.tab}
          onChange={(tab) => set({ tab })}
          testIdPrefix="tab"
        />
        {outcome && !outcome.error && (
          <span class="muted query-meta" aria-live="polite">
            {loading ? 'Running…' : `took ${formatDurationMs(outcome.took)}`}
          </span>
        )}
      </div>
      <div class="query-controls">
        {state.tab === 'graph' && <RangeField value={state.range} onChange={(range) => set({ range })} />}
        <EndField
          value={state.end}
          range={state.range}
          label={state.tab === 'graph' ? 'End time' : 'Evaluation time'}
          onChange={(end) => set({ end })}
        />
        {state.tab === 'graph' && (
          <>
            <StepField value={state.step} range={state.range} onChange={(step) => set({ step })} />
            <label class="control-group">
              <input type="checkbox" checked={state.stacked} onChange={() => set({ stacked: !state.stacked })} />
              Stacked
            </label>
            <label class="control-group">
              <input type="checkbox" checked={state.exemplars} onChange={() => set({ exemplars: !state.exemplars })} />
              Exemplars
            </label>
          </>
        )}
      </div>
      {outcome?.error && !(runMark && editorError === runMark) && <ErrorBox error={outcome.error} />}
      {outcome?.warnings.map((w, i) => (
        <div key={i} class="warning-box" role="status">
          {w}
        </div>
      ))}
      {answer?.tab === 'graph' && answer.exemplarError && (
        <div class="warning-box" role="status">
          Exemplars: {answer.exemplarError}
        </div>
      )}
      {answer && answer.tab === state.tab && (answer.tab === 'table' ? <ResultTable data={answer.data} time={answer.time} /> : graph)}
      {!state.expr.trim() && <p class="muted">Type an expression and press Enter.</p>}
    </section>
  );
}
