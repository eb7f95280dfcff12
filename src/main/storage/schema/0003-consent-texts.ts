// Runs in main (Node): schema version 3. The exact consent text each record cites, kept by
// its hash, so a receipt can be printed again (and the text read again) after the clinic's
// rules have changed.
import type { Migration } from '../migrations';

export const consentTextsSchema: Migration = {
  version: 3,
  name: 'consent-texts',
  up(db) {
    db.exec(`
CREATE TABLE consent_texts (
  text_hash BLOB PRIMARY KEY NOT NULL CHECK (length(text_hash) = 32),
  text_version TEXT NOT NULL CHECK (length(text_version) BETWEEN 1 AND 64),
  document_json TEXT NOT NULL CHECK (json_valid(document_json) AND json_type(document_json) = 'object'),
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TRIGGER consent_texts_no_update BEFORE UPDATE ON consent_texts
BEGIN SELECT RAISE(ABORT, 'consent texts are immutable'); END;
`);
  },
};
