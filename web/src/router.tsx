// A small client-side router over the History API. Pages are paths under the server's prefix
// (the page's <base>): "query", "traces", "trace/<id>", ...; their state is in the query string,
// so a link reproduces what the user saw.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

// The server's path prefix, from <base href>: "/" or "/prefix/".
export function basePath(): string {
  return new URL(document.baseURI).pathname;
}

export interface Location {
  page: string; // the path under the base, without a leading slash: "query", "trace/abc"
  params: URLSearchParams;
}

function current(): Location {
  const base = basePath();
  const path = window.location.pathname;
  const page = path.startsWith(base) ? path.slice(base.length) : path.replace(/^\//, '');
  return { page: decodeURIComponent(page), params: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

// The address of a page with its parameters, as an href.
export function href(page: string, params?: URLSearchParams | Record<string, string>): string {
  const search = params ? new URLSearchParams(params as Record<string, string>).toString() : '';
  return basePath() + page + (search ? '?' + search : '');
}

// Goes to a page; `replace` rewrites the current history entry (state changes within a page).
export function navigate(page: string, params?: URLSearchParams | Record<string, string>, replace = false): void {
  const to = href(page, params);
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  listeners.forEach((l) => l());
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const listener = () => setLocation(current());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return location;
}

// A link to a page that the router follows without reloading (a modified click opens a tab).
export function Link(props: {
  page: string;
  params?: URLSearchParams | Record<string, string>;
  class?: string;
  title?: string;
  children: ComponentChildren;
}): JSX.Element {
  const to = href(props.page, props.params);
  return (
    <a
      href={to}
      class={props.class}
      title={props.title}
      onClick={(e: MouseEvent) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.page, props.params);
      }}
    >
      {props.children}
    </a>
  );
}
