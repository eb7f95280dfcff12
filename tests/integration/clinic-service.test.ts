// The desktop app's clinic membership through the real router, as the renderer calls it:
// set up a clinic on this computer (embedded relay), lock and unlock, join with an invite
// from another account, approval, and the role each account then has.
import { afterEach, describe, expect, it } from 'vitest';

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

describe('clinic membership in the app', () => {
  it('sets up a clinic on this computer; the account becomes its IT admin and stays so after a lock', async () => {
    const a = await app();
    const created = (await a.call('profiles:create', { displayName: 'IT', passphrase })) as { state: string; clinicRole: string | null; profile: { id: string } };
    expect(created.clinicRole).toBeNull();
    expect(await a.call('clinic:status')).toEqual({ state: 'none', localServer: null });
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
    await expect(b.call('clinic:join', { relayUrl: status.relayUrl, inviteCode: 'ABCD-EFGH-IJKL-MNOP-QRST' })).rejects.toMatchObject({ code: 'invalid-code', reason: 'malformed' });
    const pending = await b.call('clinic:join', { relayUrl: status.relayUrl, inviteCode: code });
    expect(pending).toMatchObject({ state: 'pending', role: 'clinician', fingerprint: status.fingerprint });
    expect(b.session.caller()).toBe('unenrolled');
    expect(await b.call('clinic:check-approval')).toMatchObject({ state: 'pending' });

    await a.clinic.client().approvePendingDevices();
    expect(await b.call('clinic:check-approval')).toMatchObject({ state: 'member', role: 'clinician', embeddedRelay: false });
    expect(b.session.caller()).toBe('clinician');
  });

  it('offers the clinic of this computer to a second account, which joins it as a clinician', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    const { relayUrl } = await a.call<{ relayUrl: string }>('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin IT', timeZone: 'UTC' });
    const { code } = await a.call<{ code: string }>('people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 1 });
    await a.call('session:lock');
    await a.call('profiles:create', { displayName: 'Dr Lee', passphrase });
    expect(await a.call('clinic:status')).toEqual({ state: 'none', localServer: relayUrl });
    expect(await a.call('clinic:join', { relayUrl, inviteCode: code })).toMatchObject({ state: 'pending', role: 'clinician' });
  });

  it('explains an unreachable server and a wrong setup token', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    await expect(a.call('clinic:set-up', { where: 'relay', relayUrl: 'http://127.0.0.1:9', setupToken: 'x'.repeat(20), clinicName: 'Clinic', yourName: 'R', timeZone: 'UTC' })).rejects.toMatchObject({
      code: 'clinic-offline',
    });
    await expect(a.call('clinic:set-up', { where: 'relay', clinicName: 'Clinic', yourName: 'R', timeZone: 'UTC' })).rejects.toMatchObject({ code: 'bad-request' });
    expect(await a.call('clinic:status')).toEqual({ state: 'none', localServer: null });
  });
});

describe('the clinic’s stated rules', () => {
  it('the root holder publishes new rules; a change to the consent text is a new template version', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    const status = await a.call<{ rules: Record<string, unknown> & { consentText: { templateVersion: number; edits: { en: Record<string, string>; fr: Record<string, string> } } } }>('clinic:set-up', {
      where: 'this-computer',
      clinicName: 'Lakeside Clinic',
      yourName: 'Robin',
      timeZone: 'UTC',
    });
    const rules = status.rules;
    const next = await a.call<{ rules: { phone: string; consentText: { templateVersion: number } } }>('clinic:update-rules', { rules: { ...rules, phone: '+1 555 0100' } });
    expect(next.rules).toMatchObject({ phone: '+1 555 0100', consentText: { templateVersion: 1 } });
    const edited = await a.call<{ rules: { consentText: { templateVersion: number } } }>('clinic:update-rules', {
      rules: { ...rules, phone: '+1 555 0100', consentText: { templateVersion: 1, edits: { en: { purposes: 'We also answer questions about vaccines.' }, fr: {} } } },
    });
    expect(edited.rules.consentText.templateVersion).toBe(2);
    await expect(a.call('clinic:update-rules', { rules: { ...rules, responseTimeBusinessHours: 0 } })).rejects.toMatchObject({ code: 'bad-request' });
  });
});

describe('people and computers', () => {
  it('the IT admin invites, sees the computer waiting, approves it, and removes it again', async () => {
    const a = await app();
    await a.call('profiles:create', { displayName: 'IT', passphrase });
    await a.call('clinic:set-up', { where: 'this-computer', clinicName: 'Lakeside Clinic', yourName: 'Robin', timeZone: 'UTC' });
    await expect(a.call('people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 90 })).rejects.toMatchObject({ code: 'bad-request' });
    const invite = await a.call<{ code: string; relayUrl: string; expiresAt: number }>('people:invite', { displayName: 'Dr Lee', role: 'clinician', validDays: 7 });

    const b = await app();
    await b.call('profiles:create', { displayName: 'Dr Lee', passphrase });
    await b.call('clinic:join', { relayUrl: invite.relayUrl, inviteCode: invite.code });
    let people = await a.call<{ devices: { deviceId: string; self: boolean }[]; pending: { displayName: string; role: string; deviceId: string }[]; holdsRoot: boolean }>('people:list');
    expect(people.holdsRoot).toBe(true);
    expect(people.devices.map((d) => d.self)).toEqual([true]);
    expect(people.pending).toMatchObject([{ displayName: 'Dr Lee', role: 'clinician', deviceId: b.clinic.client().deviceId }]);
    // Only IT admins manage people.
    await expect(b.call('people:list')).rejects.toMatchObject({ code: 'forbidden' });

    expect(await a.call('people:approve')).toEqual({ approved: 1 });
    expect(await b.call('clinic:check-approval')).toMatchObject({ state: 'member', role: 'clinician' });
    people = await a.call('people:list');
    expect(people.pending).toEqual([]);
    expect(people.devices).toHaveLength(2);

    await expect(a.call('people:revoke', { deviceId: a.clinic.client().deviceId, reason: 'other' })).rejects.toMatchObject({ code: 'invalid-request' });
    expect(await a.call('people:revoke', { deviceId: b.clinic.client().deviceId, reason: 'lost' })).toEqual({ revoked: true });
    people = await a.call('people:list');
    expect(people.devices).toHaveLength(1);
    await expect(b.call('clinic:status')).rejects.toMatchObject({ code: 'clinic-refused', reason: 'revoked' });
  });
});
