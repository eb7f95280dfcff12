// The portal's patient client in Node 22 (same WebSocket API as the browser) against a real
// relay and real headless staff devices: enrollment, messages both ways with receipts, the
// encrypted vault across a "reload", withdrawal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PREFIX, relayAuthSchema } from '../../shared/protocol/documents';
import { fromBase64 } from '../../shared/protocol/encoding';
import { signDocument } from '../../shared/protocol/signed';
import { type HeadlessClinic, type HeadlessDevice, startHeadlessClinic } from '../../../tools/headless';
import { type PortalSodium, loadSodium } from '../crypto/sodium';
import { createMemoryBackend } from '../storage/backend';
import { Vault } from '../storage/vault';
import { UntrustedError, freshTrustMemory, verifyPatientDirectory } from './directory';
import { checkEnrollmentCode, codeFromFragment, redeemEnrollment } from './enroll';
import { PatientClient, type VaultSecrets } from './patient-client';
import { openRelaySocket, wsUrlFor } from './relay-socket';

const FAST = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('portal patient client against a real relay', () => {
  let dir: string;
  let clinic: HeadlessClinic;
  let dr: HeadlessDevice;
  let sodium: PortalSodium;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cm-portal-client-'));
    sodium = await loadSodium();
    clinic = await startHeadlessClinic({ dir });
    dr = await clinic.addStaff('dr', 'clinician');
  });

  afterAll(async () => {
    await clinic.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a code from the address fragment', () => {
    expect(codeFromFragment('#code=ABCD-EFGH-2345')).toBe('ABCD-EFGH-2345');
    expect(codeFromFragment('#code=abcd%20efgh')).toBe('abcd efgh');
    expect(codeFromFragment('#other=1')).toBeNull();
    expect(codeFromFragment('')).toBeNull();
  });

  it('refuses typos, staff codes and codes of another clinic before redeeming', async () => {
    const wsUrl = wsUrlFor(clinic.relay.url);
    const { code } = await clinic.admin.client.enrollPatient({ patientId: 'pat-typo', scopes: ['clinical'] });
    const typo = `${code.slice(0, 5)}${code[5] === 'A' ? 'B' : 'A'}${code.slice(6)}`;
    await expect(checkEnrollmentCode(sodium, wsUrl, typo)).rejects.toMatchObject({ code: 'typo' });
    await expect(checkEnrollmentCode(sodium, wsUrl, 'ABCD')).rejects.toMatchObject({ code: 'malformed' });
    const invite = await clinic.admin.client.createInvite({ staffId: 's-x', displayName: 'X', role: 'front-desk' });
    await expect(checkEnrollmentCode(sodium, wsUrl, invite)).rejects.toMatchObject({ code: 'wrong-kind' });
    const other = await startHeadlessClinic({ dir: join(dir, 'other') });
    try {
      const foreign = await other.admin.client.enrollPatient({ patientId: 'pat-x', scopes: ['clinical'] });
      await expect(checkEnrollmentCode(sodium, wsUrl, foreign.code)).rejects.toMatchObject({ code: 'wrong-clinic' });
    } finally {
      await other.close();
    }
  });

  it('trusts only what the clinic root and its certified devices signed', async () => {
    const wsUrl = wsUrlFor(clinic.relay.url);
    const { code } = await clinic.admin.client.enrollPatient({ patientId: 'pat-3', scopes: ['clinical'] });
    const identity = await redeemEnrollment(sodium, wsUrl, await checkEnrollmentCode(sodium, wsUrl, code), Date.now());
    // The directory exactly as the relay gives it to this patient device.
    const client = await PatientClient.open({ sodium, vault: await Vault.create<VaultSecrets>(sodium, createMemoryBackend(), 'pw pw pw', { identity }, FAST) });
    client.start();
    await waitFor(() => client.snapshot().directory !== null, 'the directory');
    await client.stop();
    const socket = await openRelaySocket(wsUrl);
    const { challenge } = await socket.request('auth.challenge', {});
    const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, fromBase64(identity.signing.privateKey) as Uint8Array);
    await socket.request('auth.login', { proof });
    const raw = await socket.request('directory.get', {});
    socket.close();
    const now = Date.now();

    const { directory, memory } = verifyPatientDirectory(sodium, identity, raw, freshTrustMemory, now);
    expect(directory.devices.get(identity.deviceId)?.kind).toBe('patient');
    expect(directory.consent?.activeScopes).toEqual(['clinical']);
    expect(directory.rules?.clinicName).toBe('Riverside Family Practice');
    expect(memory.policyVersion).toBe(1);
    const untrusted = (f: () => unknown) => expect(f).toThrow(UntrustedError);

    // A policy the root did not sign, or an older one than already seen.
    const policy = raw.policy as NonNullable<typeof raw.policy>;
    untrusted(() => verifyPatientDirectory(sodium, identity, { ...raw, policy: { ...policy, policy: { ...policy.policy, rules: { ...policy.policy.rules, phone: '555-0000' } } } }, freshTrustMemory, now));
    untrusted(() => verifyPatientDirectory(sodium, identity, raw, { ...memory, policyVersion: 2 }, now));
    untrusted(() => verifyPatientDirectory(sodium, identity, { ...raw, policy: null }, memory, now));
    // A consent older than one already seen.
    untrusted(() => verifyPatientDirectory(sodium, identity, raw, { ...memory, consentVersion: 5 }, now));
    // A staff certificate the root did not sign is ignored, and so is everything it signed.
    const forged = raw.staff.map((c) => ({ ...c, certificate: { ...c.certificate, staffId: `${c.certificate.staffId}x` } }));
    untrusted(() => verifyPatientDirectory(sodium, identity, { ...raw, staff: forged }, freshTrustMemory, now));
    // Another clinic's root pinned: this device does not appear as enrolled at all.
    untrusted(() => verifyPatientDirectory(sodium, { ...identity, rootPublicKey: raw.recordsEpoch?.document.publicKey ?? '' }, raw, freshTrustMemory, now));
    // A consent signed by nobody the root certified does not count.
    const consents = raw.consents.map((c) => ({ ...c, document: { ...c.document, activeScopes: ['clinical', 'attachments'] as ('clinical' | 'attachments')[] } }));
    expect(verifyPatientDirectory(sodium, identity, { ...raw, consents }, freshTrustMemory, now).directory.consent).toBeNull();
  });

  it('queues messages while the relay is away and sends them in writing order when it returns', async () => {
    const wsUrl = wsUrlFor(clinic.relay.url);
    const { code } = await clinic.admin.client.enrollPatient({ patientId: 'pat-2', scopes: ['clinical'] });
    const identity = await redeemEnrollment(sodium, wsUrl, await checkEnrollmentCode(sodium, wsUrl, code), Date.now());
    const client = await PatientClient.open({ sodium, vault: await Vault.create<VaultSecrets>(sodium, createMemoryBackend(), 'pw pw pw', { identity }, FAST) });
    client.start();
    await waitFor(() => client.snapshot().connection === 'online' && client.snapshot().directory?.epoch !== null, 'online');
    const down = clinic.restartRelay();
    await waitFor(() => client.snapshot().connection !== 'online', 'offline');
    const first = await client.send('first, written offline');
    const second = await client.send('second, written offline');
    expect(client.snapshot().messages.filter((m) => m.state === 'queued')).toHaveLength(2);
    await down;
    client.reconnectNow();
    await waitFor(() => client.snapshot().messages.every((m) => m.state !== 'queued'), 'the queue to empty', 15_000);
    const seqs = [first, second].map((m) => client.snapshot().messages.find((x) => x.messageId === m.messageId)?.seq ?? 0);
    expect(seqs[0]).toBeLessThan(seqs[1] as number);
    await client.stop();
  });

  it('enrolls, writes, receives, follows receipts, survives a reload, and withdraws', async () => {
    const wsUrl = wsUrlFor(clinic.relay.url);
    const { code } = await clinic.admin.client.enrollPatient({ patientId: 'pat-1', scopes: ['clinical'] });
    const checked = await checkEnrollmentCode(sodium, wsUrl, code.toLowerCase().replace(/-/g, ' '));
    expect(checked.fingerprint).toBe(clinic.admin.client.fingerprint);
    expect(checked.clinicName).toBe('Riverside Family Practice');
    const identity = await redeemEnrollment(sodium, wsUrl, checked, Date.now());
    expect(identity.patientId).toBe('pat-1');

    const backend = createMemoryBackend();
    const vault = await Vault.create<VaultSecrets>(sodium, backend, 'quiet river stone', { identity }, FAST);
    const client = await PatientClient.open({ sodium, vault });
    client.start();
    await waitFor(() => client.snapshot().connection === 'online' && client.snapshot().directory?.rules !== null, 'online');
    expect(client.snapshot().directory?.consent?.activeScopes).toEqual(['clinical']);
    expect(client.snapshot().fingerprint).toBe(checked.fingerprint);

    const sent = await client.send('Could I renew my inhaler prescription?');
    // The clinician's device may already have fetched it (and sent "delivered") on the relay's push.
    await waitFor(() => ['sent', 'delivered'].includes(client.snapshot().messages.find((m) => m.messageId === sent.messageId)?.state ?? ''), 'sent');

    await dr.client.sync();
    const atClinic = dr.client.messages('pat-1').find((m) => m.messageId === sent.messageId);
    expect(atClinic?.body).toBe('Could I renew my inhaler prescription?');
    await waitFor(() => client.snapshot().messages.find((m) => m.messageId === sent.messageId)?.state === 'delivered', 'delivered');
    await dr.client.markRead(sent.messageId);
    await waitFor(() => client.snapshot().messages.find((m) => m.messageId === sent.messageId)?.state === 'read', 'read');

    const reply = await dr.client.send({ patientId: 'pat-1', body: 'Yes, it will be ready tomorrow.' });
    await waitFor(() => client.snapshot().messages.some((m) => m.messageId === reply.messageId), 'reply');
    await waitFor(async () => (await dr.client.sync(), dr.client.message(reply.messageId)?.state === 'delivered'), 'reply delivered');
    await client.markRead([reply.messageId]);
    await waitFor(async () => (await dr.client.sync(), dr.client.message(reply.messageId)?.state === 'read'), 'reply read');
    await client.settled();
    await client.stop();

    // A reload: the same storage, opened again with the passphrase.
    const again = await PatientClient.open({ sodium, vault: await Vault.open<VaultSecrets>(sodium, backend, 'quiet river stone') });
    expect(again.snapshot().messages.map((m) => [m.outgoing, m.body, m.state])).toEqual([
      [true, 'Could I renew my inhaler prescription?', 'read'],
      [false, 'Yes, it will be ready tomorrow.', 'received'],
    ]);
    again.start();
    await waitFor(() => again.snapshot().connection === 'online', 'online again');
    await again.withdraw();
    expect(again.canWrite()).toBe(false);
    await expect(again.send('one more')).rejects.toMatchObject({ code: 'no-consent' });
    await dr.client.verifiedDirectory(true);
    await expect(dr.client.send({ patientId: 'pat-1', body: 'Are you there?' })).rejects.toMatchObject({ code: 'no-consent' });
    await again.stop();
  });
});
