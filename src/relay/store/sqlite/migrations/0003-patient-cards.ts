// Relay store migration 3: the newest patient card of each patient (ADR 12).
// Shipped migrations are never edited: fix forward with a new one.
import { type Migration } from './migration';

export const migration0003: Migration = {
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
};
