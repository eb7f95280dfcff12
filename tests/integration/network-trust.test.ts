// Clinic trust on loopback: the embedded relay, the root recovery file moving the root to a
// second IT admin device, and new clinicians reading the whole record through the epoch chain.
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { startEmbeddedRelay } from '../../src/main/network/embedded-relay';
import { ClientError } from '../../src/main/network/clinic-client';
import sodium from 'libsodium-wrappers-sumo';

import { type HeadlessClinic, openDevice, startHeadlessClinic } from '../../tools/headless';
import { PREFIX, patientWithdrawalSchema } from '../../src/shared/protocol/documents';
import { signDocument } from '../../src/shared/protocol/signed';
import { rawLogin, secretKeyOf } from '../support/raw-relay';

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cm-trust-'));
  dirs.push(dir);
  return dir;
};
async function clinic(): Promise<HeadlessClinic> {
  const c = await startHeadlessClinic({ dir: tempDir() });
  cleanups.push(() => c.close());
  return c;
}

describe('embedded relay', () => {
  it('listens on loopback only, keeps its data and prints the setup token once', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedRelay({ dataDir });
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.setupToken).toBeTruthy();
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) await expect(fetch(`http://${external.address}:${first.port}/healthz`)).rejects.toThrow();
    expect((await fetch(`${first.url}/healthz`)).ok).toBe(true);
    const port = first.port;
    await first.close();
    const second = await startEmbeddedRelay({ dataDir, port });
    expect(second.port).toBe(port);
    expect(second.setupToken).toBeUndefined();
    await second.close();
  });
});

describe('clinic root and records key', () => {
  it('moves the root to a second IT admin with the recovery file, who can then approve devices', async () => {
    const c = await clinic();
    const file = await c.admin.client.exportRecoveryFile('harbour violet seventy quietly');
    const admin2 = await c.addStaff('admin-2', 'it-admin');
    // Without the root, an IT admin can invite but not approve.
    await expect(admin2.client.approvePendingDevices()).rejects.toMatchObject({ code: 'not-allowed' });
    await expect(admin2.client.importRecoveryFile(file, 'wrong words entirely here')).rejects.toMatchObject({ code: 'wrong-passphrase' });
    await admin2.client.importRecoveryFile(file, 'harbour violet seventy quietly');

    const newcomer = await openDevice(c.devicesDir, 'dr-new');
    cleanups.push(() => newcomer.client.close());
    const code = await admin2.client.createInvite({ staffId: 'staff-new', displayName: 'Dr New', role: 'clinician' });
    await newcomer.client.redeemInvite({ relayUrl: c.relay.url, code });
    expect(await newcomer.client.completeJoin()).toBe(false);
    expect(await admin2.client.approvePendingDevices()).toEqual([newcomer.client.deviceId]);
    expect(await newcomer.client.completeJoin()).toBe(true);
  });

  it('lets a clinician who joins later read messages from earlier records key epochs', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const first = await c.addStaff('dr-first', 'clinician');
    const patient = await c.addPatient('patient', 'pat-1', desk);
    await first.client.verifiedDirectory(true);
    await patient.send('Written in an early epoch.');
    const late = await c.addStaff('dr-late', 'clinician');
    await patient.verifiedDirectory();
    await patient.send('Written after the newest rotation.');
    await late.client.sync();
    expect(late.client.messages('pat-1').map((m) => m.body)).toEqual(['Written in an early epoch.', 'Written after the newest rotation.']);
  });

  it('publishes new rules signed by the root; clients read them, and the relay refuses invalid or older ones', async () => {
    const c = await clinic();
    const dr = await c.addStaff('dr', 'clinician');
    const rules = (await dr.client.verifiedDirectory(true)).rules;
    expect(rules?.clinicName).toBe('Riverside Family Practice');
    const version = await c.admin.client.publishPolicy({ ...rules!, responseTimeBusinessHours: 24, phone: '+1 555 0100' });
    expect(version).toBe(2);
    const seen = await dr.client.verifiedDirectory(true);
    expect(seen.policy?.version).toBe(2);
    expect(seen.rules).toMatchObject({ responseTimeBusinessHours: 24, phone: '+1 555 0100' });
    await expect(c.admin.client.publishPolicy({ ...rules!, purposes: [] })).rejects.toMatchObject({ code: 'not-allowed' });
  });

  it('refuses to join a clinic twice or to write before approval', async () => {
    const c = await clinic();
    await expect(c.admin.client.setUpClinic({ relayUrl: c.relay.url, setupToken: 'x', clinicName: 'Again', staffId: 's' })).rejects.toBeInstanceOf(ClientError);
    const pending = await openDevice(c.devicesDir, 'pending');
    cleanups.push(() => pending.client.close());
    await pending.client.redeemInvite({ relayUrl: c.relay.url, code: await c.admin.client.createInvite({ staffId: 's2', displayName: 'Pat Pending', role: 'clinician' }) });
    await expect(pending.client.send({ patientId: 'p', body: 'hello' })).rejects.toMatchObject({ code: 'pending-approval' });
  });

  it('accepts a patient’s withdrawal only from that patient’s own device, and a newer consent reopens messaging', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const a = await c.addPatient('patient-a', 'pat-a', desk);
    await c.addPatient('patient-b', 'pat-b', desk);
    const { connection, identity } = await rawLogin(c.relay.url, a);
    const forged = signDocument(sodium, PREFIX.patientWithdrawal, patientWithdrawalSchema, { v: 1, clinicId: identity.clinicId, patientId: 'pat-b', deviceId: identity.deviceId, requestedAt: Date.now() }, secretKeyOf(identity));
    await expect(connection.request('consent.withdraw-request', { withdrawal: forged })).rejects.toMatchObject({ code: 'wrong-patient' });
    const other = signDocument(sodium, PREFIX.patientWithdrawal, patientWithdrawalSchema, { v: 1, clinicId: identity.clinicId, patientId: 'pat-a', deviceId: identity.deviceId, requestedAt: Date.now() }, sodium.crypto_sign_keypair().privateKey);
    await expect(connection.request('consent.withdraw-request', { withdrawal: other })).rejects.toMatchObject({ code: 'bad-signature' });
    await connection.close();
    // Staff cannot send it either.
    const staff = await rawLogin(c.relay.url, dr);
    await expect(staff.connection.request('consent.withdraw-request', { withdrawal: forged })).rejects.toMatchObject({ code: 'forbidden' });
    await staff.connection.close();

    await a.withdraw();
    await dr.client.verifiedDirectory(true);
    await expect(dr.client.send({ patientId: 'pat-a', body: 'Hello' })).rejects.toMatchObject({ code: 'no-consent' });
    expect((await dr.client.send({ patientId: 'pat-b', body: 'Hello B' })).state).toBe('sent');
    await desk.client.publishConsent('pat-a', ['clinical']);
    await dr.client.verifiedDirectory(true);
    expect((await dr.client.send({ patientId: 'pat-a', body: 'Hello again' })).state).toBe('sent');
  });
});
