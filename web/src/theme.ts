// Light and dark themes: the system's preference unless the user picked one (kept in
// localStorage). The stylesheet's colours are CSS variables under [data-theme].
const KEY = 'tidemark.theme';

export type Theme = 'light' | 'dark';

export function currentTheme(): Theme {
  const stored = localStorage.getItem(KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme = currentTheme()): void {
  document.documentElement.dataset.theme = theme;
}

export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
  localStorage.setItem(KEY, next);
  applyTheme(next);
  window.dispatchEvent(new Event('tidemark-theme'));
  return next;
}

// A CSS variable's value under the current theme (charts draw on canvases, which need colours).
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
