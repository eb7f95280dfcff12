// The security settings of the clinic's signed rules, put in force on every staff computer:
// the strictest ones before any policy is verified, the clinic's as soon as one is (at each
// unlock, and when a new one is pushed), and nothing at all from a policy that fails to verify.
import { join } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { EMBEDDED_RELAY_DIR } from '../../src/main/network/embedded-relay';
import type { ClinicRules } from '../../src/shared/protocol/clinic-rules';
import { type TestApp, startTestApp } from '../support/main-app';

const passphrase = 'granite puffin lantern ninety';
const apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function app(): Promise<TestApp> {
  const started = await startTestApp();
  apps.push(started);
  return started;
}

type Unlocked = { state: 'unlocked'; profile: { id: string; remembersDevice: boolean }; security: Record<string, unknown> };

describe('the clinic’s security settings on every computer', () => {
  it('applies the strictest settings first, then each verified policy; refuses a forged one; forgets the kept key when the clinic stops allowing it', async () => {
    const admin = await app();
    const created = await admin.call<Unlocked>('profiles:create', { displayName: 'IT', passphrase });
    expect(created.security).toEqual({ idleLockMinutes: 1, allowRememberDevice: false, notificationPreview: 'nothing', patientAttachments: false, contentProtection: true, source: 'strictest', policyVersion: null });
    await expect(admin.call('profiles:remember-device', { enabled: true })).rejects.toMatchObject({ code: 'forbidden' });

    const { rules, relayUrl } = await admin.call<{ rules: ClinicRules; relayUrl: string }>('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin IT', timeZone: 'America/Toronto' });
    expect(admin.session.security()).toMatchObject({ source: 'clinic', policyVersion: 1, idleLockMinutes: 5, allowRememberDevice: false });
    await admin.call('clinic:update-rules', { rules: { ...rules, security: { ...rules.security, idleLockMinutes: 2, allowRememberDevice: true, patientAttachments: true } } });
    expect(admin.session.security()).toMatchObject({ source: 'clinic', policyVersion: 2, idleLockMinutes: 2, allowRememberDevice: true, patientAttachments: true, contentProtection: false });

    // A clinician's computer joins: the clinic's settings hold there too.
    const { code } = await admin.call<{ code: string }>('people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 1 });
    const dr = await app();
    const drProfile = await dr.call<Unlocked>('profiles:create', { displayName: 'Dr Lee', passphrase });
    await dr.call('clinic:join', { relayUrl, inviteCode: code });
    expect(dr.session.security().source).toBe('strictest');
    await admin.call('people:approve');
    await dr.call('clinic:check-approval');
    expect(dr.session.security()).toMatchObject({ source: 'clinic', policyVersion: 2, idleLockMinutes: 2 });
    expect(await dr.call('profiles:remember-device', { enabled: true })).toMatchObject({ profile: { remembersDevice: true } });

    // The IT-chosen 2 minutes: still unlocked at 1:59 idle, locked at 2:00.
    let idle = 119;
    const stop = dr.session.watchIdle(() => idle, 20);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(dr.session.status().state).toBe('unlocked');
    idle = 120;
    await vi.waitFor(() => expect(dr.session.status()).toMatchObject({ state: 'signed-out', lockReason: 'idle' }));
    stop();

    // At the next unlock the rules last verified apply before any network answer.
    await dr.clinic.close();
    const again = await dr.call<Unlocked>('profiles:unlock', { profileId: drProfile.profile.id, passphrase });
    expect(again.security).toMatchObject({ source: 'clinic', policyVersion: 2, idleLockMinutes: 2, allowRememberDevice: true });

    // A forged policy on the server (a higher version, the old signature): refused, nothing changes.
    const relayDb = new Database(join(admin.dataDir, EMBEDDED_RELAY_DIR, 'relay.db'));
    const newest = relayDb.prepare('SELECT policy_json FROM policies ORDER BY version DESC LIMIT 1').get() as { policy_json: string };
    const forged = JSON.parse(newest.policy_json) as { policy: { version: number; rules: ClinicRules } };
    forged.policy.version = 50;
    forged.policy.rules.security.idleLockMinutes = 60;
    relayDb.prepare('INSERT INTO policies (version, policy_json, stored_at) VALUES (?, ?, ?)').run(50, JSON.stringify(forged), Date.now());
    await expect(dr.clinic.client().verifiedDirectory(true)).rejects.toMatchObject({ code: 'untrusted' });
    expect(dr.session.security()).toMatchObject({ policyVersion: 2, idleLockMinutes: 2 });
    relayDb.prepare('DELETE FROM policies WHERE version = 50').run();
    relayDb.close();

    // The clinic stops allowing it: at its next sync (the relay's push), the computer forgets the kept key.
    await admin.call('clinic:update-rules', { rules: { ...rules, security: { ...rules.security, idleLockMinutes: 2, allowRememberDevice: false } } });
    await vi.waitFor(() => expect(dr.session.status()).toMatchObject({ profile: { remembersDevice: false }, security: { policyVersion: 3, allowRememberDevice: false } }));
    expect((await dr.profiles.list()).find((p) => p.id === drProfile.profile.id)?.remembersDevice).toBe(false);
    await expect(dr.call('profiles:remember-device', { enabled: true })).rejects.toMatchObject({ code: 'forbidden' });
    await dr.session.lock('manual');
    await expect(dr.call('profiles:unlock-with-device', { profileId: drProfile.profile.id })).rejects.toMatchObject({ code: 'device-key-unavailable' });
  });
});
