// The desktop app's clinic membership through the real router, as the renderer calls it:
// set up a clinic on this computer (embedded relay), lock and unlock, join with an invite
// from another account, approval, and the role each account then has.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createMemoryLogger } from '../../src/main/log';
import { type MainServices, createMainServices } from '../../src/main/services/main-services';
import { createTestKeystore } from '../support/test-keystore';

const origin = 'app://renderer';
const passphrase = 'granite puffin lantern ninety';
const dirs: string[] = [];
const open: MainServices[] = [];
afterEach(async () => {
  for (const services of open.splice(0)) {
    await services.session.lock('manual');
    await services.clinic.close();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function app(dataDir = mkdtempSync(join(tmpdir(), 'cm-clinic-'))): Promise<MainServices & { call: (channel: string, payload?: unknown) => Promise<unknown>; dataDir: string }> {
  dirs.push(dataDir);
  const services = createMainServices({
    dataDir,
    appInfo: {
      name: 'Clinic Messenger',
      version: '0.1.0',
      host: 'browser-harness',
      packaged: false,
      build: { commit: 'test', date: '2026-11-23' },
      runtime: { node: process.versions.node, electron: null, chrome: null, platform: process.platform, arch: process.arch },
    },
    shell: () => ({ kind: 'browser-harness' }),
    trustedOrigins: [origin],
    log: createMemoryLogger(),
    keystore: await createTestKeystore(),
    dialogs: { chooseBackupDestination: async () => null, chooseBackupToRestore: async () => null, chooseReceiptDestination: async () => null },
    emit: () => undefined,
  });
  open.push(services);
  const call = async (channel: string, payload: unknown = {}) => {
    const result = await services.router.dispatch(channel, payload, { origin });
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value;
  };
  return Object.assign(services, { call, dataDir });
}

describe('clinic membership in the app', () => {
  it('sets up a clinic on this computer; the account becomes its IT admin and stays so after a lock', async () => {
    const a = await app();
    const created = (await a.call('profiles:create', { displayName: 'IT', passphrase })) as { state: string; clinicRole: string | null; profile: { id: string } };
    expect(created.clinicRole).toBeNull();
    expect(await a.call('clinic:status')).toEqual({ state: 'none' });
    // Before joining, staff-only channels are closed; after, set-up is.
    const status = (await a.call('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin IT', timeZone: 'America/Toronto' })) as Record<string, unknown>;
    expect(status).toMatchObject({ state: 'member', role: 'it-admin', embeddedRelay: true, holdsRoot: true, online: true });
    expect((status.rules as { clinicName: string }).clinicName).toBe('Lakeside Clinic');
    expect(a.session.caller()).toBe('it-admin');
    await expect(a.call('clinic:set-up', { where: 'this-computer', clinicName: 'Again', yourName: 'R', timeZone: 'UTC' })).rejects.toMatchObject({ code: 'forbidden' });

    await a.session.lock('manual');
    expect(a.session.caller()).toBe('signed-out');
    await a.clinic.close();
    const unlocked = (await a.call('profiles:unlock', { profileId: created.profile.id, passphrase })) as { clinicRole: string };
    expect(unlocked.clinicRole).toBe('it-admin');
    expect(await a.call('clinic:status')).toMatchObject({ state: 'member', online: true, embeddedRelay: true });
  });

  it('joins with an invite: pending until the root holder approves, then a clinician', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    const status = (await a.call('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin IT', timeZone: 'UTC' })) as { relayUrl: string; fingerprint: string };
    const code = await a.clinic.client().createInvite({ staffId: 'dr-lee', displayName: 'Dr Lee', role: 'clinician' });

    const b = await app();
    await b.call('profiles:create', { displayName: 'Dr Lee', passphrase });
    await expect(b.call('clinic:join', { relayUrl: status.relayUrl, inviteCode: 'ABCD-EFGH-IJKL-MNOP-QRST' })).rejects.toMatchObject({ code: 'invalid-code' });
    const pending = await b.call('clinic:join', { relayUrl: status.relayUrl, inviteCode: code });
    expect(pending).toMatchObject({ state: 'pending', role: 'clinician', fingerprint: status.fingerprint });
    expect(b.session.caller()).toBe('unenrolled');
    expect(await b.call('clinic:check-approval')).toMatchObject({ state: 'pending' });

    await a.clinic.client().approvePendingDevices();
    expect(await b.call('clinic:check-approval')).toMatchObject({ state: 'member', role: 'clinician', embeddedRelay: false });
    expect(b.session.caller()).toBe('clinician');
  });

  it('explains an unreachable server and a wrong setup token', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    await expect(a.call('clinic:set-up', { where: 'relay', relayUrl: 'http://127.0.0.1:9', setupToken: 'x'.repeat(20), clinicName: 'Clinic', yourName: 'R', timeZone: 'UTC' })).rejects.toMatchObject({
      code: 'clinic-offline',
    });
    await expect(a.call('clinic:set-up', { where: 'relay', clinicName: 'Clinic', yourName: 'R', timeZone: 'UTC' })).rejects.toMatchObject({ code: 'bad-request' });
    expect(await a.call('clinic:status')).toEqual({ state: 'none' });
  });
});
