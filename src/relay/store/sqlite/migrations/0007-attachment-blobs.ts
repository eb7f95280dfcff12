// Relay store migration 7: attachment blobs (ADR 19). Each blob is ciphertext chunks under a
// random id, owned by the device that uploads it and tied to one patient's conversation; it
// is bound to the message that carries its key when that message is accepted, and deleted
// with it. Shipped migrations are never edited.
import { type Migration } from './migration';

export const migration0007: Migration = {
  version: 7,
  name: 'attachment-blobs',
  up(db) {
    db.exec(`
      CREATE TABLE blobs (
        blob_id TEXT PRIMARY KEY NOT NULL,
        patient_id TEXT NOT NULL,
        uploader_device_id TEXT NOT NULL,
        -- Set with the chunk marked last: the blob then has exactly this many chunks.
        chunk_count INTEGER CHECK (chunk_count IS NULL OR chunk_count >= 1),
        stored_chunks INTEGER NOT NULL DEFAULT 0 CHECK (stored_chunks >= 0),
        stored_bytes INTEGER NOT NULL DEFAULT 0 CHECK (stored_bytes >= 0),
        message_id TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX blobs_by_message ON blobs (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX blobs_unbound ON blobs (created_at) WHERE message_id IS NULL;
      CREATE TABLE blob_chunks (
        blob_id TEXT NOT NULL REFERENCES blobs (blob_id) ON DELETE CASCADE,
        idx INTEGER NOT NULL CHECK (idx >= 0),
        bytes BLOB NOT NULL,
        UNIQUE (blob_id, idx)
      ) STRICT;
    `);
  },
};
