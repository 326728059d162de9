// The critical path of a trace (see criticalPath).
import type { SpanModel } from './trace_model';

// The critical path: the chain of work that determined when the trace ended. From the root,
// walk its children latest-ending first; the part of the parent after that child ends is the
// parent's own time, the child's part (up to where the previous, later-ending child started) is
// followed recursively, and then time moves back to the child's start. A child that ends after a
// later-ending sibling started is only counted up to that start ("the part not overlapped"), and
// children entirely overlapped are skipped. This is Jaeger UI's approximation; it ignores
// asynchronous gaps it cannot see. Iterative, with an explicit stack, for deep traces.
export function criticalPath(spans: SpanModel[], root: SpanModel | null): Map<number, [number, number][]> {
  const out = new Map<number, [number, number][]>();
  if (!root) return out;
  const add = (i: number, from: number, to: number) => {
    if (to <= from) return;
    let list = out.get(i);
    if (!list) out.set(i, (list = []));
    list.push([from, to]);
  };
  interface Frame {
    span: number;
    cursor: number; // the time, going backwards, up to which the path is decided
    children: number[]; // by end, latest first
    next: number;
  }
  const frame = (span: number, until: number): Frame => {
    const s = spans[span];
    const children = s.children.slice().sort((a, b) => end(b) - end(a));
    return { span, cursor: Math.min(until, end(span)), children, next: 0 };
  };
  const end = (i: number) => spans[i].offsetMs + spans[i].durationMs;
  const stack: Frame[] = [frame(root.index, end(root.index))];
  while (stack.length) {
    const f = stack[stack.length - 1];
    const s = spans[f.span];
    let descended = false;
    while (f.next < f.children.length && f.cursor > s.offsetMs) {
      const c = f.children[f.next++];
      const child = spans[c];
      const childEnd = Math.min(end(c), f.cursor);
      if (child.offsetMs >= f.cursor || childEnd <= child.offsetMs) continue;
      add(f.span, childEnd, f.cursor); // the parent's own time after the child
      f.cursor = Math.max(child.offsetMs, s.offsetMs);
      stack.push(frame(c, childEnd));
      descended = true;
      break;
    }
    if (descended) continue;
    add(f.span, s.offsetMs, f.cursor);
    stack.pop();
  }
  for (const list of out.values()) list.sort((a, b) => a[0] - b[0]);
  return out;
}
