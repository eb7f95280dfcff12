// What the clinic network refuses (ADR 10, threat model): forged or tampered envelopes,
// replays, uncertified and revoked devices, front desk reading, a patient reaching another
// patient, messages without consent, misused one-time codes and rollbacks. Each refusal is
// checked by its exact typed code, and where it matters, that nothing was stored or delivered.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClientError, type Directory } from '../../src/main/network/clinic-client';
import { EnrollError, RelayError as PortalRelayError } from '../../src/portal/client/enroll';
import { PortalError } from '../../src/portal/client/patient-client';
import { openClientStore } from '../../src/main/network/client-store';
import { type HeadlessClinic, type HeadlessDevice, HeadlessPatient, openDevice, startHeadlessClinic } from '../../tools/headless';
import { RelayError, type RelayConnection, connectRelay } from '../../src/main/network/relay-connection';
import { signStaffCertificate } from '../../src/shared/protocol/certificate';
import { signingInput } from '../../src/shared/protocol/canonical';
import { CodeError, parseCode } from '../../src/shared/protocol/codes';
import {
  PREFIX,
  RecordsKeyError,
  consentStatusSchema,
  createRecordsEpoch,
  openRecordsEpoch,
  recordsEpochSchema,
  relayAuthSchema,
} from '../../src/shared/protocol/documents';
import { fromBase64, toBase64 } from '../../src/shared/protocol/encoding';
import { ENVELOPE_PREFIX, type Envelope, EnvelopeError, openEnvelope, parseEnvelope, sealEnvelope } from '../../src/shared/protocol/envelope';
import { signClinicPolicy } from '../../src/shared/protocol/policy';
import { type SyncItem } from '../../src/shared/protocol/relay-frames';
import { signDocument } from '../../src/shared/protocol/signed';
import { type SodiumKeyPair } from '../../src/shared/protocol/sodium-api';
import { type RawIdentity, identityOf, rawLogin, secretKeyOf } from '../support/raw-relay';

const dirs: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(): Promise<HeadlessClinic> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-refuse-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir });
  cleanups.push(() => c.close());
  return c;
}

/** A clinic with a front desk, a clinician and one enrolled patient (consent: clinical). */
async function network() {
  const c = await clinic();
  const desk = await c.addStaff('desk', 'front-desk');
  const dr = await c.addStaff('dr', 'clinician');
  const patient = await c.addPatient('patient', 'pat-1', desk);
  await dr.client.verifiedDirectory(true);
  return { c, desk, dr, patient };
}

async function login(relayUrl: string, device: HeadlessDevice | HeadlessPatient): Promise<{ connection: RelayConnection; identity: RawIdentity }> {
  const raw = await rawLogin(relayUrl, device);
  cleanups.push(() => raw.connection.close());
  return raw;
}

async function extraDevice(c: HeadlessClinic, name: string): Promise<HeadlessDevice> {
  const device = await openDevice(c.devicesDir, name);
  cleanups.push(() => device.client.close());
  return device;
}

/** Another patient device redeeming `code` the portal's way; closed after the test. */
async function redeemOn(c: HeadlessClinic, name: string, code: string): Promise<HeadlessPatient> {
  const device = await HeadlessPatient.enroll({ name, dir: c.devicesDir, relayUrl: c.relay.url, code });
  cleanups.push(() => device.close());
  return device;
}

/** Awaits a rejection and checks its class and exact code. */
async function rejects<E extends Error & { code: string }>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E, code: string): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${type.name} ${code}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as E).code).toBe(code);
  return error as E;
}

function throws<E extends Error & { code: string }>(fn: () => unknown, type: abstract new (...args: never[]) => E, code: string): E {
  let caught: unknown = null;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as E).code).toBe(code);
  return caught as E;
}

const bytes = (text: string): Uint8Array => {
  const decoded = fromBase64(text);
  if (!decoded) throw new Error('not base64');
  return decoded;
};
const pair = (text: { publicKey: string; privateKey: string }): SodiumKeyPair => ({ publicKey: bytes(text.publicKey), privateKey: bytes(text.privateKey) });

/** Flips one bit of a base64 field, keeping it canonical base64 of the same length. */
function flipBase64(text: string, at = 0): string {
  const b = bytes(text);
  b[at % b.length] = (b[at % b.length] as number) ^ 0x01;
  return toBase64(b);
}

type SealOptions = {
  patientId?: string;
  conversationId?: string;
  scope?: string;
  messageId?: string;
  body?: string;
  /** Extra device recipients, by id and box key. */
  extra?: { to: string; boxPublicKey: Uint8Array }[];
};

/** Seals and signs an envelope with a device's own keys, to the records key and the patient's devices. */
function sealAs(sender: RawIdentity, directory: Pick<Directory, 'epoch' | 'devices'>, options: SealOptions = {}): Envelope {
  const epoch = directory.epoch;
  if (!epoch) throw new Error('no records epoch');
  const patientId = options.patientId ?? sender.patientId ?? 'pat-1';
  const recipients = [{ to: `records:${epoch.epoch}`, boxPublicKey: bytes(epoch.publicKey) }];
  for (const d of directory.devices.values()) {
    if (d.kind === 'patient' && d.patientId === patientId) recipients.push({ to: d.deviceId, boxPublicKey: d.boxKey });
  }
  recipients.push(...(options.extra ?? []));
  return sealEnvelope(sodium, {
    messageId: options.messageId ?? `m${toBase64(sodium.randombytes_buf(9)).replace(/[+/]/g, '_')}`,
    conversationId: options.conversationId ?? patientId,
    patientId,
    senderDeviceId: sender.deviceId,
    sentAt: Date.now(),
    scope: options.scope ?? 'clinical',
    recordsEpoch: epoch.epoch,
    body: new TextEncoder().encode(options.body ?? 'A message written for this test.'),
    recipients,
    senderSigningKey: secretKeyOf(sender),
  });
}

const clone = (envelope: Envelope): Envelope => JSON.parse(JSON.stringify(envelope)) as Envelope;

async function messagesVia(connection: RelayConnection): Promise<Extract<SyncItem, { kind: 'message' }>[]> {
  const { items } = await connection.request('sync', { after: 0, limit: 500 });
  return items.filter((i): i is Extract<SyncItem, { kind: 'message' }> => i.kind === 'message');
}

function readStore<T>(device: HeadlessDevice, read: (store: ReturnType<typeof openClientStore>) => T): T {
  const store = openClientStore(device.file, device.key);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

describe('forged and tampered envelopes', () => {
  it('refuses an envelope re-signed with another key or with flipped signature bytes (bad-signature)', async () => {
    const { c, dr, patient } = await network();
    const { connection, identity } = await login(c.relay.url, dr);
    const directory = await dr.client.verifiedDirectory(true);
    const envelope = sealAs(identity, directory);

    const other = sodium.crypto_sign_keypair();
    const resigned = clone(envelope);
    resigned.signature = toBase64(sodium.crypto_sign_detached(signingInput(ENVELOPE_PREFIX, envelope.header, bytes(envelope.ciphertext)), other.privateKey));
    await rejects(connection.request('message.send', { envelope: resigned }), RelayError, 'bad-signature');

    for (const at of [0, 31, 63]) {
      const flipped = clone(envelope);
      flipped.signature = flipBase64(envelope.signature, at);
      await rejects(connection.request('message.send', { envelope: flipped }), RelayError, 'bad-signature');
    }

    // Nothing was stored or delivered.
    expect(await messagesVia(connection)).toEqual([]);
    await patient.sync();
    expect(patient.messages()).toEqual([]);
    // The untouched envelope goes through, so the refusals were about the signature alone.
    expect(await connection.request('message.send', { envelope })).toMatchObject({ seq: 1, duplicate: false });
  });

  it('refuses tampered ciphertext or header fields (bad-signature); a client drops them even if a relay delivered them', async () => {
    const { c, dr, patient } = await network();
    const { connection, identity } = await login(c.relay.url, dr);
    const directory = await dr.client.verifiedDirectory(true);
    const envelope = sealAs(identity, directory, { body: 'Your biopsy came back benign.' });

    const tamperedCiphertext = clone(envelope);
    tamperedCiphertext.ciphertext = flipBase64(envelope.ciphertext, 3);
    await rejects(connection.request('message.send', { envelope: tamperedCiphertext }), RelayError, 'bad-signature');

    const tamperedHeaders: Envelope[] = [];
    const withScope = clone(envelope);
    withScope.header.scope = 'reminders';
    tamperedHeaders.push(withScope);
    const withTime = clone(envelope);
    withTime.header.sentAt += 1;
    tamperedHeaders.push(withTime);
    const withId = clone(envelope);
    withId.header.messageId = `${envelope.header.messageId}x`;
    tamperedHeaders.push(withId);
    const withNonce = clone(envelope);
    withNonce.header.nonce = flipBase64(envelope.header.nonce);
    tamperedHeaders.push(withNonce);
    const withoutPatientDevice = clone(envelope);
    withoutPatientDevice.header.recipients = envelope.header.recipients.filter((r) => r.to.startsWith('records:'));
    tamperedHeaders.push(withoutPatientDevice);
    for (const tampered of tamperedHeaders) {
      await rejects(connection.request('message.send', { envelope: tampered }), RelayError, 'bad-signature');
    }
    expect(await messagesVia(connection)).toEqual([]);
    await patient.sync();
    expect(patient.messages()).toEqual([]);

    // A malicious relay could hand these to the patient anyway: the client's own checks drop them.
    const patientId = identityOf(patient);
    const open = (e: Envelope) => openEnvelope(sodium, parseEnvelope(e), { recipientId: patientId.deviceId, boxKeyPair: pair(patientId.box), senderSigningPublicKey: bytes(identity.signing.publicKey) });
    expect(new TextDecoder().decode(open(envelope).body)).toBe('Your biopsy came back benign.');
    for (const tampered of [tamperedCiphertext, ...tamperedHeaders.slice(0, 4)]) throws(() => open(tampered), EnvelopeError, 'bad-signature');
    // A sealed key swapped for another is also a header change the signature covers.
    const swappedKey = clone(envelope);
    const mine = swappedKey.header.recipients.find((r) => r.to === patientId.deviceId);
    if (!mine) throw new Error('patient is not a recipient');
    mine.key = toBase64(sodium.crypto_box_seal(sodium.randombytes_buf(32), pair(patientId.box).publicKey));
    throws(() => open(swappedKey), EnvelopeError, 'bad-signature');
    // Broken encodings are refused by the parser before any crypto.
    const badBase64 = clone(envelope);
    badBase64.ciphertext = `${envelope.ciphertext.slice(0, -4)}!!!!`;
    throws(() => parseEnvelope(badBase64), EnvelopeError, 'bad-base64');
    // And the client's sync path opens only what verifies: the real message arrives once, intact.
    await connection.request('message.send', { envelope });
    await patient.sync();
    expect(patient.messages().map((m) => m.body)).toEqual(['Your biopsy came back benign.']);
  });
});

describe('replays', () => {
  it('answers a replayed envelope as a duplicate with the same seq, delivers it once, and refuses another envelope under its id', async () => {
    const { c, dr, patient } = await network();
    const { connection, identity } = await login(c.relay.url, dr);
    const directory = await dr.client.verifiedDirectory(true);
    const envelope = sealAs(identity, directory, { body: 'Take one tablet twice a day.' });
    const first = await connection.request('message.send', { envelope });
    expect(first.duplicate).toBe(false);
    const second = await connection.request('message.send', { envelope: clone(envelope) });
    expect(second).toEqual({ seq: first.seq, relaySeq: first.relaySeq, duplicate: true });
    // Replayed on a fresh connection too.
    const again = await login(c.relay.url, dr);
    expect(await again.connection.request('message.send', { envelope })).toEqual({ ...first, duplicate: true });

    const sameId = sealAs(identity, directory, { messageId: envelope.header.messageId, body: 'Take two tablets twice a day.' });
    await rejects(connection.request('message.send', { envelope: sameId }), RelayError, 'conflict');

    await patient.sync();
    expect(patient.messages().map((m) => m.body)).toEqual(['Take one tablet twice a day.']);
    expect((await messagesVia(connection)).map((m) => m.envelope.header.messageId)).toEqual([envelope.header.messageId]);
  });

  it('refuses a replayed login proof on a new connection or after it was used (invalid)', async () => {
    const { c, dr } = await network();
    const identity = identityOf(dr);
    const first = await connectRelay(c.relay.url, { timeoutMs: 5000 });
    cleanups.push(() => first.close());
    const { challenge } = await first.request('auth.challenge', {});
    const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, secretKeyOf(identity));
    expect(await first.request('auth.login', { proof })).toMatchObject({ deviceId: identity.deviceId, kind: 'staff', role: 'clinician' });
    // The challenge was good for one attempt on that connection.
    await rejects(first.request('auth.login', { proof }), RelayError, 'invalid');

    const second = await connectRelay(c.relay.url, { timeoutMs: 5000 });
    cleanups.push(() => second.close());
    await rejects(second.request('auth.login', { proof }), RelayError, 'invalid'); // no challenge asked
    await second.request('auth.challenge', {});
    await rejects(second.request('auth.login', { proof }), RelayError, 'invalid'); // another challenge
    await rejects(second.request('sync', { after: 0 }), RelayError, 'not-authenticated');
  });
});

describe('devices the clinic did not certify', () => {
  it('refuses a pending device (pending-approval), an unknown one (unknown-device) and a certificate from another root (bad-certificate)', async () => {
    const c = await clinic();
    const pending = await extraDevice(c, 'pending');
    await pending.client.redeemInvite({ relayUrl: c.relay.url, code: await c.admin.client.createInvite({ staffId: 'staff-pending', displayName: 'Pat Pending', role: 'clinician' }) });
    await rejects(rawLogin(c.relay.url, pending), RelayError, 'pending-approval');

    const stranger = sodium.crypto_sign_keypair();
    const connection = await connectRelay(c.relay.url, { timeoutMs: 5000 });
    cleanups.push(() => connection.close());
    const { challenge } = await connection.request('auth.challenge', {});
    const adminIdentity = identityOf(c.admin);
    const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: adminIdentity.clinicId, deviceId: 'd-never-seen', challenge }, stranger.privateKey);
    await rejects(connection.request('auth.login', { proof }), RelayError, 'unknown-device');
    // Posing as a known device without its key is refused too.
    const { challenge: next } = await connection.request('auth.challenge', {});
    const posing = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: adminIdentity.clinicId, deviceId: adminIdentity.deviceId, challenge: next }, stranger.privateKey);
    await rejects(connection.request('auth.login', { proof: posing }), RelayError, 'bad-signature');

    const admin = await login(c.relay.url, c.admin);
    const { pending: waiting } = await admin.connection.request('invite.pending', {});
    expect(waiting).toHaveLength(1);
    const redemption = waiting[0]!.redemption.document;
    const otherRoot = sodium.crypto_sign_keypair();
    const now = Date.now();
    const certificate = signStaffCertificate(
      sodium,
      { clinicId: adminIdentity.clinicId, deviceId: redemption.deviceId, staffId: 'staff-pending', role: 'clinician', signingKey: bytes(redemption.signingKey), boxKey: bytes(redemption.boxKey), issuedAt: now, notAfter: now + 86_400_000 },
      otherRoot.privateKey,
    );
    await rejects(admin.connection.request('device.certify', { inviteId: redemption.inviteId, certificate }), RelayError, 'bad-certificate');
    // Still not part of the clinic.
    await rejects(rawLogin(c.relay.url, pending), RelayError, 'pending-approval');
    expect(await pending.client.completeJoin()).toBe(false);
    const { staff } = await admin.connection.request('directory.get', {});
    expect(staff.map((s) => s.certificate.deviceId)).not.toContain(redemption.deviceId);
  });
});

describe('a revoked device', () => {
  it('is cut off at once, cannot log in again, and never gets the records key that reads later messages', async () => {
    const { c, dr, patient } = await network();
    const drB = await c.addStaff('dr-b', 'clinician');
    await dr.client.verifiedDirectory(true); // dr holds the newest key before the revocation
    const drId = identityOf(dr);
    const oldKeys = readStore(dr, (store) => {
      const latest = store.latestRecordsEpoch();
      const keys: { epoch: number; pair: SodiumKeyPair }[] = [];
      for (let e = 0; latest !== null && e <= latest; e += 1) {
        const k = store.recordsKey(e);
        if (k) keys.push({ epoch: e, pair: k });
      }
      return keys;
    });
    expect(oldKeys.length).toBeGreaterThan(0);
    const before = (await c.admin.client.verifiedDirectory(true)).epoch!.epoch;
    expect(Math.max(...oldKeys.map((k) => k.epoch))).toBe(before);

    const live = await login(c.relay.url, dr);
    expect(await live.connection.request('ping', {})).toMatchObject({ type: 'pong' });
    await c.admin.client.revokeDevice(drId.deviceId, 'lost');

    const next = await live.connection.request('sync', { after: 0 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(next).toBeInstanceOf(RelayError);
    expect(['revoked', 'closed']).toContain((next as RelayError).code);
    await rejects(rawLogin(c.relay.url, dr), RelayError, 'revoked');
    await rejects(dr.client.sync(), RelayError, 'revoked');

    const after = (await c.admin.client.verifiedDirectory(true)).epoch!;
    expect(after.epoch).toBe(before + 1);
    expect(after.sealed.map((s) => s.deviceId)).not.toContain(drId.deviceId);
    expect(after.sealed.map((s) => s.deviceId)).toContain(identityOf(drB).deviceId);
    throws(() => openRecordsEpoch(sodium, after, drId.deviceId, pair(drId.box)), RecordsKeyError, 'not-a-recipient');

    await patient.verifiedDirectory();
    const sent = await patient.send('Written after the laptop was lost.');
    expect(sent.state).toBe('sent');
    await drB.client.sync();
    expect(drB.client.messages('pat-1').map((m) => m.body)).toEqual(['Written after the laptop was lost.']);

    const reader = await login(c.relay.url, drB);
    const [item] = await messagesVia(reader.connection);
    expect(item?.envelope.header.recordsEpoch).toBe(after.epoch);
    const parsed = parseEnvelope(item!.envelope);
    const patientSigning = bytes(identityOf(patient).signing.publicKey);
    for (const { epoch, pair: old } of oldKeys) {
      throws(() => openEnvelope(sodium, parsed, { recipientId: `records:${after.epoch}`, boxKeyPair: old, senderSigningPublicKey: patientSigning }), EnvelopeError, 'bad-key');
      throws(() => openEnvelope(sodium, parsed, { recipientId: `records:${epoch}`, boxKeyPair: old, senderSigningPublicKey: patientSigning }), EnvelopeError, 'not-a-recipient');
    }
    throws(() => openEnvelope(sodium, parsed, { recipientId: drId.deviceId, boxKeyPair: pair(drId.box), senderSigningPublicKey: patientSigning }), EnvelopeError, 'not-a-recipient');
  });
});

describe('front desk', () => {
  it('cannot sync, read records keys or open messages, and the relay refuses a records key sealed to it (forbidden)', async () => {
    const { c, desk, dr } = await network();
    await dr.client.send({ patientId: 'pat-1', body: 'Blood pressure 128/82, fine.' });
    const deskRaw = await login(c.relay.url, desk);
    await rejects(deskRaw.connection.request('sync', { after: 0 }), RelayError, 'forbidden');
    await rejects(deskRaw.connection.request('records.get', {}), RelayError, 'forbidden');
    await rejects(deskRaw.connection.request('receipt.send', { messageId: 'm-any', kind: 'read' }), RelayError, 'forbidden');
    const deskDirectory = await desk.client.verifiedDirectory(true);
    await rejects(deskRaw.connection.request('message.send', { envelope: sealAs(deskRaw.identity, deskDirectory) }), RelayError, 'forbidden');
    expect(await desk.client.sync()).toBe(0);

    const admin = await login(c.relay.url, c.admin);
    const { epochs } = await admin.connection.request('records.get', {});
    expect(epochs.length).toBeGreaterThan(1);
    for (const e of epochs) expect(e.document.sealed.map((s) => s.deviceId)).not.toContain(deskRaw.identity.deviceId);

    const drRaw = await login(c.relay.url, dr);
    const [captured] = await messagesVia(drRaw.connection);
    const parsed = parseEnvelope(captured!.envelope);
    const drSigning = bytes(drRaw.identity.signing.publicKey);
    const deskBox = pair(deskRaw.identity.box);
    throws(() => openEnvelope(sodium, parsed, { recipientId: deskRaw.identity.deviceId, boxKeyPair: deskBox, senderSigningPublicKey: drSigning }), EnvelopeError, 'not-a-recipient');
    throws(() => openEnvelope(sodium, parsed, { recipientId: `records:${parsed.header.recordsEpoch}`, boxKeyPair: deskBox, senderSigningPublicKey: drSigning }), EnvelopeError, 'bad-key');

    // An IT admin (or someone with its keys) tries to hand the records key to the front desk.
    const adminId = identityOf(c.admin);
    const directory = await c.admin.client.verifiedDirectory(true);
    const latest = directory.epoch!;
    const previous = readStore(c.admin, (store) => store.recordsKey(latest.epoch));
    const readers = [...directory.devices.values()].filter((d) => d.kind === 'staff' && (d.role === 'clinician' || d.role === 'it-admin'));
    const { document } = createRecordsEpoch(sodium, {
      clinicId: adminId.clinicId,
      epoch: latest.epoch + 1,
      issuedBy: adminId.deviceId,
      issuedAt: Date.now(),
      recipients: [...readers.map((d) => ({ deviceId: d.deviceId, boxKey: d.boxKey })), { deviceId: deskRaw.identity.deviceId, boxKey: deskBox.publicKey }],
      previousSecret: previous!.privateKey,
    });
    const signed = signDocument(sodium, PREFIX.recordsEpoch, recordsEpochSchema, document, secretKeyOf(adminId));
    await rejects(admin.connection.request('records.publish', { epoch: signed }), RelayError, 'forbidden');
    const { epochs: afterRefusal } = await admin.connection.request('records.get', {});
    expect(afterRefusal).toHaveLength(epochs.length);
    expect((await c.admin.client.verifiedDirectory(true)).epoch?.epoch).toBe(latest.epoch);
  });
});

describe('one patient, one conversation', () => {
  it('refuses a patient writing as, or to, another patient (wrong-patient), and never syncs another patient’s messages', async () => {
    const { c, desk, dr, patient: patientA } = await network();
    const patientB = await c.addPatient('patient-b', 'pat-2', desk);
    const drDirectory = await dr.client.verifiedDirectory(true);
    await dr.client.send({ patientId: 'pat-2', body: 'Only for patient B.' });
    await patientB.send('B writes to the clinic.');
    await dr.client.send({ patientId: 'pat-1', body: 'Only for patient A.' });

    const a = await login(c.relay.url, patientA);
    expect(a.identity.patientId).toBe('pat-1');
    // Addressed to B's conversation, sealed with A's keys to the records key and B's device.
    const asB = sealAs(a.identity, drDirectory, { patientId: 'pat-2' });
    await rejects(a.connection.request('message.send', { envelope: asB }), RelayError, 'wrong-patient');
    // In A's own conversation, but sealed to B's device as well.
    const bDevice = [...drDirectory.devices.values()].find((d) => d.kind === 'patient' && d.patientId === 'pat-2')!;
    const toB = sealAs(a.identity, drDirectory, { patientId: 'pat-1', extra: [{ to: bDevice.deviceId, boxPublicKey: bDevice.boxKey }] });
    await rejects(a.connection.request('message.send', { envelope: toB }), RelayError, 'wrong-patient');

    const { items } = await a.connection.request('sync', { after: 0, limit: 500 });
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      if (item.kind === 'message') expect(item.envelope.header.patientId).toBe('pat-1');
      else expect(item.conversationId).toBe('pat-1');
    }
    await patientA.sync();
    expect(patientA.messages().map((m) => m.body)).toEqual(['Only for patient A.']);
    await patientB.sync();
    expect(patientB.messages().map((m) => m.body)).toEqual(['Only for patient B.', 'B writes to the clinic.']);
    // The patient's own client cannot even ask: its send() takes a body, never a patient.
    expect(patientA.client.send.length).toBe(1);
  });
});

describe('consent', () => {
  it('refuses messages without active consent for their scope (no-consent), on the device and at the relay; stored messages stay readable', async () => {
    const { c, desk, dr, patient } = await network();
    const kept = await dr.client.send({ patientId: 'pat-1', body: 'Sent while consent was active.' });
    expect(kept.state).toBe('sent');
    const drRaw = await login(c.relay.url, dr);
    const patientRaw = await login(c.relay.url, patient);

    // A scope the patient never agreed to.
    await rejects(dr.client.send({ patientId: 'pat-1', body: 'Our spring newsletter', scope: 'newsletters' }), ClientError, 'no-consent');
    const newsletter = sealAs(drRaw.identity, await dr.client.verifiedDirectory(true), { scope: 'newsletters' });
    // A newsletter is not a clinician's message at all (the front desk sends it with notice.send, under its own consent check).
    const refusedScope = await rejects(drRaw.connection.request('message.send', { envelope: newsletter }), RelayError, 'invalid');
    expect(refusedScope.message).toContain('front desk');

    // Withdrawal.
    expect(await desk.client.publishConsent('pat-1', [])).toBe(2);
    const drDirectory = await dr.client.verifiedDirectory(true);
    await rejects(dr.client.send({ patientId: 'pat-1', body: 'Are you still there?' }), ClientError, 'no-consent');
    const fresh = sealAs(drRaw.identity, drDirectory);
    const refused = await rejects(drRaw.connection.request('message.send', { envelope: fresh }), RelayError, 'no-consent');
    expect(refused.message).toMatch(/"clinical".*withdrawn/);

    await patient.verifiedDirectory();
    await rejects(patient.send('Please call me back.'), PortalError, 'no-consent');
    const patientDirectory = await patient.verifiedDirectory();
    const fromPatient = sealAs(patientRaw.identity, patientDirectory);
    const refusedPatient = await rejects(patientRaw.connection.request('message.send', { envelope: fromPatient }), RelayError, 'no-consent');
    expect(refusedPatient.message).toMatch(/please call the clinic/);

    // Nothing new was stored; what was stored before stays readable.
    expect((await messagesVia(patientRaw.connection)).map((m) => m.envelope.header.messageId)).toEqual([kept.messageId]);
    expect((await messagesVia(drRaw.connection)).map((m) => m.envelope.header.messageId)).toEqual([kept.messageId]);
    await patient.sync();
    expect(patient.messages().map((m) => m.body)).toEqual(['Sent while consent was active.']);
    expect(dr.client.messages('pat-1').filter((m) => m.state !== 'failed').map((m) => m.body)).toEqual(['Sent while consent was active.']);
  });
});

describe('one-time codes', () => {
  it('refuses a code used twice (already-used), from another clinic (wrong-clinic), mistyped (typo) or expired (expired)', async () => {
    const { c, desk, patient } = await network();
    const vaultOf = (name: string): string => join(c.devicesDir, `${name}.vault.json`);
    await rejects(redeemOn(c, 'patient-again', patient.code), PortalRelayError, 'already-used');
    expect(existsSync(vaultOf('patient-again'))).toBe(false);

    const other = await clinic();
    const { code: foreign } = await other.admin.client.enrollPatient({ patientId: 'pat-elsewhere', scopes: ['clinical'] });
    await rejects(redeemOn(c, 'patient-again', foreign), EnrollError, 'wrong-clinic');
    // The same code is fine at its own clinic.
    expect((await redeemOn(other, 'patient-home', foreign)).patientId).toBe('pat-elsewhere');

    const { code } = await desk.client.enrollPatient({ patientId: 'pat-typo', scopes: ['clinical'] });
    const at = 10;
    const typo = code.slice(0, at) + (code[at] === 'A' ? 'B' : 'A') + code.slice(at + 1);
    throws(() => parseCode(sodium, typo, 'enrollment'), CodeError, 'typo');
    await rejects(redeemOn(c, 'patient-again', typo), EnrollError, 'typo');
    throws(() => parseCode(sodium, code, 'invite'), CodeError, 'wrong-kind');
    throws(() => parseCode(sodium, code.slice(0, -5), 'enrollment'), CodeError, 'malformed');

    const late = await desk.client.enrollPatient({ patientId: 'pat-late', scopes: ['clinical'], validForMs: 400 });
    while (Date.now() <= late.expiresAt) await new Promise((r) => setTimeout(r, 25));
    await rejects(redeemOn(c, 'patient-again', late.code), PortalRelayError, 'expired');
    expect(existsSync(vaultOf('patient-again'))).toBe(false);
    // The unexpired typo'd code still works when typed correctly.
    expect((await redeemOn(c, 'patient-again', code)).patientId).toBe('pat-typo');
  });
});

describe('rollback', () => {
  it('refuses a policy whose version is not higher, and a consent whose version is not higher (rollback)', async () => {
    const { c, desk } = await network();
    const adminId = identityOf(c.admin);
    const admin = await login(c.relay.url, c.admin);
    const rootSecret = bytes(readStore(c.admin, (store) => store.get<string>('root-secret'))!);
    const rules = (await c.admin.client.verifiedDirectory(true)).rules!;
    const policy = (version: number) => signClinicPolicy(sodium, { clinicId: adminId.clinicId, version, issuedAt: Date.now(), rules: { ...rules, phone: `+1 555 01${version}0` } }, rootSecret);

    await rejects(admin.connection.request('policy.publish', { policy: policy(1) }), RelayError, 'rollback');
    expect(await c.admin.client.publishPolicy(rules)).toBe(2);
    await rejects(admin.connection.request('policy.publish', { policy: policy(1) }), RelayError, 'rollback');
    await rejects(admin.connection.request('policy.publish', { policy: policy(2) }), RelayError, 'rollback');
    expect((await admin.connection.request('clinic.info', {})).clinic?.policy?.policy.version).toBe(2);
    expect((await c.admin.client.verifiedDirectory(true)).policy?.version).toBe(2);

    const deskRaw = await login(c.relay.url, desk);
    const consent = (version: number, scopes: ('clinical' | 'reminders')[]) =>
      signDocument(
        sodium,
        PREFIX.consentStatus,
        consentStatusSchema,
        { v: 1, clinicId: adminId.clinicId, patientId: 'pat-1', version, activeScopes: scopes, expiresAt: null, issuedBy: deskRaw.identity.deviceId, issuedAt: Date.now() },
        secretKeyOf(deskRaw.identity),
      );
    await rejects(deskRaw.connection.request('consent.publish', { consent: consent(1, ['clinical', 'reminders']) }), RelayError, 'rollback');
    expect(await desk.client.publishConsent('pat-1', [])).toBe(2);
    await rejects(deskRaw.connection.request('consent.publish', { consent: consent(1, ['clinical']) }), RelayError, 'rollback');
    await rejects(deskRaw.connection.request('consent.publish', { consent: consent(2, ['clinical']) }), RelayError, 'rollback');
    const held = (await desk.client.verifiedDirectory(true)).consents.get('pat-1');
    expect(held).toMatchObject({ version: 2, activeScopes: [] });
    expect(await deskRaw.connection.request('consent.publish', { consent: consent(3, ['clinical']) })).toEqual({});
  });
});
