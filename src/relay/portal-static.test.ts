import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { findPortalDir } from '../main/network/embedded-relay';
import { defaultPortalDir } from './cli';
import { parseRelayConfig } from './config';
import { PORTAL_CSP, portalFilePath } from './portal-static';
import { type Relay, startRelay } from './server';

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw request: `fetch` would normalise `..` in the path before sending it. */
function raw(relay: Relay, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: relay.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('portal static files', () => {
  let base: string;
  let portal: Relay;
  let bare: Relay;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'cm-portal-static-'));
    const dir = join(base, 'portal');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Portal</title>');
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'libsodium-Zx_9-8aQ.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(join(dir, 'notes.unknown'), 'x');
    writeFileSync(join(base, 'secret.txt'), 'outside the portal');
    symlinkSync(join(base, 'secret.txt'), join(dir, 'link.txt'));
    portal = await startRelay({ port: 0, dataDir: join(base, 'relay-a'), portalDir: dir });
    bare = await startRelay({ port: 0, dataDir: join(base, 'relay-b') });
  });

  afterAll(async () => {
    await portal.close();
    await bare.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache and every security header', async () => {
    const answer = await raw(portal, 'GET', '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<title>Portal</title>');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-security-policy']).toBe(PORTAL_CSP);
    expect(PORTAL_CSP).toContain("default-src 'none'");
    expect(PORTAL_CSP).toContain("frame-ancestors 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    expect(answer.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect((await raw(portal, 'GET', '/index.html?x=1')).status).toBe(200);
  });

  it('caches hashed assets for a year, with the right content types', async () => {
    const js = await raw(portal, 'GET', '/assets/index-AbCdEf12.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await raw(portal, 'GET', '/assets/index-AbCdEf12.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw(portal, 'GET', '/assets/libsodium-Zx_9-8aQ.wasm')).headers['content-type']).toBe('application/wasm');
  });

  it('answers HEAD with the headers and no body', async () => {
    const answer = await raw(portal, 'HEAD', '/assets/index-AbCdEf12.js');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers['content-length']).toBe(String('console.log(1)'.length));
  });

  it('refuses other methods', async () => {
    const answer = await raw(portal, 'POST', '/');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/%zz',
    '/link.txt',
    '/notes.unknown',
    '/missing.js',
    '/assets',
  ])('never serves %s', async (path) => {
    const answer = await raw(portal, 'GET', path);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('outside the portal');
    expect(answer.headers['content-security-policy']).toBe(PORTAL_CSP);
  });

  it('keeps /healthz, and answers 404 when no portal is configured', async () => {
    expect((await raw(portal, 'GET', '/healthz')).body).toContain('"ok":true');
    expect((await raw(bare, 'GET', '/')).status).toBe(404);
    expect((await raw(bare, 'GET', '/index.html')).status).toBe(404);
  });

  it('maps paths inside the folder only', () => {
    expect(portalFilePath('/srv/portal', '/')).toBe('/srv/portal/index.html');
    expect(portalFilePath('/srv/portal', '/assets/a.js')).toBe('/srv/portal/assets/a.js');
    expect(portalFilePath('/srv/portal', '/../portal-evil/x.js')).toBeNull();
    expect(portalFilePath('/srv/portal', '/%2e%2e')).toBeNull();
    expect(portalFilePath('/srv/portal', 'relative')).toBeNull();
  });
});

describe('where the portal is found', () => {
  it('takes --portal-dir or RELAY_PORTAL_DIR, and otherwise leaves it to the CLI default', () => {
    expect(parseRelayConfig(['--data-dir', '/d', '--portal-dir', '/p']).portalDir).toBe('/p');
    expect(parseRelayConfig(['--data-dir', '/d'], { RELAY_PORTAL_DIR: '/q' }).portalDir).toBe('/q');
    expect(parseRelayConfig(['--data-dir', '/d']).portalDir).toBeUndefined();
  });

  it('finds out/portal only where a built index.html is', () => {
    const base = mkdtempSync(join(tmpdir(), 'cm-portal-find-'));
    try {
      expect(defaultPortalDir(base, join(base, 'out', 'cli'))).toBeNull();
      expect(findPortalDir(join(base, 'out', 'main'), base)).toBeNull();
      mkdirSync(join(base, 'out', 'portal'), { recursive: true });
      writeFileSync(join(base, 'out', 'portal', 'index.html'), '<!doctype html>');
      expect(defaultPortalDir(base, '/elsewhere')).toBe(join(base, 'out', 'portal'));
      expect(defaultPortalDir('/elsewhere', join(base, 'out', 'cli'))).toBe(join(base, 'out', 'portal'));
      expect(findPortalDir(join(base, 'out', 'main'), '/elsewhere')).toBe(join(base, 'out', 'portal'));
      expect(findPortalDir('/elsewhere/src/main/network', base)).toBe(join(base, 'out', 'portal'));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
