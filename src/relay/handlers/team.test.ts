// Care-team events at the relay (ADR 17): only a clinician's or IT admin's own signature, only
// sealed to the records key in force and naming no patient; stored once; the other readers
// are hinted, never front desk or patients; the relay never holds anything it could read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CARE_TEAM_ID, type CareTeamEvent, openCareTeamEvent, sealCareTeamEvent } from '../../shared/protocol/care-team';
import { PREFIX, createRecordsEpoch, recordsEpochSchema } from '../../shared/protocol/documents';
import { type Envelope, parseEnvelope, sealEnvelope } from '../../shared/protocol/envelope';
import { signDocument } from '../../shared/protocol/signed';
import { type RelayCore, type Session, createRelayCore } from '../core';
import { silentRelayLogger } from '../log';
import { type RelayStore } from '../store/relay-store';
import { openSqliteRelayStore } from '../store/sqlite-store';

const NOW = Date.parse('2026-12-07T15:00:00Z');
const CLINIC = 'cLakeside01';
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('care-team events at the relay', () => {
  let dir: string;
  let store: RelayStore;
  let core: RelayCore;
  const keys = new Map<string, { publicKey: Uint8Array; privateKey: Uint8Array }>();
  const pushes: string[] = [];
  let records: { publicKey: Uint8Array; privateKey: Uint8Array };
  const directory = () => ({ epoch: { epoch: 0, publicKey: sodium.to_base64(records.publicKey, sodium.base64_variants.ORIGINAL) } as never });

  beforeAll(async () => {
    await sodium.ready;
    dir = mkdtempSync(join(tmpdir(), 'cm-relay-team-'));
    store = await openSqliteRelayStore(join(dir, 'relay.db'));
    await store.bindClinic({ clinicId: CLINIC, rootPublicKey: sodium.randombytes_buf(32), boundAt: 0 });
    const boxes = new Map<string, Uint8Array>();
    for (const [deviceId, role] of [['dClinician01', 'clinician'], ['dClinician02', 'clinician'], ['dAdmin000001', 'it-admin'], ['dDesk0000001', 'front-desk']] as const) {
      const pair = sodium.crypto_sign_keypair();
      keys.set(deviceId, pair);
      const box = sodium.crypto_box_keypair().publicKey;
      boxes.set(deviceId, box);
      await store.putDevice({ deviceId, kind: 'staff', role, staffId: `s-${deviceId}`, patientId: null, signingKey: pair.publicKey, boxKey: box, proofJson: '{}', createdAt: 0, revokedAt: null, revocationJson: null });
    }
    const admin = keys.get('dAdmin000001') as { privateKey: Uint8Array };
    const created = createRecordsEpoch(sodium, { clinicId: CLINIC, epoch: 0, issuedBy: 'dAdmin000001', issuedAt: NOW, recipients: [{ deviceId: 'dClinician01', boxKey: boxes.get('dClinician01') as Uint8Array }], previousSecret: null });
    records = created.keyPair;
    const signed = signDocument(sodium, PREFIX.recordsEpoch, recordsEpochSchema, created.document, admin.privateKey);
    await store.putRecordsEpoch({ epoch: 0, epochJson: JSON.stringify(signed), storedAt: NOW });
    core = createRelayCore({ store, sodium, log: silentRelayLogger, checkSetupToken: () => false, now: () => NOW });
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async (deviceId: string): Promise<Session> => {
    const s: Session = { challenge: null, device: await store.getDevice(deviceId), push: (kind) => void pushes.push(`${deviceId}:${kind}`), kick: () => undefined };
    core.attach(s);
    return s;
  };
  const assign: CareTeamEvent = { v: 1, kind: 'assign', conversationId: 'pRiver000001', to: 'dClinician02' };
  const sealed = (signer: string, event: CareTeamEvent = assign, eventId = `t${Math.random().toString(36).slice(2, 12)}`): Envelope =>
    sealCareTeamEvent(sodium, directory(), { eventId, senderDeviceId: signer, sentAt: NOW, event }, (keys.get(signer) as { privateKey: Uint8Array }).privateKey) as Envelope;

  it('stores a clinician’s event once, hints the other readers only, and what it stores names no patient', async () => {
    pushes.length = 0;
    const dr = await session('dClinician01');
    const dr2 = await session('dClinician02');
    const admin = await session('dAdmin000001');
    const desk = await session('dDesk0000001');
    const event = sealed('dClinician01');
    expect(await core.handle(dr, 'team.publish', { event })).toEqual({ teamSeq: 1, duplicate: false });
    expect(await core.handle(dr, 'team.publish', { event })).toEqual({ teamSeq: 1, duplicate: true });
    expect(pushes.sort()).toEqual(['dAdmin000001:sync', 'dClinician02:sync']);
    const listed = (await core.handle(dr2, 'team.list', { after: 0 })) as { events: { teamSeq: number; event: Envelope }[]; more: boolean };
    expect(listed.events.map((e) => e.teamSeq)).toEqual([1]);
    const held = (await store.listTeamEvents(0, 10))[0];
    expect(held?.envelopeJson).not.toContain('pRiver000001');
    expect(held?.envelopeJson).not.toContain('dClinician02');
    expect(JSON.parse(held?.envelopeJson ?? '{}').header).toMatchObject({ patientId: CARE_TEAM_ID, conversationId: CARE_TEAM_ID, scope: 'care-team' });
    // The readers open it with the records key.
    const opened = openCareTeamEvent(sodium, parseEnvelope(listed.events[0]?.event), records, (keys.get('dClinician01') as { publicKey: Uint8Array }).publicKey, decode);
    expect(opened).toEqual(assign);
    await expect(core.handle(desk, 'team.publish', { event: sealed('dDesk0000001') })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(core.handle(desk, 'team.list', { after: 0 })).rejects.toMatchObject({ code: 'forbidden' });
    for (const s of [dr, dr2, admin, desk]) core.detach(s);
  });

  it('refuses another device’s event, a tampered one, one sealed to anyone but the records key, one naming a patient, a reused id with other bytes', async () => {
    const dr = await session('dClinician01');
    await expect(core.handle(dr, 'team.publish', { event: sealed('dClinician02') })).rejects.toMatchObject({ code: 'forbidden' });
    const event = sealed('dClinician01');
    const tampered = { ...event, ciphertext: sodium.to_base64(sodium.randombytes_buf(64), sodium.base64_variants.ORIGINAL) };
    await expect(core.handle(dr, 'team.publish', { event: tampered })).rejects.toMatchObject({ code: 'bad-signature' });
    const signer = (keys.get('dClinician01') as { privateKey: Uint8Array }).privateKey;
    const base = { messageId: 'tOther000001', senderDeviceId: 'dClinician01', sentAt: NOW, scope: 'care-team', recordsEpoch: 0, body: new TextEncoder().encode(JSON.stringify(assign)), senderSigningKey: signer };
    const toRecords = { to: 'records:0', boxPublicKey: records.publicKey };
    const alsoToAdevice = sealEnvelope(sodium, { ...base, conversationId: CARE_TEAM_ID, patientId: CARE_TEAM_ID, recipients: [toRecords, { to: 'dClinician02', boxPublicKey: sodium.crypto_box_keypair().publicKey }] });
    await expect(core.handle(dr, 'team.publish', { event: alsoToAdevice })).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('records key only') });
    const namingAPatient = sealEnvelope(sodium, { ...base, conversationId: 'pRiver000001', patientId: 'pRiver000001', recipients: [toRecords] });
    await expect(core.handle(dr, 'team.publish', { event: namingAPatient })).rejects.toMatchObject({ code: 'invalid', message: expect.stringContaining('no patient') });
    const asAMessage = sealEnvelope(sodium, { ...base, conversationId: CARE_TEAM_ID, patientId: CARE_TEAM_ID, recipients: [toRecords] });
    await expect(core.handle(dr, 'message.send', { envelope: asAMessage })).rejects.toMatchObject({ code: 'invalid' });
    const first = sealed('dClinician01', assign, 'tSameId00001');
    await core.handle(dr, 'team.publish', { event: first });
    const second = sealed('dClinician01', { ...assign, to: null }, 'tSameId00001');
    await expect(core.handle(dr, 'team.publish', { event: second })).rejects.toMatchObject({ code: 'conflict' });
    core.detach(dr);
  });

  it('refuses an event sealed to an older records key', async () => {
    const dr = await session('dClinician01');
    const stale = sealCareTeamEvent(sodium, { epoch: { epoch: 3, publicKey: sodium.to_base64(records.publicKey, sodium.base64_variants.ORIGINAL) } as never }, { eventId: 'tStale000001', senderDeviceId: 'dClinician01', sentAt: NOW, event: assign }, (keys.get('dClinician01') as { privateKey: Uint8Array }).privateKey);
    await expect(core.handle(dr, 'team.publish', { event: stale })).rejects.toMatchObject({ code: 'stale-records-key' });
    core.detach(dr);
  });
});
