// A code editor for one query language: a textarea over a highlighted copy of its text, with
// autocompletion and the parse error marked where it is. Light on purpose (no editor framework):
// queries are a few lines. Enter runs the query, Shift+Enter adds a line, Ctrl+Space completes.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Token {
  text: string;
  // keyword, function, metric, label, string, number, duration, operator, attribute, comment, plain
  kind: string;
}

export interface Completion {
  label: string;
  detail?: string;
  kind?: string; // what it is: function, metric, label, value, keyword, attribute
  insert?: string; // the text inserted, if not the label
}

export interface CompletionResult {
  from: number; // the range of the text the completion replaces
  to: number;
  items: Completion[];
}

export interface ErrorMark {
  start: number; // offsets into the text; end may equal start (marks one character)
  end: number;
  message: string;
}

export interface EditorProps {
  value: string;
  onInput: (value: string) => void;
  onSubmit: () => void;
  tokenize: (text: string) => Token[];
  complete?: (text: string, cursor: number) => Promise<CompletionResult | null>;
  error?: ErrorMark | null;
  placeholder?: string;
  label: string; // the accessible name
  testId?: string;
}

// The highlighted text: tokens as spans, the error's range marked inside them.
function highlight(tokens: Token[], error: ErrorMark | null | undefined): JSX.Element[] {
  const out: JSX.Element[] = [];
  let offset = 0;
  const errStart = error ? error.start : -1;
  const errEnd = error ? Math.max(error.end, error.start + 1) : -1;
  tokens.forEach((token, i) => {
    const start = offset;
    const end = offset + token.text.length;
    offset = end;
    const cls = `tok-${token.kind}`;
    if (!error || end <= errStart || start >= errEnd) {
      out.push(
        <span key={i} class={cls}>
          {token.text}
        </span>,
      );
      return;
    }
    const a = Math.max(errStart, start) - start;
    const b = Math.min(errEnd, end) - start;
    out.push(
      <span key={i} class={cls}>
        {token.text.slice(0, a)}
        <span class="tok-error">{token.text.slice(a, b)}</span>
        {token.text.slice(b)}
      </span>,
    );
  });
  // An error at the end of the text (an unexpected end of input) marks a space after it.
  if (error && errStart >= offset) out.push(<span key="end" class="tok-error"> </span>);
  return out;
}

export function Editor(props: EditorProps): JSX.Element {
  const input = useRef<HTMLTextAreaElement>(null);
  const [completion, setCompletion] = useState<CompletionResult | null>(null);
  const [selected, setSelected] = useState(0);
  const request = useRef(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => () => window.clearTimeout(timer.current), []);

  const askCompletions = (text: string, cursor: number) => {
    if (!props.complete) return;
    const id = ++request.current;
    props
      .complete(text, cursor)
      .then((result) => {
        if (id !== request.current) return;
        setCompletion(result && result.items.length ? result : null);
        setSelected(0);
      })
      .catch(() => {
        if (id === request.current) setCompletion(null);
      });
  };

  const accept = (item: Completion) => {
    if (!completion) return;
    const text = props.value;
    const insert = item.insert ?? item.label;
    const next = text.slice(0, completion.from) + insert + text.slice(completion.to);
    request.current++; // an answer still on its way must not reopen the list
    setCompletion(null);
    const cursor = completion.from + insert.length;
    // The text and the cursor change together, now: a rerender finds the value already there
    // and leaves the cursor alone, and a key typed next lands after the completion.
    const el = input.current;
    if (el) {
      el.value = next;
      el.focus();
      el.setSelectionRange(cursor, cursor);
    }
    props.onInput(next);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (completion) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = completion.items.length;
        setSelected((s) => (s + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        accept(completion.items[selected]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setCompletion(null);
        return;
      }
    }
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      const el = e.target as HTMLTextAreaElement;
      askCompletions(el.value, el.selectionStart);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      setCompletion(null);
      props.onSubmit();
    }
  };

  const onInput = (e: Event) => {
    const el = e.target as HTMLTextAreaElement;
    props.onInput(el.value);
    const cursor = el.selectionStart;
    const typed = el.value.slice(cursor - 1, cursor);
    window.clearTimeout(timer.current);
    if (/[\w.:"'{,=~(]/.test(typed)) {
      timer.current = window.setTimeout(() => askCompletions(el.value, cursor), 80);
    } else {
      request.current++; // an answer still on its way must not reopen the list
      setCompletion(null);
    }
  };

  const lines = Math.min(12, Math.max(1, props.value.split('\n').length));
  const listId = props.testId ? `${props.testId}-completions` : undefined;
  return (
    <div class="editor" data-testid={props.testId}>
      <div class="editor-field">
        <pre class="editor-highlight" aria-hidden="true">
          {highlight(props.tokenize(props.value), props.error)}
          {'\n'}
        </pre>
        <textarea
          ref={input}
          class="editor-input"
          rows={lines}
          value={props.value}
          placeholder={props.placeholder}
          aria-label={props.label}
          aria-autocomplete="list"
          aria-expanded={completion ? 'true' : 'false'}
          aria-controls={listId}
          aria-invalid={props.error ? 'true' : 'false'}
          spellcheck={false}
          autocomplete="off"
          onInput={onInput}
          onKeyDown={onKeyDown}
          onBlur={() => window.setTimeout(() => setCompletion(null), 150)}
        />
      </div>
      {completion && (
        <ul class="completions" role="listbox" id={listId}>
          {completion.items.slice(0, 50).map((item, i) => (
            <li
              key={item.label}
              role="option"
              aria-selected={i === selected}
              class={i === selected ? 'selected' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(item);
              }}
            >
              <span class={`completion-kind kind-${item.kind ?? 'plain'}`}>{(item.kind ?? '')[0] ?? ''}</span>
              <span class="completion-label">{item.label}</span>
              {item.detail && <span class="completion-detail">{item.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {props.error && (
        <div class="editor-error" role="alert">
          {props.error.message}
        </div>
      )}
    </div>
  );
}
