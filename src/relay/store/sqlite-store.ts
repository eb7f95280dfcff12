// The relay's store on SQLite (better-sqlite3, synchronous; each async method does its work
// at once). The file holds only public keys, signed documents and ciphertext, so it is not
// encrypted; it is still private to the relay's user (0700 folder, 0600 file).
//
// Sequences: every message and every receipt first takes a row in `log`, whose INTEGER
// PRIMARY KEY (AUTOINCREMENT: never reused, even across restarts) is its relaySeq. The
// message or receipt row uses that same number as its own primary key, in the same
// transaction. `syncSince` is then one range scan of `log` (or of `log(patient_id,
// relay_seq)` for a patient), joined by primary key to the message or the receipt.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';

import {
  type AppendOutcome,
  type ClinicBinding,
  type ConsentRecord,
  type DeviceKind,
  type DeviceRecord,
  type EnrollmentRecord,
  type InviteRecord,
  type NewMessage,
  type NewReceipt,
  type PolicyRecord,
  type ReceiptKind,
  type RecordsEpochRecord,
  type RelayStore,
  type StoredMessage,
  type StoredReceipt,
  type SyncItem,
  StoreConflictError,
  StoreUnavailableError,
} from './relay-store';

type Db = Database.Database;

export type OpenSqliteRelayStoreOptions = {
  /** Clock for the relay's own bookkeeping (when a log row was written). Default Date.now. */
  readonly now?: () => number;
};

type Migration = { readonly version: number; readonly name: string; up(db: Db): void };

/** Shipped migrations are never edited: fix forward with a new one. */
const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up(db) {
      db.exec(`
        CREATE TABLE clinic (
          slot INTEGER PRIMARY KEY CHECK (slot = 1),
          clinic_id TEXT NOT NULL,
          root_public_key BLOB NOT NULL,
          bound_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE policies (
          version INTEGER PRIMARY KEY,
          policy_json TEXT NOT NULL,
          stored_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE devices (
          device_id TEXT NOT NULL PRIMARY KEY,
          kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
          role TEXT,
          staff_id TEXT,
          patient_id TEXT,
          signing_key BLOB NOT NULL UNIQUE,
          box_key BLOB NOT NULL,
          proof_json TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER,
          revocation_json TEXT,
          CHECK ((revoked_at IS NULL) = (revocation_json IS NULL))
        ) STRICT;
        CREATE INDEX devices_by_created ON devices (created_at);

        CREATE TABLE invites (
          invite_id TEXT NOT NULL PRIMARY KEY,
          invite_json TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          redemption_json TEXT,
          redeemed_at INTEGER,
          device_id TEXT,
          certified_at INTEGER,
          CHECK ((redeemed_at IS NULL) = (redemption_json IS NULL) AND (redeemed_at IS NULL) = (device_id IS NULL)),
          CHECK (certified_at IS NULL OR redeemed_at IS NOT NULL)
        ) STRICT;
        CREATE INDEX invites_awaiting_certificate ON invites (redeemed_at)
          WHERE redeemed_at IS NOT NULL AND certified_at IS NULL;

        CREATE TABLE enrollments (
          enrollment_id TEXT NOT NULL PRIMARY KEY,
          patient_id TEXT NOT NULL,
          record_json TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          redeemed_at INTEGER,
          device_id TEXT REFERENCES devices (device_id) ON DELETE RESTRICT,
          CHECK ((redeemed_at IS NULL) = (device_id IS NULL))
        ) STRICT;

        CREATE TABLE consents (
          patient_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          status_json TEXT NOT NULL,
          stored_at INTEGER NOT NULL,
          PRIMARY KEY (patient_id, version)
        ) STRICT;

        CREATE TABLE records_epochs (
          epoch INTEGER PRIMARY KEY CHECK (epoch >= 0),
          epoch_json TEXT NOT NULL,
          stored_at INTEGER NOT NULL
        ) STRICT;

        -- The global sequence: one row per message or receipt; relay_seq is the sync cursor.
        CREATE TABLE log (
          relay_seq INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt')),
          patient_id TEXT NOT NULL,
          logged_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX log_by_patient ON log (patient_id, relay_seq);

        CREATE TABLE messages (
          relay_seq INTEGER PRIMARY KEY REFERENCES log (relay_seq) ON DELETE RESTRICT,
          message_id TEXT NOT NULL UNIQUE,
          conversation_id TEXT NOT NULL,
          seq INTEGER NOT NULL CHECK (seq >= 1),
          patient_id TEXT NOT NULL,
          sender_device_id TEXT NOT NULL,
          envelope_json TEXT NOT NULL,
          digest BLOB NOT NULL,
          received_at INTEGER NOT NULL,
          UNIQUE (conversation_id, seq)
        ) STRICT;

        CREATE TABLE receipts (
          relay_seq INTEGER PRIMARY KEY REFERENCES log (relay_seq) ON DELETE RESTRICT,
          message_id TEXT NOT NULL,
          conversation_id TEXT NOT NULL,
          patient_id TEXT NOT NULL,
          device_id TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('delivered', 'read')),
          at INTEGER NOT NULL,
          UNIQUE (message_id, device_id, kind)
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'patient-withdrawals',
    up(db) {
      db.exec(`
        CREATE TABLE patient_withdrawals (
          patient_id TEXT PRIMARY KEY NOT NULL,
          requested_at INTEGER NOT NULL,
          withdrawal_json TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'patient-cards',
    up(db) {
      db.exec(`
        CREATE TABLE patient_cards (
          patient_id TEXT PRIMARY KEY NOT NULL,
          card_seq INTEGER NOT NULL UNIQUE CHECK (card_seq >= 1),
          sent_at INTEGER NOT NULL,
          card_json TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];

export const relayStoreSchemaVersion = migrations.length;

/**
 * The two sync queries, exported so a test can check their plans. Each is one range scan
 * of an index in relay_seq order, then primary-key lookups.
 */
export const syncQueries = {
  all: `${syncSelect()} WHERE l.relay_seq > ? ORDER BY l.relay_seq LIMIT ?`,
  patient: `${syncSelect()} WHERE l.patient_id = ? AND l.relay_seq > ? ORDER BY l.relay_seq LIMIT ?`,
} as const;

function syncSelect(): string {
  return `SELECT l.relay_seq AS relay_seq, l.kind AS log_kind,
      m.message_id AS m_message_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq,
      m.patient_id AS m_patient_id, m.sender_device_id AS m_sender_device_id,
      m.envelope_json AS m_envelope_json, m.digest AS m_digest, m.received_at AS m_received_at,
      r.message_id AS r_message_id, r.conversation_id AS r_conversation_id, r.patient_id AS r_patient_id,
      r.device_id AS r_device_id, r.kind AS r_kind, r.at AS r_at
    FROM log AS l
    LEFT JOIN messages AS m ON m.relay_seq = l.relay_seq
    LEFT JOIN receipts AS r ON r.relay_seq = l.relay_seq`;
}

export async function openSqliteRelayStore(file: string, options: OpenSqliteRelayStoreOptions = {}): Promise<RelayStore> {
  const db = openDatabase(file);
  return createStore(db, options.now ?? Date.now);
}

// ---------------------------------------------------------------------------------------
// Opening

function openDatabase(file: string): Db {
  prepareFile(file);
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    throw unavailableBy(error);
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Read the version before anything writes to the file: a newer relay's file stays untouched.
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > migrations.length) {
      throw new StoreUnavailableError(`The relay store has schema version ${found}; this relay knows up to ${migrations.length}.`, 'too-new');
    }
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new StoreUnavailableError('The relay store refused WAL mode.', 'io');
    // Each commit waits for the WAL to reach the disk: an acknowledged write survives kill -9.
    db.pragma('synchronous = FULL');
    db.pragma('fullfsync = ON');
    db.pragma('checkpoint_fullfsync = ON');
    db.pragma('foreign_keys = ON');
    const problems = (db.pragma('quick_check') as Record<string, unknown>[]).map((row) => String(Object.values(row)[0])).filter((text) => text !== 'ok');
    if (problems.length > 0) throw new StoreUnavailableError('The relay store failed its integrity check.', 'damaged');
    migrate(db);
  } catch (error) {
    db.close();
    throw unavailableBy(error);
  }
  return db;
}

function prepareFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Create the file private to the owner; SQLite gives its -wal and -shm the same mode.
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw unavailableBy(error);
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // Windows has no such modes; the folder's ACL applies there.
  }
}

function migrate(db: Db): void {
  for (const migration of migrations) {
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new StoreUnavailableError(`The relay store has schema version ${current}; expected ${migration.version - 1}.`, 'too-new');
      }
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

function unavailableBy(error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error;
  const code = codeOf(error);
  if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT') || (error instanceof Error && /not a database/i.test(error.message))) {
    return new StoreUnavailableError(`The relay store is damaged (${code ?? 'not a database'}).`, 'damaged');
  }
  if (code !== undefined) return new StoreUnavailableError(`The relay store cannot be opened (${code}).`, 'io');
  return error instanceof Error ? error : new Error(String(error));
}

// ---------------------------------------------------------------------------------------
// Rows

type ClinicRow = { clinic_id: string; root_public_key: Buffer; bound_at: number };
type PolicyRow = { version: number; policy_json: string; stored_at: number };
type DeviceRow = {
  device_id: string;
  kind: DeviceKind;
  role: string | null;
  staff_id: string | null;
  patient_id: string | null;
  signing_key: Buffer;
  box_key: Buffer;
  proof_json: string;
  created_at: number;
  revoked_at: number | null;
  revocation_json: string | null;
};
type InviteRow = {
  invite_id: string;
  invite_json: string;
  expires_at: number;
  created_at: number;
  redemption_json: string | null;
  redeemed_at: number | null;
  device_id: string | null;
  certified_at: number | null;
};
type EnrollmentRow = {
  enrollment_id: string;
  patient_id: string;
  record_json: string;
  expires_at: number;
  created_at: number;
  redeemed_at: number | null;
  device_id: string | null;
};
type ConsentRow = { patient_id: string; version: number; status_json: string; stored_at: number };
type EpochRow = { epoch: number; epoch_json: string; stored_at: number };
type MessageRow = {
  relay_seq: number;
  message_id: string;
  conversation_id: string;
  seq: number;
  patient_id: string;
  sender_device_id: string;
  envelope_json: string;
  digest: Buffer;
  received_at: number;
};
type SyncRow = {
  relay_seq: number;
  log_kind: 'message' | 'receipt';
  m_message_id: string | null;
  m_conversation_id: string | null;
  m_seq: number | null;
  m_patient_id: string | null;
  m_sender_device_id: string | null;
  m_envelope_json: string | null;
  m_digest: Buffer | null;
  m_received_at: number | null;
  r_message_id: string | null;
  r_conversation_id: string | null;
  r_patient_id: string | null;
  r_device_id: string | null;
  r_kind: ReceiptKind | null;
  r_at: number | null;
};

const bytesIn = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const bytesOut = (buffer: Buffer): Uint8Array => new Uint8Array(buffer);

function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    deviceId: row.device_id,
    kind: row.kind,
    role: row.role,
    staffId: row.staff_id,
    patientId: row.patient_id,
    signingKey: bytesOut(row.signing_key),
    boxKey: bytesOut(row.box_key),
    proofJson: row.proof_json,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revocationJson: row.revocation_json,
  };
}

function inviteOf(row: InviteRow): InviteRecord {
  return {
    inviteId: row.invite_id,
    inviteJson: row.invite_json,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    redemptionJson: row.redemption_json,
    redeemedAt: row.redeemed_at,
    deviceId: row.device_id,
    certifiedAt: row.certified_at,
  };
}

function enrollmentOf(row: EnrollmentRow): EnrollmentRecord {
  return {
    enrollmentId: row.enrollment_id,
    patientId: row.patient_id,
    recordJson: row.record_json,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    redeemedAt: row.redeemed_at,
    deviceId: row.device_id,
  };
}

function messageOf(row: MessageRow): StoredMessage {
  return {
    messageId: row.message_id,
    conversationId: row.conversation_id,
    patientId: row.patient_id,
    senderDeviceId: row.sender_device_id,
    envelopeJson: row.envelope_json,
    digest: bytesOut(row.digest),
    receivedAt: row.received_at,
    seq: row.seq,
    relaySeq: row.relay_seq,
  };
}

function syncItemOf(row: SyncRow): SyncItem {
  if (row.log_kind === 'message' && row.m_message_id !== null && row.m_digest !== null) {
    return {
      kind: 'message',
      message: {
        messageId: row.m_message_id,
        conversationId: String(row.m_conversation_id),
        patientId: String(row.m_patient_id),
        senderDeviceId: String(row.m_sender_device_id),
        envelopeJson: String(row.m_envelope_json),
        digest: bytesOut(row.m_digest),
        receivedAt: Number(row.m_received_at),
        seq: Number(row.m_seq),
        relaySeq: row.relay_seq,
      },
    };
  }
  if (row.log_kind === 'receipt' && row.r_message_id !== null && row.r_kind !== null) {
    return {
      kind: 'receipt',
      receipt: {
        messageId: row.r_message_id,
        conversationId: String(row.r_conversation_id),
        patientId: String(row.r_patient_id),
        deviceId: String(row.r_device_id),
        kind: row.r_kind,
        at: Number(row.r_at),
        relaySeq: row.relay_seq,
      },
    };
  }
  throw new Error(`The relay store's log entry ${row.relay_seq} has no ${row.log_kind}.`);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && bytesIn(a).equals(bytesIn(b));

// ---------------------------------------------------------------------------------------
// The store

function createStore(db: Db, now: () => number): RelayStore {
  const q = {
    getClinic: db.prepare<[], ClinicRow>('SELECT clinic_id, root_public_key, bound_at FROM clinic WHERE slot = 1'),
    insertClinic: db.prepare('INSERT INTO clinic (slot, clinic_id, root_public_key, bound_at) VALUES (1, ?, ?, ?)'),

    newestPolicy: db.prepare<[], PolicyRow>('SELECT version, policy_json, stored_at FROM policies ORDER BY version DESC LIMIT 1'),
    insertPolicy: db.prepare('INSERT INTO policies (version, policy_json, stored_at) VALUES (?, ?, ?)'),

    getDevice: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?'),
    deviceBySigningKey: db.prepare<[Buffer], { device_id: string }>('SELECT device_id FROM devices WHERE signing_key = ?'),
    listDevices: db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY created_at, rowid'),
    insertDevice: db.prepare(
      `INSERT INTO devices (device_id, kind, role, staff_id, patient_id, signing_key, box_key, proof_json, created_at, revoked_at, revocation_json)
       VALUES (@deviceId, @kind, @role, @staffId, @patientId, @signingKey, @boxKey, @proofJson, @createdAt, @revokedAt, @revocationJson)`,
    ),
    revokeDevice: db.prepare('UPDATE devices SET revoked_at = ?, revocation_json = ? WHERE device_id = ? AND revoked_at IS NULL'),

    getInvite: db.prepare<[string], InviteRow>('SELECT * FROM invites WHERE invite_id = ?'),
    insertInvite: db.prepare('INSERT INTO invites (invite_id, invite_json, expires_at, created_at) VALUES (?, ?, ?, ?)'),
    redeemInvite: db.prepare(
      'UPDATE invites SET device_id = ?, redemption_json = ?, redeemed_at = ? WHERE invite_id = ? AND redeemed_at IS NULL',
    ),
    certifyInvite: db.prepare(
      'UPDATE invites SET certified_at = ? WHERE invite_id = ? AND redeemed_at IS NOT NULL AND certified_at IS NULL',
    ),
    listRedeemedInvites: db.prepare<[], InviteRow>(
      'SELECT * FROM invites WHERE redeemed_at IS NOT NULL AND certified_at IS NULL ORDER BY redeemed_at, rowid',
    ),

    getEnrollment: db.prepare<[string], EnrollmentRow>('SELECT * FROM enrollments WHERE enrollment_id = ?'),
    insertEnrollment: db.prepare(
      'INSERT INTO enrollments (enrollment_id, patient_id, record_json, expires_at, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    redeemEnrollment: db.prepare(
      'UPDATE enrollments SET redeemed_at = ?, device_id = ? WHERE enrollment_id = ? AND redeemed_at IS NULL',
    ),

    newestConsent: db.prepare<[string], ConsentRow>(
      'SELECT patient_id, version, status_json, stored_at FROM consents WHERE patient_id = ? ORDER BY version DESC LIMIT 1',
    ),
    newestConsents: db.prepare<[], ConsentRow>(
      `SELECT patient_id, version, status_json, stored_at FROM consents AS c
       WHERE version = (SELECT max(version) FROM consents WHERE patient_id = c.patient_id) ORDER BY patient_id`,
    ),
    insertConsent: db.prepare('INSERT INTO consents (patient_id, version, status_json, stored_at) VALUES (?, ?, ?, ?)'),

    newestEpoch: db.prepare<[], EpochRow>('SELECT epoch, epoch_json, stored_at FROM records_epochs ORDER BY epoch DESC LIMIT 1'),
    listEpochs: db.prepare<[], EpochRow>('SELECT epoch, epoch_json, stored_at FROM records_epochs ORDER BY epoch'),
    insertEpoch: db.prepare('INSERT INTO records_epochs (epoch, epoch_json, stored_at) VALUES (?, ?, ?)'),

    insertLog: db.prepare('INSERT INTO log (kind, patient_id, logged_at) VALUES (?, ?, ?)'),
    getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE message_id = ?'),
    nextSeq: db.prepare<[string], { next: number }>(
      'SELECT coalesce(max(seq), 0) + 1 AS next FROM messages WHERE conversation_id = ?',
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (relay_seq, message_id, conversation_id, seq, patient_id, sender_device_id, envelope_json, digest, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    receiptExists: db.prepare<[string, string, string], { found: number }>(
      'SELECT 1 AS found FROM receipts WHERE message_id = ? AND device_id = ? AND kind = ?',
    ),
    insertReceipt: db.prepare(
      'INSERT INTO receipts (relay_seq, message_id, conversation_id, patient_id, device_id, kind, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    syncAll: db.prepare<[number, number], SyncRow>(syncQueries.all),
    syncPatient: db.prepare<[string, number, number], SyncRow>(syncQueries.patient),
  };

  let open = true;
  const ensureOpen = (): void => {
    if (!open) throw new Error('The relay store is closed.');
  };
  /** Runs `work` in one IMMEDIATE transaction: all of it lands, or nothing. */
  const write = <T>(work: () => T): T => db.transaction(work).immediate();

  const insertDevice = (device: DeviceRecord): void => {
    if (q.getDevice.get(device.deviceId)) throw new StoreConflictError('A device with this id is already known.');
    if (q.deviceBySigningKey.get(bytesIn(device.signingKey))) throw new StoreConflictError('A device with this signing key is already known.');
    q.insertDevice.run({
      deviceId: device.deviceId,
      kind: device.kind,
      role: device.role,
      staffId: device.staffId,
      patientId: device.patientId,
      signingKey: bytesIn(device.signingKey),
      boxKey: bytesIn(device.boxKey),
      proofJson: device.proofJson,
      createdAt: device.createdAt,
      revokedAt: device.revokedAt,
      revocationJson: device.revocationJson,
    });
  };

  const appendLog = (kind: 'message' | 'receipt', patientId: string): number => Number(q.insertLog.run(kind, patientId, now()).lastInsertRowid);

  return {
    async getClinic() {
      ensureOpen();
      const row = q.getClinic.get();
      return row ? { clinicId: row.clinic_id, rootPublicKey: bytesOut(row.root_public_key), boundAt: row.bound_at } : null;
    },
    async bindClinic(binding: ClinicBinding) {
      ensureOpen();
      write(() => {
        if (q.getClinic.get()) throw new StoreConflictError('The relay is already bound to a clinic.');
        q.insertClinic.run(binding.clinicId, bytesIn(binding.rootPublicKey), binding.boundAt);
      });
    },

    async getPolicy() {
      ensureOpen();
      const row = q.newestPolicy.get();
      return row ? { version: row.version, policyJson: row.policy_json, storedAt: row.stored_at } : null;
    },
    async putPolicy(policy: PolicyRecord) {
      ensureOpen();
      write(() => {
        const newest = q.newestPolicy.get();
        if (newest && policy.version <= newest.version) {
          throw new StoreConflictError(`Policy version ${policy.version} is not newer than ${newest.version}.`);
        }
        q.insertPolicy.run(policy.version, policy.policyJson, policy.storedAt);
      });
    },

    async putDevice(device: DeviceRecord) {
      ensureOpen();
      write(() => insertDevice(device));
    },
    async getDevice(deviceId: string) {
      ensureOpen();
      const row = q.getDevice.get(deviceId);
      return row ? deviceOf(row) : null;
    },
    async listDevices() {
      ensureOpen();
      return q.listDevices.all().map(deviceOf);
    },
    async revokeDevice(deviceId: string, revocationJson: string, at: number) {
      ensureOpen();
      return write(() => q.revokeDevice.run(at, revocationJson, deviceId).changes === 1);
    },

    async putInvite(invite) {
      ensureOpen();
      write(() => {
        if (q.getInvite.get(invite.inviteId)) throw new StoreConflictError('An invite with this id already exists.');
        q.insertInvite.run(invite.inviteId, invite.inviteJson, invite.expiresAt, invite.createdAt);
      });
    },
    async getInvite(inviteId: string) {
      ensureOpen();
      const row = q.getInvite.get(inviteId);
      return row ? inviteOf(row) : null;
    },
    async redeemInvite(inviteId: string, deviceId: string, redemptionJson: string, at: number) {
      ensureOpen();
      return write(() => q.redeemInvite.run(deviceId, redemptionJson, at, inviteId).changes === 1);
    },
    async markInviteCertified(inviteId: string, at: number) {
      ensureOpen();
      return write(() => q.certifyInvite.run(at, inviteId).changes === 1);
    },
    async listRedeemedInvites() {
      ensureOpen();
      return q.listRedeemedInvites.all().map(inviteOf);
    },

    async putEnrollment(enrollment) {
      ensureOpen();
      write(() => {
        if (q.getEnrollment.get(enrollment.enrollmentId)) throw new StoreConflictError('An enrollment with this id already exists.');
        q.insertEnrollment.run(enrollment.enrollmentId, enrollment.patientId, enrollment.recordJson, enrollment.expiresAt, enrollment.createdAt);
      });
    },
    async getEnrollment(enrollmentId: string) {
      ensureOpen();
      const row = q.getEnrollment.get(enrollmentId);
      return row ? enrollmentOf(row) : null;
    },
    async redeemEnrollment(enrollmentId: string, device: DeviceRecord, at: number) {
      ensureOpen();
      return write(() => {
        const enrollment = q.getEnrollment.get(enrollmentId);
        if (!enrollment || enrollment.redeemed_at !== null) return false;
        // Throws StoreConflictError before anything is written; the transaction rolls back.
        insertDevice(device);
        if (q.redeemEnrollment.run(at, device.deviceId, enrollmentId).changes !== 1) {
          throw new Error('The enrollment changed during its redemption.');
        }
        return true;
      });
    },

    async getConsent(patientId: string) {
      ensureOpen();
      const row = q.newestConsent.get(patientId);
      return row ? { patientId: row.patient_id, version: row.version, statusJson: row.status_json, storedAt: row.stored_at } : null;
    },
    async putPatientWithdrawal(w: { patientId: string; requestedAt: number; withdrawalJson: string }) {
      ensureOpen();
      write(() =>
        db
          .prepare(
            `INSERT INTO patient_withdrawals (patient_id, requested_at, withdrawal_json) VALUES (?, ?, ?)
             ON CONFLICT (patient_id) DO UPDATE SET requested_at = excluded.requested_at, withdrawal_json = excluded.withdrawal_json
             WHERE excluded.requested_at > patient_withdrawals.requested_at`,
          )
          .run(w.patientId, w.requestedAt, w.withdrawalJson),
      );
    },
    async putCard(card: { patientId: string; sentAt: number; cardJson: string }) {
      ensureOpen();
      return write(() => {
        const existing = db.prepare('SELECT sent_at FROM patient_cards WHERE patient_id = ?').get(card.patientId) as { sent_at: number } | undefined;
        if (existing && existing.sent_at > card.sentAt) return null;
        const next = ((db.prepare('SELECT max(card_seq) AS n FROM patient_cards').get() as { n: number | null }).n ?? 0) + 1;
        db.prepare(
          `INSERT INTO patient_cards (patient_id, card_seq, sent_at, card_json) VALUES (?, ?, ?, ?)
           ON CONFLICT (patient_id) DO UPDATE SET card_seq = excluded.card_seq, sent_at = excluded.sent_at, card_json = excluded.card_json`,
        ).run(card.patientId, next, card.sentAt, card.cardJson);
        return { cardSeq: next, replaced: existing !== undefined };
      });
    },
    async listCards(after: number, limit: number) {
      ensureOpen();
      const rows = db.prepare('SELECT card_seq, patient_id, card_json FROM patient_cards WHERE card_seq > ? ORDER BY card_seq LIMIT ?').all(after, limit) as {
        card_seq: number;
        patient_id: string;
        card_json: string;
      }[];
      return rows.map((r) => ({ cardSeq: r.card_seq, patientId: r.patient_id, cardJson: r.card_json }));
    },
    async listPatientWithdrawals(patientId?: string) {
      ensureOpen();
      const rows = (
        patientId === undefined
          ? db.prepare('SELECT patient_id, requested_at, withdrawal_json FROM patient_withdrawals ORDER BY patient_id').all()
          : db.prepare('SELECT patient_id, requested_at, withdrawal_json FROM patient_withdrawals WHERE patient_id = ?').all(patientId)
      ) as { patient_id: string; requested_at: number; withdrawal_json: string }[];
      return rows.map((r) => ({ patientId: r.patient_id, requestedAt: r.requested_at, withdrawalJson: r.withdrawal_json }));
    },
    async listConsents() {
      ensureOpen();
      return q.newestConsents.all().map((row) => ({ patientId: row.patient_id, version: row.version, statusJson: row.status_json, storedAt: row.stored_at }));
    },
    async putConsent(consent: ConsentRecord) {
      ensureOpen();
      write(() => {
        const newest = q.newestConsent.get(consent.patientId);
        if (newest && consent.version <= newest.version) {
          throw new StoreConflictError(`Consent version ${consent.version} is not newer than ${newest.version}.`);
        }
        q.insertConsent.run(consent.patientId, consent.version, consent.statusJson, consent.storedAt);
      });
    },

    async putRecordsEpoch(epoch: RecordsEpochRecord) {
      ensureOpen();
      write(() => {
        const expected = (q.newestEpoch.get()?.epoch ?? -1) + 1;
        if (epoch.epoch !== expected) throw new StoreConflictError(`Records epoch ${epoch.epoch} refused: the next is ${expected}.`);
        q.insertEpoch.run(epoch.epoch, epoch.epochJson, epoch.storedAt);
      });
    },
    async latestRecordsEpoch() {
      ensureOpen();
      const row = q.newestEpoch.get();
      return row ? { epoch: row.epoch, epochJson: row.epoch_json, storedAt: row.stored_at } : null;
    },
    async listRecordsEpochs() {
      ensureOpen();
      return q.listEpochs.all().map((row) => ({ epoch: row.epoch, epochJson: row.epoch_json, storedAt: row.stored_at }));
    },

    async appendMessage(message: NewMessage): Promise<AppendOutcome> {
      ensureOpen();
      return write((): AppendOutcome => {
        const existing = q.getMessage.get(message.messageId);
        if (existing) {
          return sameBytes(existing.digest, message.digest) ? { kind: 'duplicate', message: messageOf(existing) } : { kind: 'conflict' };
        }
        const seq = q.nextSeq.get(message.conversationId)?.next ?? 1;
        const relaySeq = appendLog('message', message.patientId);
        q.insertMessage.run(
          relaySeq,
          message.messageId,
          message.conversationId,
          seq,
          message.patientId,
          message.senderDeviceId,
          message.envelopeJson,
          bytesIn(message.digest),
          message.receivedAt,
        );
        const stored: StoredMessage = {
          messageId: message.messageId,
          conversationId: message.conversationId,
          patientId: message.patientId,
          senderDeviceId: message.senderDeviceId,
          envelopeJson: message.envelopeJson,
          digest: new Uint8Array(message.digest),
          receivedAt: message.receivedAt,
          seq,
          relaySeq,
        };
        return { kind: 'stored', message: stored };
      });
    },
    async getMessage(messageId: string) {
      ensureOpen();
      const row = q.getMessage.get(messageId);
      return row ? messageOf(row) : null;
    },
    async putReceipt(receipt: NewReceipt): Promise<StoredReceipt | null> {
      ensureOpen();
      return write(() => {
        if (q.receiptExists.get(receipt.messageId, receipt.deviceId, receipt.kind)) return null;
        const relaySeq = appendLog('receipt', receipt.patientId);
        q.insertReceipt.run(relaySeq, receipt.messageId, receipt.conversationId, receipt.patientId, receipt.deviceId, receipt.kind, receipt.at);
        return {
          messageId: receipt.messageId,
          conversationId: receipt.conversationId,
          patientId: receipt.patientId,
          deviceId: receipt.deviceId,
          kind: receipt.kind,
          at: receipt.at,
          relaySeq,
        };
      });
    },
    async syncSince(after: number, limit: number, patientId?: string) {
      ensureOpen();
      // SQLite reads a negative LIMIT as "no limit".
      if (!(limit >= 1)) return [];
      const take = Math.floor(limit);
      const rows = patientId === undefined ? q.syncAll.all(after, take) : q.syncPatient.all(patientId, after, take);
      return rows.map(syncItemOf);
    },

    async close() {
      if (!open) return;
      open = false;
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // Every commit is already durable in the WAL; folding it in is housekeeping.
      } finally {
        db.close();
      }
    },
  };
}
