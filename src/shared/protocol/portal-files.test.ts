import { createHash } from 'node:crypto';

import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { comparePortal, portalFileHash, portalFileListSchema, portalPathSchema, portalPathsToFetch, subresourceIntegrity } from './portal-files';

beforeAll(async () => {
  await sodium.ready;
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('the portal files the clinic vouches for', () => {
  it('hashes with SHA-256 in hex, and writes Subresource Integrity as browsers read it', () => {
    const data = bytes('console.log("portal");\n');
    // node:crypto only as an independent oracle for the test.
    expect(portalFileHash(sodium, data)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(subresourceIntegrity(sodium, data)).toBe(`sha256-${createHash('sha256').update(data).digest('base64')}`);
  });

  it('accepts plain portal paths and refuses ones that leave the folder or are odd', () => {
    for (const ok of ['/index.html', '/assets/index-AbC_12-x.js', '/favicon.svg']) expect(portalPathSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['index.html', '/../secret', '/assets/../x', '/a//b', '/a b', '/', '/a\\b', '/%2e%2e/x']) expect(portalPathSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('a list names each file once and includes index.html', () => {
    const file = { path: '/index.html', sha256: 'a'.repeat(64), bytes: 10 };
    expect(portalFileListSchema.safeParse({ v: 1, files: [file] }).success).toBe(true);
    expect(portalFileListSchema.safeParse({ v: 1, files: [file, file] }).success).toBe(false);
    expect(portalFileListSchema.safeParse({ v: 1, files: [{ ...file, path: '/app.js' }] }).success).toBe(false);
    expect(portalFileListSchema.safeParse({ v: 1, files: [{ ...file, sha256: 'A'.repeat(64) }] }).success).toBe(false);
  });

  it('names each changed or missing file, and checks / against index.html', () => {
    const index = bytes('<html>portal</html>');
    const app = bytes('app();');
    const vouched = [
      { path: '/index.html', sha256: portalFileHash(sodium, index), bytes: index.length },
      { path: '/assets/app-12345678.js', sha256: portalFileHash(sodium, app), bytes: app.length },
    ];
    expect(portalPathsToFetch(vouched)).toEqual(['/index.html', '/assets/app-12345678.js', '/']);
    const same = new Map<string, Uint8Array | null>([
      ['/index.html', index],
      ['/assets/app-12345678.js', app],
      ['/', index],
    ]);
    expect(comparePortal(sodium, vouched, same)).toEqual([]);

    const oneByte = Uint8Array.from(app);
    oneByte[0] = (oneByte[0] as number) ^ 1;
    expect(comparePortal(sodium, vouched, new Map([...same, ['/assets/app-12345678.js', oneByte]]))).toEqual([{ path: '/assets/app-12345678.js', problem: 'changed' }]);
    // Another page served at the address patients open, index.html left alone.
    expect(comparePortal(sodium, vouched, new Map([...same, ['/', bytes('<html>other</html>')]]))).toEqual([{ path: '/', problem: 'changed' }]);
    expect(comparePortal(sodium, vouched, new Map([...same, ['/index.html', null]]))).toEqual([{ path: '/index.html', problem: 'missing' }]);
  });
});
