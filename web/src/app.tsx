// The application: the navigation bar and the page the address names.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { setTenant, tenant } from './api';
import { Link, navigate, useLocation } from './router';
import { toggleTheme } from './theme';
import { AlertsPage } from './pages/alerts';
import { ExplorePage } from './pages/explore';
import { QueryPage } from './pages/query';
import { RulesPage } from './pages/rules';
import { StatusPage } from './pages/status';
import { TargetsPage } from './pages/targets';
import { TracePage } from './pages/trace';
import { TracesPage } from './pages/traces';

const NAV: [string, string][] = [
  ['query', 'Query'],
  ['explore', 'Metrics'],
  ['traces', 'Traces'],
  ['alerts', 'Alerts'],
  ['rules', 'Rules'],
  ['targets', 'Targets'],
  ['status', 'Status'],
];

function Route(props: { page: string; params: URLSearchParams }): JSX.Element {
  const { page, params } = props;
  if (page === '' || page === 'graph') {
    // Prometheus' address for its graph page keeps working.
    navigate('query', params, true);
    return <QueryPage params={params} />;
  }
  if (page === 'query') return <QueryPage params={params} />;
  if (page === 'explore') return <ExplorePage params={params} />;
  if (page === 'traces') return <TracesPage params={params} />;
  if (page.startsWith('trace/')) return <TracePage id={page.slice('trace/'.length)} params={params} />;
  if (page === 'alerts') return <AlertsPage />;
  if (page === 'rules') return <RulesPage />;
  if (page === 'targets') return <TargetsPage />;
  if (page === 'status') return <StatusPage />;
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>
        There is no page "{page}". <Link page="query">Go to the query page</Link>.
      </p>
    </section>
  );
}

function TenantField(): JSX.Element {
  const [value, setValue] = useState(tenant());
  return (
    <label class="tenant" title="X-Scope-OrgID sent with every request (when tenants are enabled)">
      <span>Tenant</span>
      <input
        value={value}
        placeholder="default"
        size={9}
        onChange={(e) => {
          const v = (e.target as HTMLInputElement).value.trim();
          setValue(v);
          setTenant(v);
          window.location.reload();
        }}
      />
    </label>
  );
}

export function App(): JSX.Element {
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const section = location.page.startsWith('trace/') ? 'traces' : location.page || 'query';
  return (
    <div class="app">
      <header class="topbar">
        <Link page="query" class="brand">
          tidemark
        </Link>
        <button
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="Pages">
          {NAV.map(([page, title]) => (
            <span key={page} onClick={() => setMenuOpen(false)}>
              <Link page={page} class={section === page || (page === 'query' && section === 'graph') ? 'active' : ''}>
                {title}
              </Link>
            </span>
          ))}
        </nav>
        <div class="topbar-right">
          <TenantField />
          <button class="theme-toggle" onClick={() => toggleTheme()} title="Switch between light and dark">
            Theme
          </button>
        </div>
      </header>
      <main>
        <Route page={location.page} params={location.params} />
      </main>
    </div>
  );
}
