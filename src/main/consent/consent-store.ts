// Runs in main (Node): the front desk's patients and consent records, in the profile's
// encrypted database (schema v1 tables + v2 additions). Records are never changed: each
// decision is a new row that supersedes the previous one, signed by this device.
import { type ConsentRecordDocument } from '../../shared/consent/record';
import { type ProfileDatabase } from '../storage/profile-database';

export type PatientRow = {
  readonly id: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly dateOfBirth: string;
  readonly contact: { readonly phone?: string; readonly email?: string };
  readonly decisionMaker: { readonly name: string; readonly relationship: string } | null;
  readonly createdAt: number;
};

export type StoredConsentRecord = {
  readonly record: ConsentRecordDocument;
  readonly signature: Uint8Array;
  readonly publishedAt: number | null;
};

export type EnrollmentCodeRow = {
  readonly id: string;
  readonly patientId: string;
  readonly recordId: string;
  readonly code: string;
  /** The short form a person types (ADR 15); null for codes printed before it existed. */
  readonly shortCode: string | null;
  readonly fingerprint: string;
  readonly expiresAt: number;
  readonly createdAt: number;
};

type PatientDbRow = {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  contact_json: string;
  substitute_decision_maker_json: string | null;
  created_at: number;
};
const toPatient = (r: PatientDbRow): PatientRow => ({
  id: r.id,
  givenName: r.given_name,
  familyName: r.family_name,
  dateOfBirth: r.date_of_birth,
  contact: JSON.parse(r.contact_json) as PatientRow['contact'],
  decisionMaker: r.substitute_decision_maker_json ? (JSON.parse(r.substitute_decision_maker_json) as PatientRow['decisionMaker']) : null,
  createdAt: r.created_at,
});

/** Escapes LIKE wildcards in a user's search text. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createConsentStore(profile: ProfileDatabase) {
  const db = profile.db;
  const insertPatient = db.prepare(
    `INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, substitute_decision_maker_json, created_at)
     VALUES (@id, @givenName, @familyName, @dateOfBirth, @contact, @decisionMaker, @createdAt)`,
  );
  const insertStaff = db.prepare(`INSERT INTO staff (id, display_name, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`);
  const insertDevice = db.prepare(
    `INSERT INTO devices (id, kind, staff_id, label, signing_public_key, box_public_key, certificate, created_at)
     VALUES (?, 'staff', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const insertRecord = db.prepare(
    `INSERT INTO consent_records (id, patient_id, version, status, scopes_json, text_version, text_hash, signed_by_device, signature, created_at, supersedes, record_json)
     VALUES (@id, @patientId, @version, @status, @scopes, @textVersion, @textHash, @device, @signature, @createdAt, @supersedes, @recordJson)`,
  );
  const insertPublication = db.prepare('INSERT INTO consent_publications (record_id, published_at) VALUES (?, ?) ON CONFLICT (record_id) DO NOTHING');
  const insertCode = db.prepare(
    'INSERT INTO enrollment_codes (id, patient_id, record_id, code, short_code, fingerprint, expires_at, created_at) VALUES (@id, @patientId, @recordId, @code, @shortCode, @fingerprint, @expiresAt, @createdAt)',
  );
  type RecordDbRow = { record_json: string; signature: Buffer; published_at: number | null };
  const toRecord = (r: RecordDbRow): StoredConsentRecord => ({
    record: JSON.parse(r.record_json) as ConsentRecordDocument,
    signature: new Uint8Array(r.signature),
    publishedAt: r.published_at,
  });
  const recordSelect = `SELECT c.record_json, c.signature, p.published_at FROM consent_records AS c LEFT JOIN consent_publications AS p ON p.record_id = c.id`;

  return {
    insertPatient(row: PatientRow): void {
      insertPatient.run({
        id: row.id,
        givenName: row.givenName,
        familyName: row.familyName,
        dateOfBirth: row.dateOfBirth,
        contact: JSON.stringify(row.contact),
        decisionMaker: row.decisionMaker ? JSON.stringify(row.decisionMaker) : null,
        createdAt: row.createdAt,
      });
    },
    patient(id: string): PatientRow | null {
      const row = db.prepare<[string], PatientDbRow>('SELECT * FROM patients WHERE id = ?').get(id);
      return row ? toPatient(row) : null;
    },
    /** Patients whose name contains the text, or whose birth date is it; newest first when empty. */
    findPatients(query: string, limit = 50): PatientRow[] {
      const text = query.trim();
      if (text === '') return db.prepare<[number], PatientDbRow>('SELECT * FROM patients ORDER BY created_at DESC LIMIT ?').all(limit).map(toPatient);
      const words = text.split(/\s+/).slice(0, 4);
      const clauses = words.map(() => `((given_name || ' ' || family_name) LIKE ? ESCAPE '\\' OR date_of_birth = ?)`).join(' AND ');
      const params = words.flatMap((w) => [likePattern(w), w]);
      return db
        .prepare<unknown[], PatientDbRow>(`SELECT * FROM patients WHERE ${clauses} ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE LIMIT ?`)
        .all(...params, limit)
        .map(toPatient);
    },
    allPatients(): PatientRow[] {
      return db.prepare<[], PatientDbRow>('SELECT * FROM patients ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE').all().map(toPatient);
    },

    /** Makes sure this device (and its staff member) exist locally, so records can cite it. */
    ensureOwnDevice(device: { deviceId: string; staffId: string; displayName: string; role: string; signingKey: Uint8Array; boxKey: Uint8Array; certificateJson: string; now: number }): void {
      db.transaction(() => {
        insertStaff.run(device.staffId, device.displayName, device.role, device.now);
        insertDevice.run(device.deviceId, device.staffId, 'This computer', Buffer.from(device.signingKey), Buffer.from(device.boxKey), Buffer.from(device.certificateJson), device.now);
      }).immediate();
    },

    /** Stores a signed record, and an enrollment code with it when there is one, in one transaction. */
    addRecord(record: ConsentRecordDocument, signature: Uint8Array, code: Omit<EnrollmentCodeRow, 'recordId' | 'patientId'> | null): void {
      db.transaction(() => {
        insertRecord.run({
          id: record.recordId,
          patientId: record.patientId,
          version: record.version,
          status: record.status,
          scopes: JSON.stringify(record.scopes),
          textVersion: record.textVersion,
          textHash: Buffer.from(record.textHash, 'base64'),
          device: record.recordedBy.deviceId,
          signature: Buffer.from(signature),
          createdAt: record.recordedAt,
          supersedes: record.supersedes,
          recordJson: JSON.stringify(record),
        });
        if (code) insertCode.run({ ...code, recordId: record.recordId, patientId: record.patientId });
      }).immediate();
    },
    /** The enrollment code issued for a grant (after the record was stored). */
    addCodeFor(record: ConsentRecordDocument, code: Omit<EnrollmentCodeRow, 'recordId' | 'patientId'>): void {
      insertCode.run({ ...code, recordId: record.recordId, patientId: record.patientId });
    },
    /** Keeps the exact text a record cites, once per hash. */
    saveText(textHash: string, textVersion: string, documentJson: string, at: number): void {
      db.prepare('INSERT INTO consent_texts (text_hash, text_version, document_json, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (text_hash) DO NOTHING').run(
        Buffer.from(textHash, 'base64'),
        textVersion,
        documentJson,
        at,
      );
    },
    text(textHash: string): string | null {
      return db.prepare<[Buffer], { document_json: string }>('SELECT document_json FROM consent_texts WHERE text_hash = ?').get(Buffer.from(textHash, 'base64'))?.document_json ?? null;
    },
    markPublished(recordId: string, at: number): void {
      insertPublication.run(recordId, at);
    },
    /** A patient's records, oldest first. */
    history(patientId: string): StoredConsentRecord[] {
      return db.prepare<[string], RecordDbRow>(`${recordSelect} WHERE c.patient_id = ? ORDER BY c.version`).all(patientId).map(toRecord);
    },
    latest(patientId: string): StoredConsentRecord | null {
      const row = db.prepare<[string], RecordDbRow>(`${recordSelect} WHERE c.patient_id = ? ORDER BY c.version DESC LIMIT 1`).get(patientId);
      return row ? toRecord(row) : null;
    },
    record(recordId: string): StoredConsentRecord | null {
      const row = db.prepare<[string], RecordDbRow>(`${recordSelect} WHERE c.id = ?`).get(recordId);
      return row ? toRecord(row) : null;
    },
    unpublished(): StoredConsentRecord[] {
      return db.prepare<[], RecordDbRow>(`${recordSelect} WHERE p.published_at IS NULL ORDER BY c.created_at, c.version`).all().map(toRecord);
    },
    latestCode(patientId: string): EnrollmentCodeRow | null {
      const row = db
        .prepare<[string], { id: string; patient_id: string; record_id: string; code: string; short_code: string | null; fingerprint: string; expires_at: number; created_at: number }>(
          'SELECT * FROM enrollment_codes WHERE patient_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
        )
        .get(patientId);
      return row
        ? { id: row.id, patientId: row.patient_id, recordId: row.record_id, code: row.code, shortCode: row.short_code, fingerprint: row.fingerprint, expiresAt: row.expires_at, createdAt: row.created_at }
        : null;
    },
    codeForRecord(recordId: string): EnrollmentCodeRow | null {
      const row = db
        .prepare<[string], { id: string; patient_id: string; record_id: string; code: string; short_code: string | null; fingerprint: string; expires_at: number; created_at: number }>(
          // The newest: a code issued again replaces the one before on the receipt.
          'SELECT * FROM enrollment_codes WHERE record_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
        )
        .get(recordId);
      return row
        ? { id: row.id, patientId: row.patient_id, recordId: row.record_id, code: row.code, shortCode: row.short_code, fingerprint: row.fingerprint, expiresAt: row.expires_at, createdAt: row.created_at }
        : null;
    },
  };
}

export type ConsentStore = ReturnType<typeof createConsentStore>;
