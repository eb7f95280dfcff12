import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import {
  type DeviceRecord,
  type NewMessage,
  type NewReceipt,
  type RelayStore,
  type SyncItem,
  StoreConflictError,
  StoreUnavailableError,
} from './relay-store';
import { openSqliteRelayStore, relayStoreSchemaVersion, syncQueries } from './sqlite-store';

const dirs: string[] = [];
const stores: RelayStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
  dirs.push(dir);
  return dir;
}

async function openAt(file: string): Promise<RelayStore> {
  const store = await openSqliteRelayStore(file, { now: () => 1_000 });
  stores.push(store);
  return store;
}

async function freshStore(): Promise<{ store: RelayStore; file: string }> {
  const file = join(tempDir(), 'relay', 'relay.db');
  return { store: await openAt(file), file };
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
let keyCounter = 0;
function device(deviceId: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  keyCounter += 1;
  return {
    deviceId,
    kind: 'staff',
    role: 'clinician',
    staffId: 'staff-1',
    patientId: null,
    signingKey: new Uint8Array(randomBytes(32)),
    boxKey: bytes(32, keyCounter % 256),
    proofJson: `{"cert":"${deviceId}"}`,
    createdAt: 100 + keyCounter,
    revokedAt: null,
    revocationJson: null,
    ...overrides,
  };
}

function patientDevice(deviceId: string, patientId: string): DeviceRecord {
  return device(deviceId, { kind: 'patient', role: null, staffId: null, patientId, proofJson: '{"record":{},"redemption":{}}' });
}

const digestOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.padEnd(32, '.').slice(0, 32)));
function message(messageId: string, conversationId = 'c1', patientId = 'p1', envelope = `env-${messageId}`): NewMessage {
  return {
    messageId,
    conversationId,
    patientId,
    senderDeviceId: 'd1',
    envelopeJson: `{"e":"${envelope}"}`,
    digest: digestOf(envelope),
    receivedAt: 5_000,
  };
}

function receipt(messageId: string, deviceId: string, kind: 'delivered' | 'read' = 'delivered', patientId = 'p1'): NewReceipt {
  return { messageId, conversationId: 'c1', patientId, deviceId, kind, at: 6_000 };
}

async function stored(store: RelayStore, input: NewMessage) {
  const outcome = await store.appendMessage(input);
  if (outcome.kind !== 'stored') throw new Error(`expected stored, got ${outcome.kind}`);
  return outcome.message;
}

const seqOf = (item: SyncItem): number => (item.kind === 'message' ? item.message.relaySeq : item.receipt.relaySeq);

describe('opening', () => {
  it('creates the folder and file private to the owner, with durable settings', async () => {
    const { store, file } = await freshStore();
    await store.close();
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(relayStoreSchemaVersion);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
        name: string;
        sql: string;
      }[];
      expect(tables.map((t) => t.name).sort()).toEqual(
        ['clinic', 'consents', 'devices', 'enrollments', 'invites', 'log', 'messages', 'patient_cards', 'patient_withdrawals', 'policies', 'receipts', 'records_epochs', 'short_codes', 'staff_alerts', 'team_events', 'blobs', 'blob_chunks', 'audit_log_key', 'audit_batches'].sort(),
      );
      for (const table of tables) expect(table.sql).toMatch(/STRICT\s*$/);
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not a database as damaged, and leaves it alone', async () => {
    const file = join(tempDir(), 'relay.db');
    const junk = randomBytes(8192);
    writeFileSync(file, junk);
    const error = await openSqliteRelayStore(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe('damaged');
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a store written by a newer relay as too-new', async () => {
    const { store, file } = await freshStore();
    await store.close();
    const db = new Database(file);
    db.pragma(`user_version = ${relayStoreSchemaVersion + 1}`);
    db.close();
    const error = await openSqliteRelayStore(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).reason).toBe('too-new');
  });

  it('rejects every call after close; closing twice is harmless', async () => {
    const { store } = await freshStore();
    await store.close();
    await store.close();
    await expect(store.getClinic()).rejects.toThrow(/closed/);
    await expect(store.appendMessage(message('m1'))).rejects.toThrow(/closed/);
    await expect(store.syncSince(0, 10)).rejects.toThrow(/closed/);
  });

  it('plans both sync queries as an index range in relay_seq order, without sorting', async () => {
    const { store, file } = await freshStore();
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      for (const [sql, params, index] of [
        [syncQueries.all, [0, 10], /USING INTEGER PRIMARY KEY/],
        [syncQueries.patient, ['p1', 0, 10], /USING (COVERING )?INDEX log_by_patient \(patient_id=\? AND (rowid|relay_seq)>\?\)/],
      ] as const) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail);
        expect(plan).toHaveLength(3);
        expect(plan[0]).toMatch(/SEARCH l /);
        expect(plan.slice(1).every((line) => /SEARCH [mr] USING INTEGER PRIMARY KEY/.test(line))).toBe(true);
        expect(plan[0]).toMatch(index);
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
      }
    } finally {
      db.close();
    }
  });
});

describe('clinic and policy', () => {
  it('binds once', async () => {
    const { store } = await freshStore();
    expect(await store.getClinic()).toBeNull();
    await store.bindClinic({ clinicId: 'clinic-1', rootPublicKey: bytes(32, 7), boundAt: 10 });
    await expect(store.bindClinic({ clinicId: 'clinic-2', rootPublicKey: bytes(32, 8), boundAt: 11 })).rejects.toThrow(StoreConflictError);
    const clinic = await store.getClinic();
    expect(clinic).toEqual({ clinicId: 'clinic-1', rootPublicKey: bytes(32, 7), boundAt: 10 });
    expect(clinic?.rootPublicKey).toBeInstanceOf(Uint8Array);
  });

  it('keeps policies in strictly increasing versions and returns the newest', async () => {
    const { store } = await freshStore();
    expect(await store.getPolicy()).toBeNull();
    await store.putPolicy({ version: 1, policyJson: '{"v":1}', storedAt: 1 });
    await store.putPolicy({ version: 3, policyJson: '{"v":3}', storedAt: 2 });
    await expect(store.putPolicy({ version: 3, policyJson: '{"v":"3b"}', storedAt: 3 })).rejects.toThrow(StoreConflictError);
    await expect(store.putPolicy({ version: 2, policyJson: '{"v":2}', storedAt: 3 })).rejects.toThrow(StoreConflictError);
    expect(await store.getPolicy()).toEqual({ version: 3, policyJson: '{"v":3}', storedAt: 2 });
  });
});

describe('devices', () => {
  it('stores, lists in createdAt order, and refuses a duplicate id or signing key', async () => {
    const { store } = await freshStore();
    const a = device('dev-a', { createdAt: 30 });
    const b = patientDevice('dev-b', 'p1');
    await store.putDevice(a);
    await store.putDevice({ ...b, createdAt: 20 });
    await expect(store.putDevice(device('dev-a'))).rejects.toThrow(StoreConflictError);
    await expect(store.putDevice(device('dev-c', { signingKey: a.signingKey }))).rejects.toThrow(StoreConflictError);
    expect(await store.getDevice('dev-c')).toBeNull();
    expect(await store.getDevice('dev-a')).toEqual(a);
    expect((await store.listDevices()).map((d) => d.deviceId)).toEqual(['dev-b', 'dev-a']);
    expect(await store.getDevice('nobody')).toBeNull();
  });

  it('revokes once; unknown or already revoked is false', async () => {
    const { store } = await freshStore();
    await store.putDevice(device('dev-a'));
    expect(await store.revokeDevice('dev-a', '{"revoke":1}', 50)).toBe(true);
    expect(await store.revokeDevice('dev-a', '{"revoke":2}', 60)).toBe(false);
    expect(await store.revokeDevice('nobody', '{"revoke":3}', 60)).toBe(false);
    expect(await store.getDevice('dev-a')).toMatchObject({ revokedAt: 50, revocationJson: '{"revoke":1}' });
    expect(await store.listDevices()).toHaveLength(1);
  });
});

describe('invites', () => {
  const invite = (inviteId: string, createdAt = 1) => ({ inviteId, inviteJson: `{"i":"${inviteId}"}`, expiresAt: 99, createdAt });

  it('stores once, redeems once, certifies once, and lists redeemed uncertified ones oldest first', async () => {
    const { store } = await freshStore();
    await store.putInvite(invite('i1'));
    await store.putInvite(invite('i2'));
    await store.putInvite(invite('i3'));
    await expect(store.putInvite(invite('i1', 5))).rejects.toThrow(StoreConflictError);
    expect(await store.getInvite('i1')).toEqual({
      ...invite('i1'),
      redemptionJson: null,
      redeemedAt: null,
      deviceId: null,
      certifiedAt: null,
    });

    expect(await store.markInviteCertified('i1', 5)).toBe(false); // not redeemed yet
    expect(await store.redeemInvite('i2', 'dev-2', '{"r":2}', 10)).toBe(true);
    expect(await store.redeemInvite('i1', 'dev-1', '{"r":1}', 20)).toBe(true);
    expect(await store.redeemInvite('i1', 'dev-x', '{"r":"x"}', 30)).toBe(false);
    expect(await store.redeemInvite('nope', 'dev-x', '{"r":"x"}', 30)).toBe(false);
    expect(await store.getInvite('i1')).toMatchObject({ redemptionJson: '{"r":1}', redeemedAt: 20, deviceId: 'dev-1', certifiedAt: null });
    expect((await store.listRedeemedInvites()).map((i) => i.inviteId)).toEqual(['i2', 'i1']);

    expect(await store.markInviteCertified('i2', 40)).toBe(true);
    expect(await store.markInviteCertified('i2', 41)).toBe(false);
    expect(await store.markInviteCertified('nope', 41)).toBe(false);
    expect(await store.getInvite('i2')).toMatchObject({ certifiedAt: 40 });
    expect((await store.listRedeemedInvites()).map((i) => i.inviteId)).toEqual(['i1']);
    expect(await store.getInvite('nope')).toBeNull();
  });
});

describe('enrollments', () => {
  const enrollment = (enrollmentId: string, patientId = 'p1') => ({
    enrollmentId,
    patientId,
    recordJson: `{"e":"${enrollmentId}"}`,
    expiresAt: 99,
    createdAt: 1,
  });

  it('ends an unused enrollment of its patient at once, with its short code; never a used one or another patient’s', async () => {
    const { store } = await freshStore();
    await store.putEnrollment(enrollment('e1'));
    await store.putShortCode({ lookupId: 'ABC', kind: 'enrollment', targetId: 'e1', bundleJson: '{}', expiresAt: 10_000, createdAt: 1 });
    expect(await store.endEnrollment('e1', 'p2', 40)).toBe(false);
    expect(await store.endEnrollment('e1', 'p1', 40)).toBe(true);
    expect(await store.getEnrollment('e1')).toMatchObject({ expiresAt: 40, redeemedAt: null });
    expect(await store.getShortCode('ABC')).toMatchObject({ expiresAt: 40 });
    // Never later than it was.
    expect(await store.endEnrollment('e1', 'p1', 9_000)).toBe(true);
    expect((await store.getEnrollment('e1'))?.expiresAt).toBe(40);

    await store.putEnrollment(enrollment('e2'));
    await store.redeemEnrollment('e2', patientDevice('phone-9', 'p1'), 50);
    expect(await store.endEnrollment('e2', 'p1', 60)).toBe(false);
    expect(await store.endEnrollment('unknown', 'p1', 60)).toBe(false);
  });

  it('stores once and redeems once, storing the device in the same step', async () => {
    const { store } = await freshStore();
    await store.putEnrollment(enrollment('e1'));
    await expect(store.putEnrollment(enrollment('e1', 'p2'))).rejects.toThrow(StoreConflictError);
    expect(await store.getEnrollment('e1')).toEqual({ ...enrollment('e1'), redeemedAt: null, deviceId: null });

    const phone = patientDevice('phone-1', 'p1');
    expect(await store.redeemEnrollment('e1', phone, 50)).toBe(true);
    expect(await store.getEnrollment('e1')).toMatchObject({ redeemedAt: 50, deviceId: 'phone-1' });
    expect(await store.getDevice('phone-1')).toEqual(phone);

    // A second redemption, even with another device, writes nothing.
    expect(await store.redeemEnrollment('e1', patientDevice('phone-2', 'p1'), 60)).toBe(false);
    expect(await store.redeemEnrollment('e1', phone, 60)).toBe(false);
    expect(await store.redeemEnrollment('unknown', patientDevice('phone-3', 'p1'), 60)).toBe(false);
    expect((await store.listDevices()).map((d) => d.deviceId)).toEqual(['phone-1']);
    expect(await store.getEnrollment('e1')).toMatchObject({ redeemedAt: 50, deviceId: 'phone-1' });
    expect(await store.getEnrollment('unknown')).toBeNull();
  });

  it('writes nothing when the device conflicts: the enrollment stays unredeemed', async () => {
    const { store } = await freshStore();
    const existing = device('dev-a');
    await store.putDevice(existing);
    await store.putEnrollment(enrollment('e1'));
    await expect(store.redeemEnrollment('e1', patientDevice('dev-a', 'p1'), 50)).rejects.toThrow(StoreConflictError);
    await expect(store.redeemEnrollment('e1', { ...patientDevice('phone', 'p1'), signingKey: existing.signingKey }, 50)).rejects.toThrow(
      StoreConflictError,
    );
    expect(await store.getEnrollment('e1')).toMatchObject({ redeemedAt: null, deviceId: null });
    expect((await store.listDevices()).map((d) => d.deviceId)).toEqual(['dev-a']);
    expect(await store.redeemEnrollment('e1', patientDevice('phone', 'p1'), 70)).toBe(true);
  });
});

describe('consent and records epochs', () => {
  it('keeps consent versions strictly increasing per patient and returns the newest', async () => {
    const { store } = await freshStore();
    expect(await store.getConsent('p1')).toBeNull();
    await store.putConsent({ patientId: 'p1', version: 1, statusJson: '{"s":1}', storedAt: 1 });
    await store.putConsent({ patientId: 'p1', version: 2, statusJson: '{"s":2}', storedAt: 2 });
    await store.putConsent({ patientId: 'p2', version: 1, statusJson: '{"s":"p2"}', storedAt: 3 });
    await expect(store.putConsent({ patientId: 'p1', version: 2, statusJson: '{"s":"2b"}', storedAt: 4 })).rejects.toThrow(StoreConflictError);
    await expect(store.putConsent({ patientId: 'p1', version: 1, statusJson: '{"s":"1b"}', storedAt: 4 })).rejects.toThrow(StoreConflictError);
    expect(await store.getConsent('p1')).toEqual({ patientId: 'p1', version: 2, statusJson: '{"s":2}', storedAt: 2 });
    expect(await store.getConsent('p2')).toMatchObject({ version: 1 });
    expect((await store.listConsents()).map((c) => [c.patientId, c.version])).toEqual([
      ['p1', 2],
      ['p2', 1],
    ]);
  });

  it('keeps the newest withdrawal each patient made, never an older one', async () => {
    const { store } = await freshStore();
    await store.putPatientWithdrawal({ patientId: 'p1', requestedAt: 10, withdrawalJson: '{"at":10}' });
    await store.putPatientWithdrawal({ patientId: 'p1', requestedAt: 5, withdrawalJson: '{"at":5}' });
    await store.putPatientWithdrawal({ patientId: 'p2', requestedAt: 7, withdrawalJson: '{"at":7}' });
    await store.putPatientWithdrawal({ patientId: 'p2', requestedAt: 9, withdrawalJson: '{"at":9}' });
    expect(await store.listPatientWithdrawals()).toEqual([
      { patientId: 'p1', requestedAt: 10, withdrawalJson: '{"at":10}' },
      { patientId: 'p2', requestedAt: 9, withdrawalJson: '{"at":9}' },
    ]);
    expect(await store.listPatientWithdrawals('p2')).toEqual([{ patientId: 'p2', requestedAt: 9, withdrawalJson: '{"at":9}' }]);
  });

  it('takes records epochs 0, 1, 2 in order and refuses a gap or a repeat', async () => {
    const { store } = await freshStore();
    expect(await store.latestRecordsEpoch()).toBeNull();
    expect(await store.listRecordsEpochs()).toEqual([]);
    await expect(store.putRecordsEpoch({ epoch: 1, epochJson: '{}', storedAt: 1 })).rejects.toThrow(StoreConflictError);
    for (const epoch of [0, 1, 2]) await store.putRecordsEpoch({ epoch, epochJson: `{"e":${epoch}}`, storedAt: 10 + epoch });
    await expect(store.putRecordsEpoch({ epoch: 4, epochJson: '{}', storedAt: 1 })).rejects.toThrow(StoreConflictError);
    await expect(store.putRecordsEpoch({ epoch: 2, epochJson: '{}', storedAt: 1 })).rejects.toThrow(StoreConflictError);
    expect(await store.latestRecordsEpoch()).toEqual({ epoch: 2, epochJson: '{"e":2}', storedAt: 12 });
    expect((await store.listRecordsEpochs()).map((e) => e.epoch)).toEqual([0, 1, 2]);
  });
});

describe('messages and receipts', () => {
  it('numbers each conversation from 1 and the relay globally, across messages and receipts', async () => {
    const { store } = await freshStore();
    const a1 = await stored(store, message('a1', 'A'));
    const b1 = await stored(store, message('b1', 'B'));
    const r1 = await store.putReceipt(receipt('a1', 'dev-x'));
    const a2 = await stored(store, message('a2', 'A'));
    const a3 = await stored(store, message('a3', 'A'));
    const b2 = await stored(store, message('b2', 'B'));
    expect([a1.seq, a2.seq, a3.seq]).toEqual([1, 2, 3]);
    expect([b1.seq, b2.seq]).toEqual([1, 2]);
    expect([a1.relaySeq, b1.relaySeq, r1?.relaySeq, a2.relaySeq, a3.relaySeq, b2.relaySeq]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.getMessage('a2')).toEqual(a2);
    expect(a2.digest).toBeInstanceOf(Uint8Array);
    expect(await store.getMessage('nope')).toBeNull();
  });

  it('tells a retry (same digest) from a conflicting reuse of an id; neither writes anything', async () => {
    const { store } = await freshStore();
    const first = await stored(store, message('m1'));
    const retry = await store.appendMessage({ ...message('m1'), receivedAt: 9_999 });
    expect(retry).toEqual({ kind: 'duplicate', message: first });
    expect(await store.appendMessage(message('m1', 'c1', 'p1', 'another envelope'))).toEqual({ kind: 'conflict' });
    const next = await stored(store, message('m2'));
    expect(next).toMatchObject({ seq: 2, relaySeq: 2 });
    expect(await store.getMessage('m1')).toEqual(first);
    expect(await store.syncSince(0, 100)).toHaveLength(2);
  });

  it('keeps one receipt per (message, device, kind)', async () => {
    const { store } = await freshStore();
    await stored(store, message('m1'));
    const delivered = await store.putReceipt(receipt('m1', 'dev-a'));
    expect(delivered).toEqual({ ...receipt('m1', 'dev-a'), relaySeq: 2 });
    expect(await store.putReceipt({ ...receipt('m1', 'dev-a'), at: 7_000 })).toBeNull();
    expect(await store.putReceipt(receipt('m1', 'dev-a', 'read'))).toMatchObject({ relaySeq: 3 });
    expect(await store.putReceipt(receipt('m1', 'dev-b'))).toMatchObject({ relaySeq: 4 });
    expect(await store.syncSince(0, 100)).toHaveLength(4);
  });

  it('syncs in relaySeq order after a cursor, within a limit, and only the given patient', async () => {
    const { store } = await freshStore();
    await stored(store, message('p1-m1', 'c1', 'p1'));
    await stored(store, message('p2-m1', 'c2', 'p2'));
    await store.putReceipt(receipt('p1-m1', 'dev-a', 'delivered', 'p1'));
    await stored(store, message('p1-m2', 'c1', 'p1'));
    await store.putReceipt(receipt('p2-m1', 'dev-b', 'read', 'p2'));
    await stored(store, message('p1-m3', 'c1', 'p1'));

    const all = await store.syncSince(0, 100);
    expect(all.map(seqOf)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.map((i) => i.kind)).toEqual(['message', 'message', 'receipt', 'message', 'receipt', 'message']);
    expect(all[2]).toEqual({ kind: 'receipt', receipt: { ...receipt('p1-m1', 'dev-a', 'delivered', 'p1'), relaySeq: 3 } });
    expect(all[0]).toEqual({ kind: 'message', message: await store.getMessage('p1-m1') });

    expect((await store.syncSince(2, 2)).map(seqOf)).toEqual([3, 4]);
    expect(await store.syncSince(6, 10)).toEqual([]);
    expect(await store.syncSince(0, 0)).toEqual([]);

    const p1 = await store.syncSince(0, 100, 'p1');
    expect(p1.map(seqOf)).toEqual([1, 3, 4, 6]);
    expect(JSON.stringify(p1)).not.toContain('p2');
    expect((await store.syncSince(1, 2, 'p1')).map(seqOf)).toEqual([3, 4]);
    expect((await store.syncSince(0, 100, 'p2')).map(seqOf)).toEqual([2, 5]);
    expect(await store.syncSince(0, 100, 'p3')).toEqual([]);
  });
});

describe('alerts for IT (migration 5)', () => {
  it('stores an alert once per id, lists after a cursor in order, counts per device since a time, across reopen', async () => {
    const { store, file } = await freshStore();
    expect(await store.putStaffAlert({ alertId: 'a1', deviceId: 'dev-a', alertJson: '{"n":1}', createdAt: 10 })).toEqual({ alertSeq: 1 });
    expect(await store.putStaffAlert({ alertId: 'a1', deviceId: 'dev-a', alertJson: '{"n":"again"}', createdAt: 11 })).toBeNull();
    expect(await store.putStaffAlert({ alertId: 'a2', deviceId: 'dev-b', alertJson: '{"n":2}', createdAt: 20 })).toEqual({ alertSeq: 2 });
    await store.close();
    const reopened = await openAt(file);
    expect(await reopened.putStaffAlert({ alertId: 'a3', deviceId: 'dev-a', alertJson: '{"n":3}', createdAt: 30 })).toEqual({ alertSeq: 3 });
    expect((await reopened.listStaffAlerts(0, 10)).map((a) => [a.alertSeq, a.alertId, a.alertJson])).toEqual([
      [1, 'a1', '{"n":1}'],
      [2, 'a2', '{"n":2}'],
      [3, 'a3', '{"n":3}'],
    ]);
    expect((await reopened.listStaffAlerts(1, 1)).map((a) => a.alertId)).toEqual(['a2']);
    expect(await reopened.countStaffAlerts('dev-a', 0)).toBe(2);
    expect(await reopened.countStaffAlerts('dev-a', 15)).toBe(1);
    expect(await reopened.countStaffAlerts('dev-c', 0)).toBe(0);
  });
});

describe('care-team events (migration 6)', () => {
  it('stores an event once per id (same bytes: duplicate, other bytes: conflict), lists after a cursor in order, across reopen', async () => {
    const { store, file } = await freshStore();
    const event = (id: string, n: number) => ({ eventId: id, senderDeviceId: 'dev-a', envelopeJson: `{"n":${n}}`, digest: bytes(32, n), receivedAt: 10 + n });
    expect(await store.appendTeamEvent(event('t1', 1))).toEqual({ kind: 'stored', teamSeq: 1 });
    expect(await store.appendTeamEvent(event('t1', 1))).toEqual({ kind: 'duplicate', teamSeq: 1 });
    expect(await store.appendTeamEvent(event('t1', 9))).toEqual({ kind: 'conflict' });
    expect(await store.appendTeamEvent(event('t2', 2))).toEqual({ kind: 'stored', teamSeq: 2 });
    await store.close();
    const reopened = await openAt(file);
    expect(await reopened.appendTeamEvent(event('t3', 3))).toEqual({ kind: 'stored', teamSeq: 3 });
    expect((await reopened.listTeamEvents(0, 10)).map((e) => [e.teamSeq, e.eventId, e.envelopeJson])).toEqual([
      [1, 't1', '{"n":1}'],
      [2, 't2', '{"n":2}'],
      [3, 't3', '{"n":3}'],
    ]);
    expect((await reopened.listTeamEvents(1, 1)).map((e) => e.eventId)).toEqual(['t2']);
    expect((await reopened.listTeamEvents(0, 1))[0]?.digest).toEqual(bytes(32, 1));
  });
});

describe('the audit log (migration 8)', () => {
  const batch = (deviceId: string, fromSeq: number, toSeq: number) => ({ deviceId, fromSeq, toSeq, headHash: `h${toSeq}`, leafHash: bytes(32, toSeq), batchJson: '{}', createdAt: 100 });

  it('appends each device’s batches as the next leaves, without a gap, and keeps one log key', async () => {
    const { store } = await freshStore();
    expect(await store.appendAuditBatch(batch('dev-a', 1, 3))).toEqual({ leafIndex: 0 });
    expect(await store.appendAuditBatch(batch('dev-b', 1, 1))).toEqual({ leafIndex: 1 });
    await expect(store.appendAuditBatch(batch('dev-a', 5, 6))).rejects.toBeInstanceOf(StoreConflictError);
    await expect(store.appendAuditBatch(batch('dev-a', 3, 4))).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.appendAuditBatch(batch('dev-a', 4, 4))).toEqual({ leafIndex: 2 });
    expect((await store.lastAuditBatch('dev-a'))?.toSeq).toBe(4);
    expect((await store.listAuditBatches(1, 10)).map((b) => b.leafIndex)).toEqual([1, 2]);
    expect((await store.auditLeaves()).length).toBe(3);
    const key = { publicKey: bytes(32, 1), secretKey: bytes(64, 2) };
    expect(await store.putAuditLogKey(key)).toEqual(key);
    expect(await store.putAuditLogKey({ publicKey: bytes(32, 3), secretKey: bytes(64, 4) })).toEqual(key);
  });
});

describe('attachment blobs (migration 7)', () => {
  const chunk = (blobId: string, index: number, n: number, last = false, uploader = 'dev-a', patientId = 'p1') => ({ blobId, patientId, uploaderDeviceId: uploader, index, bytes: bytes(40, n), last, at: 100 });

  it('stores chunks once per index, knows where an upload resumes, binds the blob to its message, and keeps it to its owner', async () => {
    const { store } = await freshStore();
    expect(await store.putBlobChunk(chunk('b1', 0, 1))).toMatchObject({ kind: 'stored', blob: { storedChunks: 1, chunkCount: null } });
    expect(await store.putBlobChunk(chunk('b1', 0, 1))).toMatchObject({ kind: 'duplicate' });
    expect(await store.putBlobChunk(chunk('b1', 0, 2))).toEqual({ kind: 'conflict', reason: 'bytes' });
    expect(await store.putBlobChunk(chunk('b1', 1, 3, false, 'dev-b'))).toEqual({ kind: 'conflict', reason: 'owner' });
    expect(await store.putBlobChunk(chunk('b1', 2, 3, true))).toMatchObject({ kind: 'stored', blob: { chunkCount: 3 } });
    expect(await store.blobPrefix('b1')).toBe(1);
    expect(await store.putBlobChunk(chunk('b1', 3, 4))).toEqual({ kind: 'conflict', reason: 'past-end' });
    // Not complete yet: a message cannot carry it.
    await expect(store.appendMessage({ ...message('m1', 'p1'), blobIds: ['b1'] })).rejects.toThrow(StoreConflictError);
    expect(await store.getMessage('m1')).toBeNull();
    await store.putBlobChunk(chunk('b1', 1, 5));
    expect(await store.blobPrefix('b1')).toBe(3);
    await stored(store, { ...message('m1', 'p1'), blobIds: ['b1'] });
    expect((await store.getBlob('b1'))?.messageId).toBe('m1');
    expect(await store.getBlobChunk('b1', 1)).toEqual(bytes(40, 5));
    // Bound: no more chunks, and no other message.
    expect(await store.putBlobChunk(chunk('b1', 0, 9))).toEqual({ kind: 'conflict', reason: 'bytes' });
    await expect(store.appendMessage({ ...message('m2', 'p1'), blobIds: ['b1'] })).rejects.toThrow(StoreConflictError);
  });

  it('retention removes old messages with their receipts and blobs, and uploads never sent', async () => {
    const { store } = await freshStore();
    await store.putBlobChunk(chunk('bOld', 0, 1, true));
    await stored(store, { ...message('mOld', 'p1'), receivedAt: 10, blobIds: ['bOld'] });
    await store.putReceipt(receipt('mOld', 'dev-b'));
    await store.putBlobChunk({ ...chunk('bLost', 0, 2, true), at: 50 });
    await store.putBlobChunk({ ...chunk('bNew', 0, 3, true), at: 5000 });
    await stored(store, { ...message('mNew', 'p1'), receivedAt: 5000 });
    expect(await store.removeExpired({ messagesBefore: 1000, unboundBefore: 1000 })).toEqual({ messages: 1, blobs: 2 });
    expect(await store.getMessage('mOld')).toBeNull();
    expect(await store.getBlob('bOld')).toBeNull();
    expect(await store.getBlobChunk('bOld', 0)).toBeNull();
    expect(await store.getBlob('bLost')).toBeNull();
    expect(await store.getBlob('bNew')).not.toBeNull();
    expect((await store.syncSince(0, 10)).map((item) => (item.kind === 'message' ? item.message.messageId : 'receipt'))).toEqual(['mNew']);
  });
});

describe('persistence', () => {
  it('keeps everything across close and reopen, and continues the sequences without reuse', async () => {
    const { store, file } = await freshStore();
    await store.bindClinic({ clinicId: 'clinic-1', rootPublicKey: bytes(32, 1), boundAt: 1 });
    await store.putDevice(device('dev-a'));
    await store.putRecordsEpoch({ epoch: 0, epochJson: '{}', storedAt: 1 });
    const m1 = await stored(store, message('m1'));
    await store.putReceipt(receipt('m1', 'dev-a'));
    await store.close();

    const reopened = await openAt(file);
    expect(await reopened.getClinic()).toMatchObject({ clinicId: 'clinic-1' });
    expect(await reopened.getDevice('dev-a')).not.toBeNull();
    expect(await reopened.getMessage('m1')).toEqual(m1);
    expect(await reopened.appendMessage(message('m1'))).toEqual({ kind: 'duplicate', message: m1 });
    expect(await stored(reopened, message('m2'))).toMatchObject({ seq: 2, relaySeq: 3 });
    await expect(reopened.putRecordsEpoch({ epoch: 0, epochJson: '{}', storedAt: 2 })).rejects.toThrow(StoreConflictError);
    await reopened.putRecordsEpoch({ epoch: 1, epochJson: '{}', storedAt: 2 });
    expect((await reopened.syncSince(0, 10)).map(seqOf)).toEqual([1, 2, 3]);
  });
});

describe('appendMessage, as a property', () => {
  it('keeps each conversation contiguous from 1 and relaySeq strictly increasing and unique', async () => {
    const dir = tempDir();
    let run = 0;
    const step = fc.record({
      conversation: fc.constantFrom('c1', 'c2', 'c3'),
      repeat: fc.boolean(),
      sameDigest: fc.boolean(),
      receipt: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        run += 1;
        const store = await openSqliteRelayStore(join(dir, `prop-${run}.db`));
        try {
          const sent: NewMessage[] = [];
          const seqs = new Map<string, number[]>();
          let lastRelaySeq = 0;
          const relaySeqs = new Set<number>();
          for (const [index, s] of steps.entries()) {
            const earlier = sent[index % Math.max(sent.length, 1)];
            if (s.repeat && earlier) {
              const again = s.sameDigest ? earlier : { ...earlier, envelopeJson: '{"other":1}', digest: digestOf(`other-${index}`) };
              const outcome = await store.appendMessage(again);
              expect(outcome.kind).toBe(s.sameDigest ? 'duplicate' : 'conflict');
              continue;
            }
            const input = message(`m${index}`, s.conversation, s.conversation === 'c3' ? 'p2' : 'p1');
            const outcome = await store.appendMessage(input);
            if (outcome.kind !== 'stored') throw new Error('expected stored');
            sent.push(input);
            seqs.set(s.conversation, [...(seqs.get(s.conversation) ?? []), outcome.message.seq]);
            expect(outcome.message.relaySeq).toBeGreaterThan(lastRelaySeq);
            expect(relaySeqs.has(outcome.message.relaySeq)).toBe(false);
            lastRelaySeq = outcome.message.relaySeq;
            relaySeqs.add(lastRelaySeq);
            if (s.receipt) {
              const r = await store.putReceipt(receipt(input.messageId, 'dev-r', 'delivered', input.patientId));
              expect(r?.relaySeq).toBeGreaterThan(lastRelaySeq);
              lastRelaySeq = r?.relaySeq ?? Infinity;
              relaySeqs.add(lastRelaySeq);
            }
          }
          for (const list of seqs.values()) expect(list).toEqual(list.map((_, i) => i + 1));
          const synced = (await store.syncSince(0, 1_000)).map(seqOf);
          expect(synced).toEqual([...relaySeqs]);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
