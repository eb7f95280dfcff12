// Runs in the relay (Node): serves the built patient portal (`out/portal`, from
// `npm run build:portal`) over plain GET and HEAD. Only files inside the portal folder are
// ever read: the path is decoded, resolved and checked to stay inside it, and anything else
// is a 404. Every answer carries a strict CSP and the usual hardening headers; hashed assets
// are cached for a year, index.html is revalidated on every visit so a new build is seen.
import { readFile, realpath, stat } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/**
 * The portal's content security policy. `'wasm-unsafe-eval'` is there for libsodium's
 * WebAssembly (Argon2id and the rest); nothing else runs that is not a file of the portal.
 */
export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PORTAL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite's hashed file names, e.g. `assets/index-B2x9_aZq.js`: safe to cache for good. */
const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/** Answers one request for a portal file. */
export type PortalHandler = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>, head: boolean): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...PORTAL_SECURITY_HEADERS, 'content-length': String(bytes.length), ...headers });
  res.end(head ? undefined : bytes);
}

const notFound = (res: ServerResponse, head: boolean): void =>
  send(res, 404, 'Not found\n', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, head);

/**
 * Maps a URL path to a file inside `root`, or null when it would leave it or cannot be a
 * portal file. `root` must already be absolute and free of symbolic links.
 */
export function portalFilePath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const full = resolve(root, relative);
  return full.startsWith(root + sep) ? full : null;
}

/** A handler serving the built portal in `dir`. */
export function createPortalHandler(dir: string): PortalHandler {
  // Resolved once it exists: a relay started before the first portal build serves it once built.
  let rootPromise: Promise<string | null> | null = null;
  const portalRoot = async (): Promise<string | null> => {
    rootPromise ??= realpath(resolve(dir)).catch(() => null);
    const root = await rootPromise;
    if (root === null) rootPromise = null;
    return root;
  };
  return async (req, res, path) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      return send(res, 405, 'Method not allowed\n', { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD', 'cache-control': 'no-store' }, false);
    }
    const root = await portalRoot();
    const file = root ? portalFilePath(root, path) : null;
    if (!root || !file) return notFound(res, head);
    const type = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!type) return notFound(res, head);
    let body: Buffer;
    try {
      // A symbolic link inside the folder must not lead out of it either.
      const real = await realpath(file);
      if (!real.startsWith(root + sep) || !(await stat(real)).isFile()) return notFound(res, head);
      body = await readFile(real);
    } catch {
      return notFound(res, head);
    }
    const cache = HASHED_ASSET.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
    send(res, 200, body, { 'content-type': type, 'cache-control': cache }, head);
  };
}
