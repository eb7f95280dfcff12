// The clinic vouches for the portal its relay serves (ADR 16), end to end with a real relay
// serving a real portal folder and the app's real router: the IT admin's computer vouches
// (the hashes go into the signed policy), a clinician's computer checks and finds it the
// same, then one byte of a served file changes: the clinician's computer names the file, the
// relay takes its signed alert and pushes it, and the IT admin's computer shows it at once.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { type PortalStatus } from '../../src/shared/portal-check';
import { type Relay, startRelay } from '../../src/relay/server';
import { writePortalIntegrity } from '../../tools/build/portal-integrity';
import { type TestApp, startTestApp } from '../support/main-app';

const passphrase = 'granite puffin lantern ninety';
const WORKER = '/assets/kdf-worker-Copi03My.js';
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A portal build as `npm run build:portal` leaves it, small. */
function buildPortal(): string {
  const dir = join(temp('cm-portal-'), 'portal');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-RJ_6PTzS.js"></script><link rel="stylesheet" crossorigin href="/assets/index-B5RF41kB.css"></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(dir, 'assets', 'index-RJ_6PTzS.js'), 'new Worker(new URL("./kdf-worker-Copi03My.js", import.meta.url), { type: "module" });');
  writeFileSync(join(dir, 'assets', 'index-B5RF41kB.css'), 'body { margin: 0 }');
  writeFileSync(join(dir, WORKER.slice(1)), 'self.onmessage = (e) => postMessage(e.data);');
  writePortalIntegrity(sodium, dir);
  return dir;
}

async function app(events: string[] = []): Promise<TestApp> {
  // The timer never fires by itself here: each check is asked for. Desktop notices are events too.
  const started = await startTestApp({
    emit: (event) => void events.push(event),
    securityNotice: (kind) => void events.push(`notice:${kind}`),
    portalCheck: { firstDelayMs: 3_600_000, intervalMs: 3_600_000 },
  });
  cleanups.push(() => started.close());
  return started;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return read();
}

async function clinicWithPortal(portalDir: string): Promise<{ relay: Relay; it: TestApp; itEvents: string[] }> {
  const relay = await startRelay({ port: 0, dataDir: temp('cm-relay-'), portalDir });
  cleanups.push(() => relay.close());
  const itEvents: string[] = [];
  const it = await app(itEvents);
  await it.call('profiles:create', { displayName: 'IT', passphrase });
  await it.call('clinic:set-up', { where: 'relay', relayUrl: relay.url, setupToken: relay.setupToken, clinicName: 'Lakeside Family Clinic', yourName: 'Robin IT', timeZone: 'America/Toronto' });
  return { relay, it, itEvents };
}

async function clinician(it: TestApp, relayUrl: string, events: string[] = []): Promise<TestApp> {
  const { code } = await it.call<{ code: string }>('people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 1 });
  const b = await app(events);
  await b.call('profiles:create', { displayName: 'Dr Lee', passphrase });
  await b.call('clinic:join', { relayUrl, inviteCode: code });
  await it.call('people:approve');
  await b.call('clinic:check-approval');
  return b;
}

describe('the portal the clinic vouches for', () => {
  it('IT vouches; a clinician finds it the same; one changed byte is named, and IT is alerted at once', async () => {
    const portalDir = buildPortal();
    const { relay, it, itEvents } = await clinicWithPortal(portalDir);

    const before = await it.call<PortalStatus>('portal:check');
    expect(before).toMatchObject({ vouch: null, canVouch: true, lastCheck: { outcome: 'not-vouched' }, alerts: [] });

    const vouched = await it.call<PortalStatus>('portal:vouch');
    expect(vouched.vouch).toMatchObject({ files: 4, byThisComputer: true });
    expect(vouched.lastCheck).toMatchObject({ outcome: 'match', differences: [] });
    // The hashes are in the signed policy every computer verifies.
    const rules = (await it.call<{ rules: { portal?: { files: { path: string; sha256: string }[] } } }>('clinic:status')).rules;
    expect(rules.portal?.files.map((f) => f.path)).toEqual(['/assets/index-B5RF41kB.css', '/assets/index-RJ_6PTzS.js', WORKER, '/index.html']);

    const drEvents: string[] = [];
    const dr = await clinician(it, relay.url, drEvents);
    expect((await dr.call<PortalStatus>('portal:check')).lastCheck).toMatchObject({ outcome: 'match' });
    await expect(dr.call('portal:vouch')).rejects.toMatchObject({ code: 'forbidden' });
    expect([...drEvents, ...itEvents].filter((e) => e.startsWith('notice:'))).toEqual([]);

    // A broken-into relay changes one byte of the key derivation worker.
    const file = join(portalDir, WORKER.slice(1));
    const bytes = readFileSync(file);
    bytes[5] = (bytes[5] as number) ^ 0x01;
    writeFileSync(file, bytes);

    const found = await dr.call<PortalStatus>('portal:check');
    expect(found.lastCheck).toMatchObject({ outcome: 'mismatch', differences: [{ path: WORKER, problem: 'changed' }], reported: true });
    // The clinician's screens are not told of other computers' alerts.
    expect(found.alerts).toEqual([]);

    // The relay pushed the signed alert to the IT admin's computer, which lists it.
    const seen = await until(
      () => it.call<PortalStatus>('portal:status'),
      (s) => s.alerts.length > 0,
    );
    expect(seen.alerts).toEqual([expect.objectContaining({ role: 'clinician', differences: [{ path: WORKER, problem: 'changed' }] })]);
    expect(itEvents).toContain('portal:changed');
    // Both computers put up a desktop notice: the one that found it, and the IT admin's.
    expect(drEvents.filter((e) => e === 'notice:portal-changed')).toHaveLength(1);
    expect(itEvents).toContain('notice:portal-changed');
    // ...and checks for itself.
    const own = await until(
      () => it.call<PortalStatus>('portal:status'),
      (s) => s.lastCheck?.outcome === 'mismatch',
    );
    expect(own.lastCheck?.differences).toEqual([{ path: WORKER, problem: 'changed' }]);

    // The same finding again is not a second alert.
    await dr.call('portal:check');
    expect((await it.call<PortalStatus>('portal:status')).alerts).toHaveLength(1);

    // Changing the rules on the rules screen keeps the vouch; the form cannot set one.
    const status = await it.call<{ rules: Record<string, unknown> }>('clinic:status');
    const { portal: _portal, ...edited } = status.rules;
    await it.call('clinic:update-rules', { rules: { ...edited, responseTimeBusinessHours: 8 } });
    expect((await it.call<PortalStatus>('portal:status')).vouch).toMatchObject({ files: 4 });

    // IT puts the right file back and vouches again: the alerts about the old vouch are gone.
    bytes[5] = (bytes[5] as number) ^ 0x01;
    writeFileSync(file, bytes);
    const again = await it.call<PortalStatus>('portal:vouch');
    expect(again).toMatchObject({ lastCheck: { outcome: 'match' }, alerts: [] });
    // The clinician's computer checks against the new vouch as soon as the new rules arrive.
    const cleared = await until(
      () => dr.call<PortalStatus>('portal:status'),
      (s) => s.lastCheck?.outcome === 'match',
    );
    expect(cleared.vouch?.vouchedAt).toBe(again.vouch?.vouchedAt);
  });

  it('names a file the relay no longer serves', async () => {
    const portalDir = buildPortal();
    const { relay, it } = await clinicWithPortal(portalDir);
    await it.call('portal:vouch');
    const dr = await clinician(it, relay.url);
    rmSync(join(portalDir, 'assets', 'index-B5RF41kB.css'));
    expect((await dr.call<PortalStatus>('portal:check')).lastCheck?.differences).toEqual([{ path: '/assets/index-B5RF41kB.css', problem: 'missing' }]);
  });

  it('refuses to vouch for a build that does not match its own list, or a relay without a portal list', async () => {
    const portalDir = buildPortal();
    const { it } = await clinicWithPortal(portalDir);
    writeFileSync(join(portalDir, 'assets', 'index-B5RF41kB.css'), 'body { margin: 1px }');
    await expect(it.call('portal:vouch')).rejects.toMatchObject({ code: 'clinic-refused', reason: 'portal-mixed' });
    rmSync(join(portalDir, 'portal-files.json'));
    await expect(it.call('portal:vouch')).rejects.toMatchObject({ code: 'clinic-refused', reason: 'portal-not-built' });
    expect((await it.call<PortalStatus>('portal:status')).vouch).toBeNull();
  });
});
