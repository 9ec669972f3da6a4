import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
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
  // The page list is folded behind the menu button at narrow widths (CSS decides when); on wide
  // screens the button is hidden and the list always shows, whatever this says.
  const [menuOpen, setMenuOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const main = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownPath = useRef(path);
  useEffect(() => onConnection(api, (s) => setConnected(s.connected)), []);
  // A new page is announced by moving focus to its heading, as a screen reader user would expect
  // after following a link; the first page keeps the browser's own start (the skip link first).
  useEffect(() => {
    setMenuOpen(false);
    if (path === shownPath.current) return;
    shownPath.current = path;
    heading.current?.focus();
  }, [path]);
  // Units chosen in Settings apply to every page: set before the pages below render with them.
  const prefsPushed = useEvent('preferences-updated');
  const prefsLoaded = useCall('preferences-get', {});
  const prefs = prefsPushed ?? prefsLoaded.data;
  if (prefs) setDisplayUnits({ temperature: prefs.temperatureUnit, energy: prefs.energyUnit });
  const route = routes.find((r) => r.path === path) ?? routes[0]!;
  const { Page } = route;
  // The skip link must not follow its href: `#main` would be read as a route by the hash router.
  const skip = (e: MouseEvent) => {
    e.preventDefault();
    main.current?.focus();
  };
  const onNavKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  };
  return (
    <>
      <a className="skip-link" href="#main" onClick={skip}>
        Skip to content
      </a>
      <div className="layout">
        <nav className={menuOpen ? 'nav open' : 'nav'} aria-label="Main" onKeyDown={onNavKey}>
          <div className="nav-head">
            <div className="brand">Hearth</div>
            <button
              ref={menuButton}
              type="button"
              className="menu-button"
              aria-expanded={menuOpen}
              aria-controls="nav-pages"
              onClick={() => setMenuOpen((o) => !o)}
            >
              {menuOpen ? 'Close menu' : 'Menu'}
            </button>
          </div>
          <div className="nav-pages" id="nav-pages">
            {routes.map((r) => (
              <a
                key={r.path}
                href={`#${r.path}`}
                aria-current={r === route ? 'page' : undefined}
                // Choosing the page already shown changes no hash, so close the menu here too.
                onClick={() => setMenuOpen(false)}
              >
                {r.title}
              </a>
            ))}
            <div className="nav-foot">{api.kind === 'ipc' ? 'desktop' : 'browser'}</div>
          </div>
        </nav>
        <main className="page" id="main" ref={main} tabIndex={-1}>
          {!connected && (
            <div className="banner warn" role="status">
              Connection to the Hearth core lost, reconnecting…
            </div>
          )}
          <h1 ref={heading} tabIndex={-1}>
            {route.title}
          </h1>
          <Page />
        </main>
        <Toasts />
      </div>
    </>
  );
}
