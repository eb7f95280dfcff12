// Short codes' rows (ADR 15): the bundle under each lookup id, and its failed proofs,
// counted in one statement so that proofs racing on many sockets cannot pass the limit.
import { type RelayStore, type ShortCodeRecord, StoreConflictError } from '../relay-store';
import { type Connection } from './connection';

type ShortCodeStore = Pick<RelayStore, 'putShortCode' | 'getShortCode' | 'recordShortCodeFailure'>;

type Row = {
  lookup_id: string;
  kind: 'invite' | 'enrollment';
  target_id: string;
  bundle_json: string;
  expires_at: number;
  created_at: number;
  failures: number;
  refused_at: number | null;
};

const toRecord = (r: Row): ShortCodeRecord => ({
  lookupId: r.lookup_id,
  kind: r.kind,
  targetId: r.target_id,
  bundleJson: r.bundle_json,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  failures: r.failures,
  refusedAt: r.refused_at,
});

export function shortCodeQueries({ db, write, ensureOpen }: Connection): ShortCodeStore {
  const q = {
    get: db.prepare<[string], Row>('SELECT * FROM short_codes WHERE lookup_id = ?'),
    dropExpired: db.prepare('DELETE FROM short_codes WHERE lookup_id = ? AND expires_at <= ?'),
    insert: db.prepare('INSERT INTO short_codes (lookup_id, kind, target_id, bundle_json, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    fail: db.prepare<[number, number, string], { failures: number; refused_at: number | null }>(
      `UPDATE short_codes SET failures = failures + 1,
         refused_at = CASE WHEN refused_at IS NULL AND failures + 1 >= ? THEN ? ELSE refused_at END
       WHERE lookup_id = ? RETURNING failures, refused_at`,
    ),
  };
  return {
    async putShortCode(code) {
      ensureOpen();
      write(() => {
        q.dropExpired.run(code.lookupId, code.createdAt);
        if (q.get.get(code.lookupId)) throw new StoreConflictError('This short code lookup id is in use.');
        q.insert.run(code.lookupId, code.kind, code.targetId, code.bundleJson, code.expiresAt, code.createdAt);
      });
    },
    async getShortCode(lookupId) {
      ensureOpen();
      const row = q.get.get(lookupId);
      return row ? toRecord(row) : null;
    },
    async recordShortCodeFailure(lookupId, at, limit) {
      ensureOpen();
      const row = write(() => q.fail.get(limit, at, lookupId));
      return row ? { failures: row.failures, refused: row.refused_at !== null } : null;
    },
  };
}
