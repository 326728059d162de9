// Pieces every page uses: loading and error states, label badges, a data-fetching hook.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorMessage, isAbort } from './api';

export interface Fetched<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

// Runs `load` when `deps` change (and on reload()), cancelling the previous run; with
// `refreshMs`, again at that period while the page is shown.
export function useFetch<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs = 0): Fetched<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    const run = () => {
      setState((s) => ({ ...s, loading: true }));
      load(controller.signal)
        .then((data) => setState({ data, error: null, loading: false }))
        .catch((e) => {
          if (!isAbort(e)) setState((s) => ({ data: s.data, error: errorMessage(e), loading: false }));
        })
        .finally(() => {
          if (refreshMs > 0 && !controller.signal.aborted) timer = window.setTimeout(run, refreshMs);
        });
    };
    run();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}

export function ErrorBox(props: { error: string | null | undefined; title?: string }): JSX.Element | null {
  if (!props.error) return null;
  return (
    <div class="error-box" role="alert">
      {props.title && <strong>{props.title}: </strong>}
      {props.error}
    </div>
  );
}

export function Loading(props: { when: boolean }): JSX.Element | null {
  return props.when ? (
    <div class="loading" aria-live="polite">
      Loading…
    </div>
  ) : null;
}

export function LabelBadges(props: { labels: Record<string, string>; skip?: string[] }): JSX.Element {
  return (
    <span class="labels">
      {Object.entries(props.labels)
        .filter(([k]) => !(props.skip ?? []).includes(k))
        .map(([k, v]) => (
          <span class="label-badge" key={k}>
            {k}="{v}"
          </span>
        ))}
    </span>
  );
}

// A coloured state word: firing, pending, inactive, ok, err, up, down, unknown.
export function StateBadge(props: { state: string }): JSX.Element {
  return <span class={`state state-${props.state.toLowerCase()}`}>{props.state}</span>;
}

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }): JSX.Element {
  useEffect(() => {
    document.title = `${props.title} · tidemark`;
  }, [props.title]);
  return (
    <section class="page">
      <div class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

// A collapsible section with a title row that the keyboard can open and close.
export function Collapsible(props: {
  title: ComponentChildren;
  open?: boolean;
  children: ComponentChildren;
  testId?: string;
}): JSX.Element {
  return (
    <details class="collapsible" open={props.open ?? true} data-testid={props.testId}>
      <summary>{props.title}</summary>
      <div class="collapsible-body">{props.children}</div>
    </details>
  );
}

// A row of tabs (ARIA tablist): one button per choice, the current one marked; each button's
// test id is `${testIdPrefix}-${value}`.
export function TabButtons<T extends string>(props: {
  choices: readonly (readonly [T, string])[];
  value: T;
  onChange: (value: T) => void;
  testIdPrefix: string;
}): JSX.Element {
  return (
    <>
      {props.choices.map(([value, title]) => (
        <button
          key={value}
          type="button"
          role="tab"
          aria-selected={props.value === value}
          class={props.value === value ? 'active' : ''}
          data-testid={`${props.testIdPrefix}-${value}`}
          onClick={() => props.onChange(value)}
        >
          {title}
        </button>
      ))}
    </>
  );
}
