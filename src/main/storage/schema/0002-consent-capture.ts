// Runs in main (Node): schema version 2, what consent capture at the front desk keeps.
//
// consent_records stays immutable (its triggers refuse UPDATE and DELETE): the signed record
// itself is added as JSON, and what changes after signing lives in its own tables. A record
// is "published" once the clinic's relay accepted its consent status; until then the app
// keeps retrying. The enrollment code is kept to print the receipt again; it is useless once
// the patient's device redeemed it.
import type { Migration } from '../migrations';

export const consentCaptureSchema: Migration = {
  version: 2,
  name: 'consent-capture',
  up(db) {
    db.exec(`
ALTER TABLE consent_records ADD COLUMN record_json TEXT CHECK (
  record_json IS NULL OR (json_valid(record_json) AND json_type(record_json) = 'object')
);

CREATE TABLE consent_publications (
  record_id TEXT PRIMARY KEY NOT NULL REFERENCES consent_records (id) ON DELETE RESTRICT,
  published_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE enrollment_codes (
  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
  patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE RESTRICT,
  record_id TEXT NOT NULL REFERENCES consent_records (id) ON DELETE RESTRICT,
  code TEXT NOT NULL CHECK (length(code) BETWEEN 20 AND 120),
  fingerprint TEXT NOT NULL CHECK (length(fingerprint) BETWEEN 10 AND 100),
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX enrollment_codes_by_patient ON enrollment_codes (patient_id, created_at);
CREATE INDEX enrollment_codes_by_record ON enrollment_codes (record_id);
CREATE INDEX consent_records_by_patient ON consent_records (patient_id, version);
`);
  },
};
