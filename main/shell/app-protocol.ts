// The desktop window's page comes from app://hearth/, not file://: a file:// page shares its origin
// with every file on the disk (and gets extra privileges unless the fuse is off), while app://hearth
// is one origin that serves only the built renderer, with the same headers and CSP `hearth serve`
// sends. Plain Node (no electron import), so the path rules are tested under vitest; index.ts hands
// `handleAppRequest` to protocol.handle.
import fs from 'node:fs';
import path from 'node:path';
import { MIME, SECURITY_HEADERS } from '#transport/http';

export const APP_SCHEME = 'app';
export const APP_HOST = 'hearth';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged (before `ready`): `standard` gives the page a
 * real origin (relative URLs, storage), `secure` makes it a secure context like https. Vite's
 * module scripts are loaded in CORS mode (`crossorigin`), which a custom scheme only answers with
 * `supportFetchAPI` and `corsEnabled` (VS Code registers vscode-file the same way). No
 * `bypassCSP`, no service workers.
 */
export const APP_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } as const;

export type Resolved = { ok: true; file: string; type: string } | { ok: false; status: 400 | 404 | 405; text: string };

/** The URL without its fragment and query: what the window's own page is, for sender and navigation checks. */
export function pageOf(url: string): string {
  return url.split('#')[0]!.split('?')[0]!;
}

/** Whether `url` is our own page (app://hearth/index.html, any fragment). */
export function isAppPage(url: string): boolean {
  return pageOf(url) === APP_INDEX_URL;
}

/**
 * Which file under `root` (out/renderer) answers `url`, or why none does. Only GET and HEAD;
 * only app://hearth; a path that is not a plain relative path inside `root` (`..` in any
 * spelling, a backslash, a drive letter, NUL, a malformed %-escape, a symbolic link leading out)
 * is refused. `/` is index.html; the router lives in the fragment, so there is no fallback page.
 */
export function resolveAppRequest(root: string, url: string, method = 'GET'): Resolved {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, text: 'Method not allowed' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, text: 'Not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { ok: false, status: 404, text: 'Not found' };
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, text: 'The address has a malformed %-escape' };
  }
  const parts = rel.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..' || /[\\:\0]/.test(p)))
    return { ok: false, status: 400, text: 'The address leaves the app' };
  if (parts.length === 0) parts.push('index.html');
  const base = fs.realpathSync(root);
  const candidate = path.join(base, ...parts);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    return { ok: false, status: 404, text: 'Not found' };
  }
  if (!real.startsWith(base + path.sep) || !fs.statSync(real).isFile())
    return { ok: false, status: 404, text: 'Not found' };
  return { ok: true, file: real, type: MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
}

/** The whole answer protocol.handle gives: the file with its type and the HTTP transport's security headers. */
export async function handleAppRequest(root: string, request: { url: string; method: string }): Promise<Response> {
  const r = resolveAppRequest(root, request.url, request.method);
  if (!r.ok)
    return new Response(r.text, {
      status: r.status,
      headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  const body = request.method === 'HEAD' ? null : await fs.promises.readFile(r.file);
  return new Response(body, {
    status: 200,
    headers: {
      ...SECURITY_HEADERS,
      'Content-Type': r.type,
      'Cache-Control': path.basename(r.file) === 'index.html' ? 'no-store' : 'max-age=3600',
    },
  });
}
