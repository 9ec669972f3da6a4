import { useEffect, useState } from 'react';
import { api, onConnection } from '../api/client.ts';
import { useCall, useEvent } from '../api/hooks.ts';
import { setDisplayUnits } from '../component/format.ts';
import { Toasts } from '../feature/notification/Toasts.tsx';
import { routes } from './routes.ts';

/** Hash routing: works the same from file:// in Electron and from the headless server. */
function useHashPath(): string {
  const read = () => location.hash.replace(/^#/, '') || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const onHash = () => setPath(read());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return path;
}

export function App() {
  const path = useHashPath();
  const [connected, setConnected] = useState(true);
  useEffect(() => onConnection(api, (s) => setConnected(s.connected)), []);
  // Units chosen in Settings apply to every page: set before the pages below render with them.
  const prefsPushed = useEvent('preferences-updated');
  const prefsLoaded = useCall('preferences-get', {});
  const prefs = prefsPushed ?? prefsLoaded.data;
  if (prefs) setDisplayUnits({ temperature: prefs.temperatureUnit, energy: prefs.energyUnit });
  const route = routes.find((r) => r.path === path) ?? routes[0]!;
  const { Page } = route;
  return (
    <div className="layout">
      <nav className="nav" aria-label="Main">
        <div className="brand">Hearth</div>
        {routes.map((r) => (
          <a key={r.path} href={`#${r.path}`} aria-current={r === route ? 'page' : undefined}>
            {r.title}
          </a>
        ))}
        <div className="nav-foot">{api.kind === 'ipc' ? 'desktop' : 'browser'}</div>
      </nav>
      <main className="page">
        {!connected && (
          <div className="banner warn" role="status">
            Connection to the Hearth core lost, reconnecting…
          </div>
        )}
        <h1>{route.title}</h1>
        <Page />
      </main>
      <Toasts />
    </div>
  );
}
