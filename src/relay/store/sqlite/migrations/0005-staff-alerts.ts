// Relay store migration 5: alerts for IT (ADR 16), signed by the staff device that raised
// them and kept unread. They name no patient. Shipped migrations are never edited.
import { type Migration } from './migration';

export const migration0005: Migration = {
  version: 5,
  name: 'staff-alerts',
  up(db) {
    db.exec(`
      CREATE TABLE staff_alerts (
        alert_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL UNIQUE,
        device_id TEXT NOT NULL,
        alert_json TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX staff_alerts_by_device ON staff_alerts (device_id, created_at);
    `);
  },
};
