import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createAppProtocolHandler } from './app-protocol';
import { productionCsp } from './csp';

const base = mkdtempSync(join(tmpdir(), 'protocol-'));
const root = join(base, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(base, 'secret.json'), '{"secret":true}');
writeFileSync(join(root, 'notes.txt'), 'plain text is not served');
symlinkSync(join(base, 'secret.json'), join(root, 'assets', 'link.json'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const handler = createAppProtocolHandler({ root, csp: productionCsp });
const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('app:// protocol handler', () => {
  it('serves the entry page with the CSP and hardening headers', async () => {
    const response = await get('app://renderer/index.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Security-Policy')).toBe(productionCsp);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>app</title>');
  });

  it('serves / as the entry page and nested assets with their type', async () => {
    expect((await get('app://renderer/')).status).toBe(200);
    const script = await get('app://renderer/assets/app.js');
    expect(script.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    'app://renderer/../secret.json',
    'app://renderer/%2e%2e/secret.json',
    'app://renderer/assets/%2e%2e/%2e%2e/secret.json',
    'app://renderer/assets%2f..%2f..%2fsecret.json',
    'app://renderer/assets%5c..%5c..%5csecret.json',
    'app://renderer/..%252f..%252fsecret.json',
    'app://renderer/index.html%00.js',
    'app://renderer/%E0%A4%A',
  ])('never serves anything outside the renderer folder: %s', async (url) => {
    const response = await get(url);
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain('secret');
  });

  it('refuses a symbolic link that leads out of the folder', async () => {
    expect((await get('app://renderer/assets/link.json')).status).toBe(403);
  });

  it('refuses other hosts, other methods, unknown file types and missing files', async () => {
    expect((await get('app://elsewhere/index.html')).status).toBe(404);
    expect((await get('app://renderer/index.html', 'POST')).status).toBe(405);
    expect((await get('app://renderer/notes.txt')).status).toBe(404);
    expect((await get('app://renderer/missing.js')).status).toBe(404);
  });

  it('answers HEAD without a body', async () => {
    const response = await get('app://renderer/index.html', 'HEAD');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
