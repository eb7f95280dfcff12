// Relay store migration 6: care-team events (ADR 17), sealed to the records key and kept
// unread, in their order of arrival. They name no patient. Shipped migrations are never edited.
import { type Migration } from './migration';

export const migration0006: Migration = {
  version: 6,
  name: 'care-team-events',
  up(db) {
    db.exec(`
      CREATE TABLE team_events (
        team_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        sender_device_id TEXT NOT NULL,
        envelope_json TEXT NOT NULL,
        digest BLOB NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
