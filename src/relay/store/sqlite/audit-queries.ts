// The clinic-wide audit trail at the relay (ADR 20): sealed batches, one per leaf of the log,
// and the relay's log key. Each device's batches follow on from each other without a gap.
import { type AuditBatchRecord, type RelayStore, StoreConflictError } from '../relay-store';
import { type Connection } from './connection';

type AuditStore = Pick<RelayStore, 'getAuditLogKey' | 'putAuditLogKey' | 'appendAuditBatch' | 'lastAuditBatch' | 'listAuditBatches' | 'auditLeaves'>;

type Row = { leaf_index: number; device_id: string; from_seq: number; to_seq: number; head_hash: string; leaf_hash: Uint8Array; batch_json: string; created_at: number };
type KeyRow = { public_key: Uint8Array; secret_key: Uint8Array };

const toRecord = (r: Row): AuditBatchRecord => ({
  leafIndex: r.leaf_index,
  deviceId: r.device_id,
  fromSeq: r.from_seq,
  toSeq: r.to_seq,
  headHash: r.head_hash,
  leafHash: new Uint8Array(r.leaf_hash),
  batchJson: r.batch_json,
  createdAt: r.created_at,
});

export function auditQueries({ db, write, ensureOpen, now }: Connection): AuditStore {
  const q = {
    key: db.prepare<[], KeyRow>('SELECT public_key, secret_key FROM audit_log_key WHERE id = 1'),
    putKey: db.prepare<[Uint8Array, Uint8Array, number]>('INSERT INTO audit_log_key (id, public_key, secret_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    last: db.prepare<[string], Row>('SELECT * FROM audit_batches WHERE device_id = ? ORDER BY to_seq DESC LIMIT 1'),
    nextLeaf: db.prepare<[], { n: number | null }>('SELECT MAX(leaf_index) AS n FROM audit_batches'),
    insert: db.prepare(
      'INSERT INTO audit_batches (leaf_index, device_id, from_seq, to_seq, head_hash, leaf_hash, batch_json, created_at) VALUES (@leafIndex, @deviceId, @fromSeq, @toSeq, @headHash, @leafHash, @batchJson, @createdAt)',
    ),
    list: db.prepare<[number, number], Row>('SELECT * FROM audit_batches WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?'),
    leaves: db.prepare<[], { leaf_hash: Uint8Array }>('SELECT leaf_hash FROM audit_batches ORDER BY leaf_index'),
  };
  const keyOf = (row: KeyRow) => ({ publicKey: new Uint8Array(row.public_key), secretKey: new Uint8Array(row.secret_key) });
  return {
    async getAuditLogKey() {
      ensureOpen();
      const row = q.key.get();
      return row ? keyOf(row) : null;
    },
    async putAuditLogKey(key) {
      ensureOpen();
      return write(() => {
        q.putKey.run(key.publicKey, key.secretKey, now());
        return keyOf(q.key.get() as KeyRow);
      });
    },
    async appendAuditBatch(batch) {
      ensureOpen();
      return write(() => {
        const last = q.last.get(batch.deviceId);
        const expected = (last?.to_seq ?? 0) + 1;
        if (batch.fromSeq !== expected) throw new StoreConflictError(`This computer's audit trail resumes at event ${expected}.`);
        const leafIndex = (q.nextLeaf.get()?.n ?? -1) + 1;
        q.insert.run({ ...batch, leafIndex });
        return { leafIndex };
      });
    },
    async lastAuditBatch(deviceId) {
      ensureOpen();
      const row = q.last.get(deviceId);
      return row ? toRecord(row) : null;
    },
    async listAuditBatches(fromLeaf, limit) {
      ensureOpen();
      return q.list.all(fromLeaf, limit).map(toRecord);
    },
    async auditLeaves() {
      ensureOpen();
      return q.leaves.all().map((r) => new Uint8Array(r.leaf_hash));
    },
  };
}
