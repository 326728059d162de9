// The query page: PromQL panels (query_panel.tsx), each a table or a graph, all of their state in
// the URL (query_state.ts) so a reload or a shared link shows the same view.
import './query.css';
import type { JSX } from 'preact';
import { useRef } from 'preact/hooks';
import { Page } from '../components';
import { navigate } from '../router';
import { Panel } from './query_panel';
import { DEFAULT_PANEL, RANGES, readPanels, writePanels, type PanelState } from './query_state';

let nextKey = 0;

export function QueryPage(props: { params: URLSearchParams }): JSX.Element {
  const panels = readPanels(props.params);
  // Keys that follow the panels when one in the middle is removed (the URL only has positions),
  // so each panel keeps its own unsaved text.
  const keys = useRef<number[]>([]);
  if (keys.current.length !== panels.length) keys.current = panels.map(() => nextKey++);

  const save = (next: PanelState[]) => navigate('query', writePanels(next, props.params), true);
  const add = () => {
    keys.current = [...keys.current, nextKey++];
    const last = panels[panels.length - 1];
    // A new panel starts with the last one's time settings, empty.
    save([...panels, { ...DEFAULT_PANEL, tab: last.tab, range: last.range, end: last.end, step: last.step }]);
  };
  const remove = (i: number) => {
    keys.current = keys.current.filter((_, k) => k !== i);
    save(panels.filter((_, k) => k !== i));
  };

  return (
    <Page
      title="Query"
      actions={
        <button type="button" onClick={add}>
          Add panel
        </button>
      }
    >
      <datalist id="query-ranges">
        {RANGES.map((r) => (
          <option key={r} value={r} />
        ))}
      </datalist>
      {panels.map((p, i) => (
        <Panel
          key={keys.current[i]}
          index={i}
          state={p}
          onChange={(next) => save(panels.map((q, k) => (k === i ? next : q)))}
          onRemove={panels.length > 1 ? () => remove(i) : null}
        />
      ))}
    </Page>
  );
}
