import { readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

import { hardeningHeaders } from './csp';

/** The privileged scheme and host the renderer is served from: `app://renderer/index.html`. */
export const appScheme = 'app';
export const appHost = 'renderer';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export type ProtocolHandler = (request: Request) => Promise<Response>;

function refuse(status: number): Response {
  return new Response(null, { status, headers: { ...hardeningHeaders, 'Content-Type': 'text/plain' } });
}

/**
 * Serves the built renderer from `root` for the custom scheme. Only GET and HEAD, only the
 * expected host, only known file types, and only files that really live under `root`:
 * `..`, encoded separators, NUL bytes and symbolic links that lead out are all refused.
 * The same handler serves the renderer to Chromium in the end-to-end tests.
 */
export function createAppProtocolHandler(options: { root: string; csp: string; host?: string }): ProtocolHandler {
  const root = resolve(options.root);
  const expectedHost = options.host ?? appHost;
  // Resolved once; a missing root (app not built) makes every request a plain 404.
  const rootReal = realpath(root).catch(() => null);

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse(400);
    }
    if (url.host !== expectedHost) return refuse(404);
    const rawPath = url.pathname;
    // Refuse encoded separators and dots before decoding, so nothing is decoded into a traversal.
    if (/%2e|%2f|%5c|%00/i.test(rawPath) || rawPath.includes('\\')) return refuse(400);
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return refuse(400);
    }
    if (decoded.includes('\0') || decoded.split('/').includes('..')) return refuse(400);
    const wanted = decoded === '/' ? '/index.html' : decoded;
    const type = contentTypes[extname(wanted).toLowerCase()];
    if (!type) return refuse(404);
    const candidate = resolve(root, `.${wanted}`);
    if (!isInside(root, candidate)) return refuse(400);
    try {
      const realRoot = await rootReal;
      if (realRoot === null) return refuse(404);
      const real = await realpath(candidate);
      if (!isInside(realRoot, real)) return refuse(403);
      const body = request.method === 'HEAD' ? null : await readFile(real);
      return new Response(body, {
        status: 200,
        headers: { ...hardeningHeaders, 'Content-Type': type, 'Content-Security-Policy': options.csp },
      });
    } catch {
      return refuse(404);
    }
  };
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
