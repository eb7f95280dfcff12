// Runs in main (Node): what the inbox keeps beside the messages, in the same device store
// file (network.db): one summary per conversation, drafts, and replies waiting for the end of
// their undo window. The device store opens it on its own connection and folds every new
// message into its summary inside the message's own transaction, so the inbox never scans
// every message and a summary never disagrees with the messages after a crash.
import { type EncryptedDatabase } from '../storage/open-encrypted';

export const INBOX_STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS conversations (
  patient_id TEXT PRIMARY KEY NOT NULL,
  last_at INTEGER NOT NULL,
  preview TEXT NOT NULL,
  last_from_patient INTEGER NOT NULL CHECK (last_from_patient IN (0, 1)),
  unread INTEGER NOT NULL DEFAULT 0 CHECK (unread >= 0),
  waiting_since INTEGER
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_sends (
  message_id TEXT PRIMARY KEY NOT NULL,
  patient_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  send_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS drafts (
  patient_id TEXT PRIMARY KEY NOT NULL,
  text TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;

const PREVIEW_CHARS = 140;
/** One line of at most 140 characters, for the conversation list. */
export const preview = (body: string): string => {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS - 1)}…` : line;
};

export type ConversationSummary = {
  readonly patientId: string;
  readonly lastAt: number;
  readonly preview: string;
  readonly lastFromPatient: boolean;
  readonly unread: number;
  /** The first patient message no one from the clinic has answered yet. */
  readonly waitingSince: number | null;
  /** The first urgent patient message no one from the clinic has answered yet. */
  readonly urgentSince: number | null;
};

export type PendingSend = { readonly messageId: string; readonly patientId: string; readonly body: string; readonly createdAt: number; readonly sendAt: number };

export type InboxState = {
  conversations(): ConversationSummary[];
  conversation(patientId: string): ConversationSummary | null;
  /** Marks every unread patient message of a conversation read; returns their ids. */
  markConversationRead(conversationId: string, now: number): string[];

  /** Replies waiting for the end of their undo window. */
  addPending(p: PendingSend): void;
  /** Removes a pending message and returns it, or null when it already left (or never was). */
  takePending(messageId: string): PendingSend | null;
  pending(patientId?: string): PendingSend[];

  /** Drafts, one per conversation. */
  draft(patientId: string): string;
  draftPatients(): Set<string>;
  saveDraft(patientId: string, text: string, now: number): void;
};

/** The part the device store calls: fold one new message into its conversation's summary. */
export type InboxSummaries = {
  summarise(message: { conversationId: string; sentAt: number; body: string; fromPatient: boolean; urgent: boolean }): void;
};

type SummaryRow = { patient_id: string; last_at: number; preview: string; last_from_patient: number; unread: number; waiting_since: number | null; urgent_since: number | null };
const toSummary = (r: SummaryRow): ConversationSummary => ({
  patientId: r.patient_id,
  lastAt: r.last_at,
  preview: r.preview,
  lastFromPatient: r.last_from_patient === 1,
  unread: r.unread,
  waitingSince: r.waiting_since,
  urgentSince: r.urgent_since,
});
type PendingRow = { message_id: string; patient_id: string; body: string; created_at: number; send_at: number };
const toPending = (row: PendingRow): PendingSend => ({ messageId: row.message_id, patientId: row.patient_id, body: row.body, createdAt: row.created_at, sendAt: row.send_at });

/** The inbox state over the device store's connection (its tables already created). */
export function inboxStateOn(db: EncryptedDatabase): InboxState & InboxSummaries {
  const getConversation = db.prepare<[string], { last_at: number; waiting_since: number | null; urgent_since: number | null; unread: number }>(
    'SELECT last_at, waiting_since, urgent_since, unread FROM conversations WHERE patient_id = ?',
  );
  const putConversation = db.prepare(
    `INSERT INTO conversations (patient_id, last_at, preview, last_from_patient, unread, waiting_since, urgent_since)
     VALUES (@patientId, @lastAt, @preview, @lastFromPatient, @unread, @waitingSince, @urgentSince)
     ON CONFLICT (patient_id) DO UPDATE SET last_at = excluded.last_at, preview = excluded.preview, last_from_patient = excluded.last_from_patient,
       unread = excluded.unread, waiting_since = excluded.waiting_since, urgent_since = excluded.urgent_since`,
  );
  const bumpOlder = db.prepare('UPDATE conversations SET unread = unread + ?, waiting_since = ?, urgent_since = ? WHERE patient_id = ?');
  /** A patient's message starts (or keeps) the wait; a clinic answer sent after it ends it. */
  const wait = (since: number | null, m: { sentAt: number; fromPatient: boolean }, counts: boolean): number | null => {
    if (m.fromPatient) return counts ? (since === null ? m.sentAt : Math.min(since, m.sentAt)) : since;
    return since !== null && m.sentAt >= since ? null : since;
  };

  return {
    summarise(m) {
      const c = getConversation.get(m.conversationId);
      const newest = !c || m.sentAt >= c.last_at;
      const waitingSince = wait(c?.waiting_since ?? null, m, true);
      const urgentSince = wait(c?.urgent_since ?? null, m, m.urgent);
      if (c && !newest) {
        bumpOlder.run(m.fromPatient ? 1 : 0, waitingSince, urgentSince, m.conversationId);
        return;
      }
      putConversation.run({
        patientId: m.conversationId,
        lastAt: m.sentAt,
        preview: preview(m.body),
        lastFromPatient: m.fromPatient ? 1 : 0,
        unread: (c?.unread ?? 0) + (m.fromPatient ? 1 : 0),
        waitingSince,
        urgentSince,
      });
    },

    conversations() {
      return db.prepare<[], SummaryRow>('SELECT * FROM conversations').all().map(toSummary);
    },
    conversation(patientId) {
      const row = db.prepare<[string], SummaryRow>('SELECT * FROM conversations WHERE patient_id = ?').get(patientId);
      return row ? toSummary(row) : null;
    },
    markConversationRead(conversationId, now) {
      return db
        .transaction(() => {
          const ids = db
            .prepare<[number, string], { message_id: string }>('UPDATE messages SET read_at = ? WHERE conversation_id = ? AND from_patient = 1 AND read_at IS NULL RETURNING message_id')
            .all(now, conversationId)
            .map((r) => r.message_id);
          db.prepare('UPDATE conversations SET unread = 0 WHERE patient_id = ?').run(conversationId);
          return ids;
        })
        .immediate();
    },

    addPending(p) {
      db.prepare('INSERT INTO pending_sends (message_id, patient_id, body, created_at, send_at) VALUES (?, ?, ?, ?, ?)').run(p.messageId, p.patientId, p.body, p.createdAt, p.sendAt);
    },
    takePending(messageId) {
      const row = db.prepare<[string], PendingRow>('DELETE FROM pending_sends WHERE message_id = ? RETURNING *').get(messageId);
      return row ? toPending(row) : null;
    },
    pending(patientId) {
      const rows =
        patientId === undefined
          ? db.prepare<[], PendingRow>('SELECT * FROM pending_sends ORDER BY send_at, created_at').all()
          : db.prepare<[string], PendingRow>('SELECT * FROM pending_sends WHERE patient_id = ? ORDER BY send_at').all(patientId);
      return rows.map(toPending);
    },

    draft(patientId) {
      return db.prepare<[string], { text: string }>('SELECT text FROM drafts WHERE patient_id = ?').get(patientId)?.text ?? '';
    },
    draftPatients() {
      return new Set(db.prepare<[], { patient_id: string }>('SELECT patient_id FROM drafts').all().map((r) => r.patient_id));
    },
    saveDraft(patientId, text, now) {
      if (text.trim().length === 0) db.prepare('DELETE FROM drafts WHERE patient_id = ?').run(patientId);
      else db.prepare('INSERT INTO drafts (patient_id, text, updated_at) VALUES (?, ?, ?) ON CONFLICT (patient_id) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at').run(patientId, text, now);
    },
  };
}
