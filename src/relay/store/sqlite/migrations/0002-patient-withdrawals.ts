// Relay store migration 2: withdrawals patients made from their own devices.
// Shipped migrations are never edited: fix forward with a new one.
import { type Migration } from './migration';

export const migration0002: Migration = {
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
};
