import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { portalFileHash } from '../../shared/protocol/portal-files';
import { type PortalFetch, createPortalWatch, portalBaseUrl } from './portal-watch';

beforeAll(async () => {
  await sodium.ready;
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function fixture() {
  const served = new Map<string, Uint8Array | null>([
    ['/index.html', text('<html>v1</html>')],
    ['/assets/app-12345678.js', text('app()')],
  ]);
  const vouch = {
    vouchedAt: 1_000,
    vouchedBy: 'd-it',
    files: [...served].map(([path, bytes]) => ({ path, sha256: portalFileHash(sodium, bytes as Uint8Array), bytes: (bytes as Uint8Array).length })),
  };
  let offline = false;
  const fetchFile: PortalFetch = async (url) => {
    if (offline) throw new Error('connection refused');
    const path = new URL(url).pathname;
    return served.get(path === '/' ? '/index.html' : path) ?? null;
  };
  let stored: unknown = null;
  const raised: string[][] = [];
  let raiseFails = false;
  const timers: { run: () => void; ms: number }[] = [];
  let now = 5_000;
  let changes = 0;
  const watch = createPortalWatch({
    sodium,
    now: () => now,
    fetchFile,
    target: () => ({ baseUrl: 'http://relay.test', vouch }),
    load: () => stored as never,
    save: (next) => {
      stored = JSON.parse(JSON.stringify(next));
    },
    raise: async (_at, differences) => {
      if (raiseFails) throw new Error('relay down');
      raised.push(differences.map((d) => `${d.problem} ${d.path}`));
      return true;
    },
    changed: () => {
      changes += 1;
    },
    setTimer: (run, ms) => {
      const timer = { run, ms };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
  });
  return {
    watch,
    served,
    raised,
    timers,
    changes: () => changes,
    setOffline: (value: boolean) => (offline = value),
    setRaiseFails: (value: boolean) => (raiseFails = value),
    tick: (ms: number) => (now += ms),
  };
}

describe('the portal check on each staff computer', () => {
  it('finds the vouched portal, then names the one changed byte, and tells IT once per finding', async () => {
    const f = fixture();
    expect(await f.watch.check()).toMatchObject({ outcome: 'match', differences: [], reported: false });
    const app = Uint8Array.from(f.served.get('/assets/app-12345678.js') as Uint8Array);
    app[2] = (app[2] as number) ^ 0x20;
    f.served.set('/assets/app-12345678.js', app);
    expect(await f.watch.check()).toMatchObject({ outcome: 'mismatch', differences: [{ path: '/assets/app-12345678.js', problem: 'changed' }], reported: true });
    await f.watch.check();
    expect(f.raised).toEqual([['changed /assets/app-12345678.js']]);
    // A new finding is a new alert.
    f.served.set('/index.html', null);
    await f.watch.check();
    expect(f.raised[1]).toEqual(['missing /index.html', 'changed /assets/app-12345678.js', 'missing /']);
  });

  it('keeps trying to tell IT while the relay refuses the alert, and keeps the finding while the relay is unreachable', async () => {
    const f = fixture();
    f.served.set('/assets/app-12345678.js', text('evil()'));
    f.setRaiseFails(true);
    expect(await f.watch.check()).toMatchObject({ outcome: 'mismatch', reported: false });
    f.setRaiseFails(false);
    expect(await f.watch.check()).toMatchObject({ outcome: 'mismatch', reported: true });
    f.setOffline(true);
    // Unreachable proves nothing: the finding stays shown.
    expect(await f.watch.check()).toMatchObject({ outcome: 'mismatch' });
    expect(f.watch.last()?.outcome).toBe('mismatch');
    expect(f.raised).toHaveLength(1);
  });

  it('says unreachable when the relay does not answer and nothing was found before', async () => {
    const f = fixture();
    f.setOffline(true);
    expect(await f.watch.check()).toMatchObject({ outcome: 'unreachable', differences: [] });
  });

  it('checks a minute after start, then every six hours; stop cancels', async () => {
    const f = fixture();
    f.watch.start();
    expect(f.timers.map((t) => t.ms)).toEqual([60_000]);
    (f.timers[0] as { run: () => void }).run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(f.watch.last()?.outcome).toBe('match');
    expect(f.timers.at(-1)?.ms).toBe(6 * 3_600_000);
    f.watch.stop();
    expect(f.timers).toHaveLength(0);
    expect(f.changes()).toBe(1);
  });
});

describe('the portal address', () => {
  it('is the relay’s origin and path, over HTTP(S), without the socket path', () => {
    expect(portalBaseUrl('http://127.0.0.1:8443')).toBe('http://127.0.0.1:8443');
    expect(portalBaseUrl('wss://relay.lakeside.example/ws')).toBe('https://relay.lakeside.example');
    expect(portalBaseUrl('https://clinic.example/relay/')).toBe('https://clinic.example/relay');
    expect(portalBaseUrl('ftp://x')).toBeNull();
    expect(portalBaseUrl('not a url')).toBeNull();
  });
});
