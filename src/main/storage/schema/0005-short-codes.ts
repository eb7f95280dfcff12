// Runs in main (Node): schema version 5. The short code printed beside each enrollment code
// (ADR 15), so the receipt can be printed again with it. Older codes have none.
import type { Migration } from '../migrations';

export const shortCodesSchema: Migration = {
  version: 5,
  name: 'short-codes',
  up(db) {
    db.exec(`ALTER TABLE enrollment_codes ADD COLUMN short_code TEXT CHECK (short_code IS NULL OR length(short_code) = 19);`);
  },
};
