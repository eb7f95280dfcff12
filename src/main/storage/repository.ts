// Runs in main (Node): typed reads and writes over a profile database (schema v1), for the
// features and benchmarks that need them now. Prepared once; batches are one transaction.
import { type Sodium, loadSodium } from '../crypto/sodium';
import { type AuditEventContent, auditHash, genesisHash } from './audit-chain';
import { type JsonObject, canonicalJson } from '../../shared/protocol/canonical';
import { ProfileDamagedError, SearchUnavailableError, isDamageCode, sqliteCodeOf } from './errors';
import type { ProfileDatabase } from './profile-database';

export type SenderKind = 'patient' | 'staff';
export type DeliveryState = 'draft' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

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

export type NewConversation = {
  readonly id: string;
  readonly patientId: string;
  readonly subject: string;
  readonly createdAt: number;
  readonly archived?: boolean;
};

export type NewMessage = {
  /** The protocol's message id: inserting the same id twice stores it once. */
  readonly id: string;
  readonly conversationId: string;
  readonly senderKind: SenderKind;
  readonly senderId: string;
  readonly body: string;
  readonly sentAt: number;
  readonly serverSeq: number | null;
  readonly deliveryState: DeliveryState;
};

/** A stored message; `seq` is its local order, the key for paging. */
export type StoredMessage = NewMessage & { readonly seq: number };

export type InboxConversation = {
  readonly id: string;
  readonly patientId: string;
  readonly patientGivenName: string;
  readonly patientFamilyName: string;
  readonly subject: string;
  readonly createdAt: number;
  readonly lastMessageAt: number | null;
  readonly lastPatientMessageAt: number | null;
  readonly awaitingReply: boolean;
  /** When the oldest unanswered patient message was sent; null once answered. */
  readonly awaitingSince: number | null;
  readonly unreadCount: number;
  readonly archived: boolean;
};

/** Where the next page starts: pass a page's `next` back as `before`. Opaque to callers. */
export type InboxCursor = { readonly tier: number; readonly key: number; readonly id: string };
export type InboxPage = { readonly items: readonly InboxConversation[]; readonly next: InboxCursor | null };

export type SearchHit = {
  readonly messageId: string;
  readonly conversationId: string;
  readonly seq: number;
  readonly sentAt: number;
  readonly body: string;
};

export type NewAuditEvent = Omit<AuditEventContent, 'seq'>;
export type StoredAuditEvent = AuditEventContent & { readonly prevHash: Uint8Array; readonly hash: Uint8Array };
export type AuditChainReport = { readonly ok: true } | { readonly ok: false; readonly brokenAt: number };

export type ProfileRepository = {
  insertPatients(rows: readonly NewPatient[]): void;
  insertConversations(rows: readonly NewConversation[]): void;
  /** Stores a batch and updates each conversation's activity, unread count and waiting state. Returns how many were new. */
  insertMessages(rows: readonly NewMessage[]): number;
  listConversationsPage(options: { readonly limit: number; readonly before?: InboxCursor; readonly archived?: boolean }): InboxPage;
  /** Newest first; pass the smallest `seq` of a page as `beforeSeq` for the page before it. */
  listMessages(conversationId: string, options: { readonly limit: number; readonly beforeSeq?: number }): StoredMessage[];
  /** Words in any order, accents ignored, the last word as a prefix; best matches first. */
  searchMessages(query: string, limit: number): SearchHit[];
  countMessages(): number;
  appendAuditEvent(event: NewAuditEvent): StoredAuditEvent;
  /** Walks the chain from the first event; `brokenAt` is the seq of the first event that does not fit. */
  verifyAuditChain(): AuditChainReport;
  /** Events newest first, `limit` at most, before `beforeSeq` when given, about one subject when given. */
  listAuditEvents(options: { readonly limit: number; readonly beforeSeq?: number; readonly subjectId?: string }): AuditEventContent[];
};

const maxPageSize = 1000;

const inboxSelect = `
SELECT c.id, c.patient_id, p.given_name, p.family_name, c.subject, c.created_at, c.last_message_at,
       c.last_patient_message_at, c.awaiting_since, c.unread_count, c.archived, c.inbox_tier, c.inbox_key
FROM conversations AS c JOIN patients AS p ON p.id = c.patient_id`;
const inboxOrder = 'ORDER BY c.inbox_tier, c.inbox_key, c.id LIMIT :limit';

/** The inbox queries, exported so a test can hold their plans to one index range and no sort. */
export const inboxPageSql = {
  first: `${inboxSelect} WHERE c.archived = :archived ${inboxOrder}`,
  after: `${inboxSelect} WHERE c.archived = :archived AND (c.inbox_tier, c.inbox_key, c.id) > (:tier, :key, :id) ${inboxOrder}`,
} as const;

type InboxRow = {
  id: string;
  patient_id: string;
  given_name: string;
  family_name: string;
  subject: string;
  created_at: number;
  last_message_at: number | null;
  last_patient_message_at: number | null;
  awaiting_since: number | null;
  unread_count: number;
  archived: number;
  inbox_tier: number;
  inbox_key: number;
};

type MessageRow = {
  seq: number;
  id: string;
  conversation_id: string;
  sender_kind: SenderKind;
  sender_id: string;
  body: string;
  sent_at: number;
  server_seq: number | null;
  delivery_state: DeliveryState;
};

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

/** Staff messages in these states answer the patient; drafts and failures do not. */
const replyStates: ReadonlySet<DeliveryState> = new Set(['queued', 'sent', 'delivered', 'read']);

/**
 * Turns what a person typed into a safe FTS5 query: each word becomes a quoted phrase
 * (so `"`, `*`, `AND`, `NEAR(` are just text), words are ANDed, the last one is a prefix.
 */
export function toSearchQuery(text: string): string | null {
  const words = text
    .normalize('NFC')
    .split(/\s+/u)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, 16);
  if (words.length === 0) return null;
  return words.map((word, index) => `"${word.replaceAll('"', '""')}"${index === words.length - 1 ? '*' : ''}`).join(' ');
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new RangeError(`A page holds 1 to ${maxPageSize} rows.`);
  }
  return limit;
}

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
  const insertConversation = db.prepare(`
    INSERT INTO conversations (id, patient_id, subject, created_at, archived)
    VALUES (:id, :patientId, :subject, :createdAt, :archived)`);
  const insertMessage = db.prepare(`
    INSERT INTO messages (id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state)
    VALUES (:id, :conversationId, :senderKind, :senderId, :body, :sentAt, :serverSeq, :deliveryState)
    ON CONFLICT (id) DO NOTHING`);
  // A patient message starts (or keeps) the wait unless a later staff reply already answered it.
  const notePatientMessage = db.prepare(`
    UPDATE conversations SET
      last_message_at = max(coalesce(last_message_at, :sentAt), :sentAt),
      last_patient_message_at = max(coalesce(last_patient_message_at, :sentAt), :sentAt),
      unread_count = unread_count + :unread,
      awaiting_since = CASE
        WHEN last_staff_reply_at IS NOT NULL AND :sentAt <= last_staff_reply_at THEN awaiting_since
        ELSE min(coalesce(awaiting_since, :sentAt), :sentAt) END
    WHERE id = :conversationId`);
  // A reply ends the wait for everything sent up to it; a patient message after it keeps waiting.
  const noteStaffReply = db.prepare(`
    UPDATE conversations SET
      last_message_at = max(coalesce(last_message_at, :sentAt), :sentAt),
      last_staff_reply_at = max(coalesce(last_staff_reply_at, :sentAt), :sentAt),
      awaiting_since = CASE
        WHEN awaiting_since IS NULL OR awaiting_since > :sentAt THEN awaiting_since
        ELSE (SELECT min(m.sent_at) FROM messages AS m
              WHERE m.conversation_id = :conversationId AND m.sender_kind = 'patient' AND m.sent_at > :sentAt) END
    WHERE id = :conversationId`);
  const inboxFirst = db.prepare(inboxPageSql.first);
  const inboxAfter = db.prepare(inboxPageSql.after);
  const messageColumns = 'seq, id, conversation_id, sender_kind, sender_id, body, sent_at, server_seq, delivery_state';
  const latestMessages = db.prepare(`
    SELECT ${messageColumns} FROM messages WHERE conversation_id = :conversationId ORDER BY seq DESC LIMIT :limit`);
  const earlierMessages = db.prepare(`
    SELECT ${messageColumns} FROM messages WHERE conversation_id = :conversationId AND seq < :beforeSeq
    ORDER BY seq DESC LIMIT :limit`);
  const countAll = db.prepare('SELECT count(*) AS n FROM messages');
  const hasSearch = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'messages_fts'`).get() !== undefined;
  const search = hasSearch
    ? db.prepare(`
        SELECT m.id, m.conversation_id, m.seq, m.sent_at, m.body
        FROM messages_fts JOIN messages AS m ON m.seq = messages_fts.rowid
        WHERE messages_fts MATCH :query ORDER BY messages_fts.rank LIMIT :limit`)
    : null;
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

  const insertConversationsTx = db.transaction((rows: readonly NewConversation[]) => {
    for (const row of rows) insertConversation.run({ ...row, archived: row.archived ? 1 : 0 });
  });

  const insertMessagesTx = db.transaction((rows: readonly NewMessage[]) => {
    let inserted = 0;
    for (const row of rows) {
      if (insertMessage.run(row).changes === 0) continue;
      inserted += 1;
      const at = { conversationId: row.conversationId, sentAt: row.sentAt };
      if (row.senderKind === 'patient') notePatientMessage.run({ ...at, unread: row.deliveryState === 'read' ? 0 : 1 });
      else if (replyStates.has(row.deliveryState)) noteStaffReply.run(at);
    }
    return inserted;
  });

  const appendAuditTx = db.transaction((event: NewAuditEvent): StoredAuditEvent => {
    const last = lastAudit.get() as { seq: number; hash: Uint8Array } | undefined;
    const content: AuditEventContent = { ...event, seq: (last?.seq ?? 0) + 1 };
    const prevHash = last ? new Uint8Array(last.hash) : genesisHash;
    const hash = auditHash(sodium, prevHash, content);
    insertAudit.run({ ...content, details: canonicalJson(content.details), prevHash, hash });
    return { ...content, prevHash, hash };
  });

  const toInbox = (row: InboxRow): InboxConversation => ({
    id: row.id,
    patientId: row.patient_id,
    patientGivenName: row.given_name,
    patientFamilyName: row.family_name,
    subject: row.subject,
    createdAt: row.created_at,
    lastMessageAt: row.last_message_at,
    lastPatientMessageAt: row.last_patient_message_at,
    awaitingReply: row.awaiting_since !== null,
    awaitingSince: row.awaiting_since,
    unreadCount: row.unread_count,
    archived: row.archived === 1,
  });

  const toMessage = (row: MessageRow): StoredMessage => ({
    seq: row.seq,
    id: row.id,
    conversationId: row.conversation_id,
    senderKind: row.sender_kind,
    senderId: row.sender_id,
    body: row.body,
    sentAt: row.sent_at,
    serverSeq: row.server_seq,
    deliveryState: row.delivery_state,
  });

  return {
    insertPatients: guarded((rows) => insertPatientsTx.immediate(rows)),
    insertConversations: guarded((rows) => insertConversationsTx.immediate(rows)),
    insertMessages: guarded((rows) => insertMessagesTx.immediate(rows)),

    listConversationsPage: guarded(({ limit, before, archived = false }) => {
      const params = { limit: checkLimit(limit) + 1, archived: archived ? 1 : 0 };
      const rows = (before ? inboxAfter.all({ ...params, ...before }) : inboxFirst.all(params)) as InboxRow[];
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(toInbox),
        next: rows.length > limit && last ? { tier: last.inbox_tier, key: last.inbox_key, id: last.id } : null,
      };
    }),

    listMessages: guarded((conversationId, { limit, beforeSeq }) => {
      const params = { conversationId, limit: checkLimit(limit) };
      const rows = beforeSeq === undefined ? latestMessages.all(params) : earlierMessages.all({ ...params, beforeSeq });
      return (rows as MessageRow[]).map(toMessage);
    }),

    searchMessages: guarded((query, limit) => {
      if (!search) throw new SearchUnavailableError();
      const match = toSearchQuery(query);
      if (match === null) return [];
      const rows = search.all({ query: match, limit: checkLimit(limit) }) as Pick<
        MessageRow,
        'id' | 'conversation_id' | 'seq' | 'sent_at' | 'body'
      >[];
      return rows.map((row) => ({
        messageId: row.id,
        conversationId: row.conversation_id,
        seq: row.seq,
        sentAt: row.sent_at,
        body: row.body,
      }));
    }),

    countMessages: guarded(() => (countAll.get() as { n: number }).n),

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
