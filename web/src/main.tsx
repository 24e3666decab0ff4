import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, storedToken, storeToken, whenUnauthenticated, type Me } from './api.js';
import { Agents } from './agents.js';
import { Board } from './board.js';
import { CheckPage } from './check.js';
import { IncidentPage } from './incident.js';
import { Incidents } from './incidents.js';
import { PolicyPage } from './policy.js';
import { follow, usePath } from './router.js';
import { SignIn } from './sign-in.js';
import { Tokens } from './tokens.js';
import { Silences } from './silences.js';

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(storedToken() !== null);

  useEffect(() => {
    whenUnauthenticated(() => {
      storeToken(null);
      setMe(null);
    });
    if (storedToken() === null) return;
    api<Me>('/api/v1/whoami')
      .then(setMe, () => storeToken(null))
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <main class="page">Loading…</main>;
  if (!me) return <SignIn onSignedIn={setMe} />;

  const incident = /^\/incidents\/(\d+)$/.exec(path);
  const check = /^\/checks\/([^/]+)$/.exec(path);
  const page = incident ? (
    <IncidentPage id={Number(incident[1])} me={me} />
  ) : check ? (
    <CheckPage checkId={decodeURIComponent(check[1]!)} />
  ) : path === '/incidents' ? (
    <Incidents />
  ) : path === '/agents' ? (
    <Agents />
  ) : path === '/silences' ? (
    <Silences me={me} />
  ) : path === '/policy' && me.role === 'admin' ? (
    <PolicyPage />
  ) : path === '/tokens' && me.role === 'admin' ? (
    <Tokens />
  ) : (
    <Board me={me} />
  );
  return (
    <>
      <header class="top">
        <a class="brand" href="/" onClick={follow}>
          Portwarden
        </a>
        <nav aria-label="Pages">
          <a href="/" onClick={follow} aria-current={path === '/' ? 'page' : undefined}>
            Status
          </a>
          <a
            href="/incidents"
            onClick={follow}
            aria-current={path.startsWith('/incidents') ? 'page' : undefined}
          >
            Incidents
          </a>
          <a href="/agents" onClick={follow} aria-current={path === '/agents' ? 'page' : undefined}>
            Agents
          </a>
          <a href="/silences" onClick={follow} aria-current={path === '/silences' ? 'page' : undefined}>
            Silences
          </a>
          {me.role === 'admin' && (
            <a href="/policy" onClick={follow} aria-current={path === '/policy' ? 'page' : undefined}>
              Policy
            </a>
          )}
          {me.role === 'admin' && (
            <a href="/tokens" onClick={follow} aria-current={path === '/tokens' ? 'page' : undefined}>
              Tokens
            </a>
          )}
        </nav>
        <span class="who">
          {me.name} ({me.role})
          <button
            type="button"
            class="link"
            onClick={() => {
              storeToken(null);
              setMe(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main class="page">{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
