import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { portalFileHash, subresourceIntegrity } from '../../src/shared/protocol/portal-files';
import { addIntegrity, writePortalIntegrity } from './portal-integrity';

const dirs: string[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const html = `<!doctype html><html><head>
<link rel="icon" type="image/svg+xml" href="/favicon.svg" />
<script type="module" crossorigin src="/assets/index-AbCdEf12.js"></script>
<link rel="stylesheet" crossorigin href="/assets/index-XyZ98765.css">
</head><body></body></html>`;

describe('the portal build’s integrity step', () => {
  it('adds integrity to scripts and stylesheets, from the files as written, and lists every file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-sri-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), html);
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'import("./lazy-11111111.js");');
    writeFileSync(join(dir, 'assets', 'lazy-11111111.js'), 'export const x = 1;');
    writeFileSync(join(dir, 'assets', 'index-XyZ98765.css'), 'body{color:#000}');
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');

    const list = writePortalIntegrity(sodium, dir);
    const written = readFileSync(join(dir, 'index.html'), 'utf8');
    const js = readFileSync(join(dir, 'assets', 'index-AbCdEf12.js'));
    const css = readFileSync(join(dir, 'assets', 'index-XyZ98765.css'));
    expect(written).toContain(`src="/assets/index-AbCdEf12.js" integrity="${subresourceIntegrity(sodium, js)}"`);
    expect(written).toContain(`href="/assets/index-XyZ98765.css" integrity="${subresourceIntegrity(sodium, css)}"`);
    expect(written).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg" />');

    expect(list.files.map((f) => f.path)).toEqual(['/assets/index-AbCdEf12.js', '/assets/index-XyZ98765.css', '/assets/lazy-11111111.js', '/favicon.svg', '/index.html']);
    // index.html is hashed after the integrity attributes went in: the bytes the relay serves.
    expect(list.files.find((f) => f.path === '/index.html')?.sha256).toBe(portalFileHash(sodium, readFileSync(join(dir, 'index.html'))));
    expect(JSON.parse(readFileSync(join(dir, 'portal-files.json'), 'utf8'))).toEqual(list);

    // Run twice (a second build step over the same output), nothing doubles.
    writePortalIntegrity(sodium, dir);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(written);
  });

  it('refuses to write a page that loads a script the build does not have', () => {
    expect(() => addIntegrity(sodium, html, () => undefined)).toThrow(/index-AbCdEf12\.js is loaded by index.html but is not part of the build/);
  });
});
