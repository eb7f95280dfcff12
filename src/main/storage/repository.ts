// Runs in main (Node): typed reads and writes over a profile database: the patients the
// front desk registers and the hash-chained audit trail. Messages are not here: they live
// in the device's network store (src/main/network/client-store.ts). Statements are
// prepared once; batches are one transaction.
import { type Sodium, loadSodium } from '../crypto/sodium';
import { type AuditEventContent, auditHash, genesisHash } from './audit-chain';
import { type JsonObject, canonicalJson } from '../../shared/protocol/canonical';
import { ProfileDamagedError, isDamageCode, sqliteCodeOf } from './errors';
import type { ProfileDatabase } from './profile-database';

export type NewPatient = {
  readonly id: string;
  readonly givenName: string;
  readonly familyName: string;
  /** YYYY-MM-DD */
  readonly dateOfBirth: string;
  readonly contact: JsonObject;
  readonly substituteDecisionMaker: JsonObject | null;
  readonly createdAt: number;
};

export type NewAuditEvent = Omit<AuditEventContent, 'seq'>;
export type StoredAuditEvent = AuditEventContent & { readonly prevHash: Uint8Array; readonly hash: Uint8Array };
export type AuditChainReport = { readonly ok: true } | { readonly ok: false; readonly brokenAt: number };

export type ProfileRepository = {
  insertPatients(rows: readonly NewPatient[]): void;
  appendAuditEvent(event: NewAuditEvent): StoredAuditEvent;
  /** Walks the chain from the first event; `brokenAt` is the seq of the first event that does not fit. */
  verifyAuditChain(): AuditChainReport;
  /** Events newest first, `limit` at most, before `beforeSeq` when given, about one subject when given. */
  listAuditEvents(options: { readonly limit: number; readonly beforeSeq?: number; readonly subjectId?: string }): AuditEventContent[];
  /** Events after `afterSeq`, oldest first, with the hashes stored for them (what is sent on to the clinic's trail). */
  auditEventsAfter(afterSeq: number, limit: number): StoredAuditEvent[];
};

const maxPageSize = 1000;

type AuditRow = {
  seq: number;
  at: number;
  actor_id: string;
  device_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  details_json: string;
  prev_hash: Uint8Array;
  hash: Uint8Array;
};

/** A page that fails to decrypt mid-query is the same damage as one found at open. */
function guarded<A extends unknown[], R>(run: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return run(...args);
    } catch (error) {
      const sqliteCode = sqliteCodeOf(error);
      if (isDamageCode(sqliteCode)) throw new ProfileDamagedError('integrity', { sqliteCode });
      throw error;
    }
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

export async function createProfileRepository(profile: ProfileDatabase): Promise<ProfileRepository> {
  const sodium: Sodium = await loadSodium();
  const { db } = profile;

  const insertPatient = db.prepare(`
    INSERT INTO patients (id, given_name, family_name, date_of_birth, contact_json, substitute_decision_maker_json, created_at)
    VALUES (:id, :givenName, :familyName, :dateOfBirth, :contact, :substituteDecisionMaker, :createdAt)`);
  const lastAudit = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const insertAudit = db.prepare(`
    INSERT INTO audit_events (seq, at, actor_id, device_id, action, subject_type, subject_id, details_json, prev_hash, hash)
    VALUES (:seq, :at, :actorId, :deviceId, :action, :subjectType, :subjectId, :details, :prevHash, :hash)`);
  const allAudit = db.prepare('SELECT * FROM audit_events ORDER BY seq');

  const insertPatientsTx = db.transaction((rows: readonly NewPatient[]) => {
    for (const row of rows) {
      insertPatient.run({
        ...row,
        contact: JSON.stringify(row.contact),
        substituteDecisionMaker: row.substituteDecisionMaker === null ? null : JSON.stringify(row.substituteDecisionMaker),
      });
    }
  });

  const appendAuditTx = db.transaction((event: NewAuditEvent): StoredAuditEvent => {
    const last = lastAudit.get() as { seq: number; hash: Uint8Array } | undefined;
    const content: AuditEventContent = { ...event, seq: (last?.seq ?? 0) + 1 };
    const prevHash = last ? new Uint8Array(last.hash) : genesisHash;
    const hash = auditHash(sodium, prevHash, content);
    insertAudit.run({ ...content, details: canonicalJson(content.details), prevHash, hash });
    return { ...content, prevHash, hash };
  });

  return {
    insertPatients: guarded((rows) => insertPatientsTx.immediate(rows)),

    appendAuditEvent: guarded((event) => appendAuditTx.immediate(event)),

    listAuditEvents: guarded(({ limit, beforeSeq, subjectId }) => {
      const rows = db
        .prepare(
          `SELECT * FROM audit_events WHERE seq < ? AND (? IS NULL OR subject_id = ?) ORDER BY seq DESC LIMIT ?`,
        )
        .all(beforeSeq ?? Number.MAX_SAFE_INTEGER, subjectId ?? null, subjectId ?? null, Math.min(Math.max(1, limit), maxPageSize)) as AuditRow[];
      return rows.map((row) => ({
        seq: row.seq,
        at: row.at,
        actorId: row.actor_id,
        deviceId: row.device_id,
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        details: JSON.parse(row.details_json) as JsonObject,
      }));
    }),

    auditEventsAfter: guarded((afterSeq, limit) => {
      const rows = db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, Math.min(Math.max(1, limit), maxPageSize)) as AuditRow[];
      return rows.map((row) => ({
        seq: row.seq,
        at: row.at,
        actorId: row.actor_id,
        deviceId: row.device_id,
        action: row.action,
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        details: JSON.parse(row.details_json) as JsonObject,
        prevHash: new Uint8Array(row.prev_hash),
        hash: new Uint8Array(row.hash),
      }));
    }),

    verifyAuditChain: guarded((): AuditChainReport => {
      let expectedSeq = 1;
      let prevHash = genesisHash;
      for (const row of allAudit.iterate() as IterableIterator<AuditRow>) {
        let details: JsonObject;
        try {
          details = JSON.parse(row.details_json) as JsonObject;
        } catch {
          return { ok: false, brokenAt: row.seq };
        }
        const content: AuditEventContent = {
          seq: row.seq,
          at: row.at,
          actorId: row.actor_id,
          deviceId: row.device_id,
          action: row.action,
          subjectType: row.subject_type,
          subjectId: row.subject_id,
          details,
        };
        const fits =
          row.seq === expectedSeq &&
          sameBytes(row.prev_hash, prevHash) &&
          sameBytes(row.hash, auditHash(sodium, prevHash, content));
        if (!fits) return { ok: false, brokenAt: row.seq };
        prevHash = new Uint8Array(row.hash);
        expectedSeq += 1;
      }
      return { ok: true };
    }),
  };
}
