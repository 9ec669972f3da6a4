// The desktop shell: Electron's main process. It owns the window, the tray and the IPC bridge, and
// runs the same core the headless server runs. Security follows Electron's checklist item by item
// (docs/security.md): sandboxed, context-isolated renderer without Node, the page from app://hearth
// (not file://) with the HTTP transport's CSP and headers, IPC from our own page only, no
// navigation or new windows, no permissions, secrets through safeStorage; fuses and asar integrity
// are set by electron-builder.json.
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification as DesktopNotification,
  powerMonitor,
  protocol,
  screen,
  session,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import { startHostedCore, type HostedCore } from '#core/host';
import { APP_NAME } from '#core/data-dir';
import { dispatch } from '#core/handler';
import { setIdleSource } from '#core/scheduler/presence';
import { acquireInstanceLock, type InstanceLock } from '#core/instance-lock';
import { announceServer, describeHolder, localUrl } from '#transport/discovery';
import { startHttpTransport, type HttpTransport } from '#transport/http';
import { APP_INDEX_URL, APP_PRIVILEGES, APP_SCHEME, handleAppRequest, isAppPage } from './app-protocol.ts';
import { setXdgAutostart } from './autostart.ts';
import { safeStorageSecrets } from './secret.ts';
import { loadWindowState, saveWindowState } from './window-state.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '..', 'renderer');
const iconPath = path.join(app.getAppPath(), 'resources', 'icon.png');
// The tray wants a small image: a 512 px icon would show at full size on macOS.
const trayIconPath = path.join(app.getAppPath(), 'resources', 'tray.png');

app.setName(APP_NAME);
if (process.env['HEARTH_DATA_DIR']) app.setPath('userData', process.env['HEARTH_DATA_DIR']);
// Only before `ready`: app:// becomes a standard, secure origin of its own.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_PRIVILEGES }]);
// Packaged, out/ lives in app.asar, but worker threads are started from files on disk and read
// their .wasm and .node beside them: electron-builder.json unpacks out/node/workers (and highs,
// which the planner worker imports) to app.asar.unpacked, and the workers are found there.
if (app.isPackaged && !process.env['HEARTH_NODE_OUT'])
  process.env['HEARTH_NODE_OUT'] = path.join(process.resourcesPath, 'app.asar.unpacked', 'out', 'node');

let core: HostedCore | null = null;
let cliEndpoint: { http: HttpTransport; withdraw(): void } | null = null;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;
// Held while the app runs (released by the OS when the process ends, however it ends).
let instanceLock: InstanceLock | null = null;

function showWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function createWindow(visible: boolean): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow({
    ...state,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: APP_NAME,
    icon: iconPath,
    backgroundColor: '#1b1715',
    webPreferences: {
      preload: path.join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) w.maximize();
  // "Start minimised to tray" keeps the window hidden until the tray icon or a second launch shows it.
  if (visible) w.once('ready-to-show', () => w.show());
  const remember = () => {
    if (w.isDestroyed()) return;
    const b = w.getNormalBounds();
    saveWindowState(stateFile, { ...b, maximized: w.isMaximized() });
  };
  w.on('resized', remember);
  w.on('moved', remember);
  w.on('maximize', remember);
  w.on('unmaximize', remember);
  // Closing the window keeps Hearth heating in the tray; Quit in the tray menu ends it.
  w.on('close', (e) => {
    remember();
    if (!quitting && tray) {
      e.preventDefault();
      w.hide();
    }
  });
  void w.loadURL(APP_INDEX_URL);
  return w;
}

/** IPC is answered only for our own page in our own window: no other frame may drive the core. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  return win !== null && e.sender === win.webContents && frame !== null && isAppPage(frame.url);
}

function createTray(): Tray | null {
  try {
    const t = new Tray(nativeImage.createFromPath(trayIconPath));
    t.setToolTip(APP_NAME);
    t.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Hearth', click: showWindow },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
    t.on('click', showWindow);
    return t;
  } catch {
    // Some Linux desktops have no tray; then closing the window quits.
    return null;
  }
}

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  protocol.handle(APP_SCHEME, (request) => handleAppRequest(rendererRoot, request));
  // Presence rules pause work while the user is at the keyboard; only the shell can tell.
  setIdleSource(() => powerMonitor.getSystemIdleTime());
  // One Hearth per data folder: a `hearth serve` on it too would book telemetry twice and run the plan twice.
  const dataDir = app.getPath('userData');
  instanceLock = acquireInstanceLock(dataDir, () => `${describeHolder(dataDir)}. Stop it, then start the app again`);
  core = await startHostedCore({
    dataDir: app.getPath('userData'),
    secrets: safeStorageSecrets(app.getPath('userData')),
  });
  const running = core;
  ipcMain.handle('hearth:invoke', async (e, method: unknown, args: unknown) => {
    if (!trustedSender(e)) return { ok: false, error: { code: 'bad-request', message: 'IPC refused: unknown sender' } };
    if (typeof method !== 'string')
      return { ok: false, error: { code: 'bad-request', message: 'IPC: method must be a string' } };
    return dispatch(running.handlers, method, args);
  });
  running.events.onAny((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('hearth:event', event, payload);
  });
  // Job outcomes, heat and pool warnings reach the user even with the window hidden in the tray.
  running.events.on('notification', (n) => {
    if (DesktopNotification.isSupported()) new DesktopNotification({ title: n.title, body: n.body }).show();
  });
  cliEndpoint = await startCliEndpoint(running, app.getPath('userData'));
  const prefs = await running.handlers['preferences-get']({});
  applyLoginItem(prefs.autostart);
  running.events.on('preferences-updated', (p) => applyLoginItem(p.autostart));
  tray = createTray();
  win = createWindow(!(prefs.startMinimized && tray));
}

/**
 * The `hearth` command reaches the app here while it runs, instead of opening the ledger beside it:
 * the same HTTP transport `hearth serve` uses, bound to 127.0.0.1 only, API only (no page), with a
 * fresh random token that only server.json in the data folder (mode 0600) holds. The page keeps
 * using IPC. Without it the app still works; commands then open the folder themselves.
 */
async function startCliEndpoint(
  running: HostedCore,
  dataDir: string,
): Promise<{ http: HttpTransport; withdraw(): void } | null> {
  let http: HttpTransport | null = null;
  try {
    const token = crypto.randomBytes(32).toString('base64url');
    http = await startHttpTransport({
      handlers: running.handlers,
      events: running.events,
      token,
      host: '127.0.0.1',
      port: 0,
      staticDir: null,
    });
    const { withdraw } = announceServer(dataDir, { by: 'app', url: localUrl('127.0.0.1', http.port), token });
    return { http, withdraw };
  } catch (err) {
    console.error(`Hearth could not open its endpoint for the hearth command: ${(err as Error).message}`);
    await http?.close();
    return null;
  }
}

/**
 * Start at login. macOS and Windows through Electron's login items; Linux desktops read an XDG
 * autostart entry, which Electron does not write, so it is written (or removed) here.
 */
function applyLoginItem(enabled: boolean): void {
  try {
    if (process.platform === 'linux') {
      const command = app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
      return setXdgAutostart(
        path.join(app.getPath('appData'), 'autostart', 'hearth.desktop'),
        enabled,
        APP_NAME,
        command,
      );
    }
    app.setLoginItemSettings({ openAtLogin: enabled });
  } catch (err) {
    console.error(`Hearth could not change its start-at-login setting: ${(err as Error).message}`);
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', showWindow);
  // Every web contents, not only the main window's: no webview, no new window, no navigation
  // away from our own page (a link or a script cannot take the window, its preload with it, elsewhere).
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (ev, url) => {
      if (!isAppPage(url)) ev.preventDefault();
    });
    contents.on('will-redirect', (ev, url) => {
      if (!isAppPage(url)) ev.preventDefault();
    });
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      // Started from a menu there is no terminal: the reason (another Hearth on the folder, a
      // damaged ledger with the command that restores it) must reach the person in a window.
      const message = (err as Error).message;
      console.error(`Hearth could not start: ${message}`);
      dialog.showErrorBox('Hearth could not start', message);
      app.exit(1);
    });
  app.on('activate', showWindow);
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  // Stop workers and close the ledger before the process goes, so the last samples are saved.
  app.on('before-quit', (e) => {
    quitting = true;
    if (!core) return;
    e.preventDefault();
    const closing = core;
    core = null;
    const endpoint = cliEndpoint;
    cliEndpoint = null;
    // The file goes first: a command started from now on opens the folder itself.
    endpoint?.withdraw();
    void Promise.resolve(endpoint?.http.close())
      .catch(() => undefined)
      .then(() => closing.close())
      .finally(() => {
        instanceLock?.release();
        app.quit();
      });
  });
}
