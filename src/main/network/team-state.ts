// Runs in main (Node): the care-team events this device holds (ADR 17), in the same device
// store file as the messages. An event is stored once by id, whether this device wrote it
// (then with its envelope until the relay took it) or received it, and its effect on the
// inbox is applied in the same transaction: a "read" marks the team's read messages read here
// too, a "handled" stops the reply clock of the messages it covers. Assignments, absences and
// names are read back from the events themselves (the newest of each kind wins).
import { type CareTeamEvent, type HandledReason, type SentInErrorReason } from '../../shared/protocol/care-team';
import { type EncryptedDatabase } from '../storage/open-encrypted';

export const TEAM_STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS team_events (
  event_id TEXT PRIMARY KEY NOT NULL,
  sender_device_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  conversation_id TEXT,
  subject_id TEXT,
  event_json TEXT NOT NULL CHECK (json_valid(event_json)),
  envelope_json TEXT CHECK (envelope_json IS NULL OR json_valid(envelope_json)),
  team_seq INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS team_events_by_kind ON team_events (kind, conversation_id, sent_at);
CREATE INDEX IF NOT EXISTS team_events_unsent ON team_events (sent_at) WHERE envelope_json IS NOT NULL;
`;

export type StoredTeamEvent = {
  readonly eventId: string;
  readonly senderDeviceId: string;
  readonly sentAt: number;
  readonly event: CareTeamEvent;
};

export type Assignment = { readonly to: string | null; readonly by: string; readonly at: number };
export type Absence = { readonly until: string; readonly covering: string | null; readonly at: number };
export type HandledMark = { readonly eventId: string; readonly by: string; readonly at: number; readonly upTo: number; readonly reason: HandledReason; readonly note: string };

/** A message of the clinic marked "sent in error" (ADR 20): who marked it, when and why. */
export type SentInErrorMark = {
  readonly eventId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly by: string;
  readonly at: number;
  readonly reason: SentInErrorReason;
  readonly note: string;
};

export type TeamState = {
  /** Stores an event once and applies its effect; false when the id was already held. */
  add(event: StoredTeamEvent, envelopeJson: string | null, teamSeq: number | null): boolean;
  has(eventId: string): boolean;
  /** The relay took an event this device wrote: its envelope is no longer kept. */
  markSent(eventId: string, teamSeq: number): void;
  /** A sealed event to send again to a new records key (or dropped, with `null`, when refused for good). */
  replaceEnvelope(eventId: string, envelopeJson: string | null): void;
  unsent(limit?: number): { eventId: string; envelopeJson: string; event: CareTeamEvent; sentAt: number }[];
  /** The newest assignment of every conversation that has one. */
  assignments(): Map<string, Assignment>;
  assignment(conversationId: string): Assignment | null;
  /** The newest absence of each staff device still marked away (until a date), by device. */
  absences(): Map<string, Absence>;
  /** The newest name IT gave each staff device. */
  names(): Map<string, string>;
  /** "Handled another way" marks of a conversation, oldest first. */
  handled(conversationId: string): HandledMark[];
  /** The "sent in error" marks, of one conversation or of the whole clinic, oldest first (the first mark of a message wins). */
  sentInError(conversationId?: string): SentInErrorMark[];
  /** Assignments of a conversation, oldest first (for its thread). */
  assignmentHistory(conversationId: string): (Assignment & { eventId: string })[];
  /** Applies again the newest read and handled marks of a conversation (a message arrived after them). */
  catchUp(conversationId: string, now: number): void;
};

type Row = { event_id: string; sender_device_id: string; sent_at: number; event_json: string };

/** The team state over the device store's connection (its table already created). */
export function teamStateOn(db: EncryptedDatabase): TeamState {
  const insert = db.prepare(
    `INSERT INTO team_events (event_id, sender_device_id, sent_at, kind, conversation_id, subject_id, event_json, envelope_json, team_seq)
     VALUES (@eventId, @sender, @sentAt, @kind, @conversationId, @subjectId, @eventJson, @envelopeJson, @teamSeq) ON CONFLICT (event_id) DO NOTHING`,
  );
  const markRead = db.prepare('UPDATE messages SET read_at = ? WHERE conversation_id = ? AND from_patient = 1 AND read_at IS NULL AND sent_at <= ?');
  const recount = db.prepare(
    'UPDATE conversations SET unread = (SELECT count(*) FROM messages WHERE conversation_id = @c AND from_patient = 1 AND read_at IS NULL) WHERE patient_id = @c',
  );
  // The messages a "handled" mark covers stop waiting; a patient message after it keeps (or starts) the clock.
  const stopWaiting = db.prepare(
    `UPDATE conversations SET
       waiting_since = CASE WHEN waiting_since IS NOT NULL AND waiting_since <= @upTo
         THEN (SELECT min(sent_at) FROM messages WHERE conversation_id = @c AND from_patient = 1 AND sent_at > @upTo) ELSE waiting_since END,
       urgent_since = CASE WHEN urgent_since IS NOT NULL AND urgent_since <= @upTo
         THEN (SELECT min(sent_at) FROM messages WHERE conversation_id = @c AND from_patient = 1 AND urgent = 1 AND sent_at > @upTo) ELSE urgent_since END
     WHERE patient_id = @c`,
  );
  const newestUpTo = db.prepare<[string, string], { up_to: number | null }>(
    "SELECT max(json_extract(event_json, '$.upTo')) AS up_to FROM team_events WHERE kind = ? AND conversation_id = ?",
  );
  const newestPer = (kind: string, key: 'conversation_id' | 'subject_id'): (Row & { subject: string })[] =>
    db
      .prepare<[string], Row & { subject: string }>(
        `SELECT e.event_id, e.sender_device_id, e.sent_at, e.event_json, e.${key} AS subject FROM team_events AS e
         WHERE e.kind = ? AND e.event_id = (SELECT event_id FROM team_events WHERE kind = e.kind AND ${key} = e.${key} ORDER BY sent_at DESC, event_id DESC LIMIT 1)`,
      )
      .all(kind);
  const parse = (row: Row): CareTeamEvent => JSON.parse(row.event_json) as CareTeamEvent;

  const apply = (event: CareTeamEvent, now: number): void => {
    if (event.kind === 'read') {
      markRead.run(now, event.conversationId, event.upTo);
      recount.run({ c: event.conversationId });
    } else if (event.kind === 'handled') {
      stopWaiting.run({ c: event.conversationId, upTo: event.upTo });
    }
  };

  const toAssignment = (row: Row): Assignment => {
    const e = parse(row);
    return { to: e.kind === 'assign' ? e.to : null, by: row.sender_device_id, at: row.sent_at };
  };

  return {
    add(stored, envelopeJson, teamSeq) {
      const { event } = stored;
      const conversationId = 'conversationId' in event ? event.conversationId : null;
      const subjectId = event.kind === 'away' ? stored.senderDeviceId : event.kind === 'roster' ? event.deviceId : event.kind === 'sent-in-error' ? event.messageId : conversationId;
      return db
        .transaction(() => {
          const inserted =
            insert.run({
              eventId: stored.eventId,
              sender: stored.senderDeviceId,
              sentAt: stored.sentAt,
              kind: event.kind,
              conversationId,
              subjectId,
              eventJson: JSON.stringify(event),
              envelopeJson,
              teamSeq,
            }).changes === 1;
          if (inserted) apply(event, stored.sentAt);
          return inserted;
        })
        .immediate();
    },
    has(eventId) {
      return db.prepare('SELECT 1 FROM team_events WHERE event_id = ?').get(eventId) !== undefined;
    },
    markSent(eventId, teamSeq) {
      db.prepare('UPDATE team_events SET envelope_json = NULL, team_seq = ? WHERE event_id = ?').run(teamSeq, eventId);
    },
    replaceEnvelope(eventId, envelopeJson) {
      db.prepare('UPDATE team_events SET envelope_json = ? WHERE event_id = ?').run(envelopeJson, eventId);
    },
    unsent(limit = 100) {
      return db
        .prepare<[number], Row & { envelope_json: string }>('SELECT event_id, sender_device_id, sent_at, event_json, envelope_json FROM team_events WHERE envelope_json IS NOT NULL ORDER BY sent_at LIMIT ?')
        .all(limit)
        .map((r) => ({ eventId: r.event_id, envelopeJson: r.envelope_json, event: parse(r), sentAt: r.sent_at }));
    },
    assignments() {
      return new Map(newestPer('assign', 'conversation_id').map((row) => [row.subject, toAssignment(row)]));
    },
    assignment(conversationId) {
      const row = db
        .prepare<[string], Row>("SELECT event_id, sender_device_id, sent_at, event_json FROM team_events WHERE kind = 'assign' AND conversation_id = ? ORDER BY sent_at DESC, event_id DESC LIMIT 1")
        .get(conversationId);
      return row ? toAssignment(row) : null;
    },
    absences() {
      const map = new Map<string, Absence>();
      for (const row of newestPer('away', 'subject_id')) {
        const e = parse(row);
        if (e.kind === 'away' && e.until !== null) map.set(row.sender_device_id, { until: e.until, covering: e.covering, at: row.sent_at });
      }
      return map;
    },
    names() {
      const map = new Map<string, string>();
      for (const row of newestPer('roster', 'subject_id')) {
        const e = parse(row);
        if (e.kind === 'roster') map.set(e.deviceId, e.displayName);
      }
      return map;
    },
    handled(conversationId) {
      return db
        .prepare<[string], Row>("SELECT event_id, sender_device_id, sent_at, event_json FROM team_events WHERE kind = 'handled' AND conversation_id = ? ORDER BY sent_at, event_id")
        .all(conversationId)
        .flatMap((row) => {
          const e = parse(row);
          return e.kind === 'handled' ? [{ eventId: row.event_id, by: row.sender_device_id, at: row.sent_at, upTo: e.upTo, reason: e.reason, note: e.note }] : [];
        });
    },
    sentInError(conversationId) {
      const rows = conversationId
        ? db.prepare<[string], Row>("SELECT event_id, sender_device_id, sent_at, event_json FROM team_events WHERE kind = 'sent-in-error' AND conversation_id = ? ORDER BY sent_at, event_id").all(conversationId)
        : db.prepare<[], Row>("SELECT event_id, sender_device_id, sent_at, event_json FROM team_events WHERE kind = 'sent-in-error' ORDER BY sent_at, event_id").all();
      const seen = new Set<string>();
      return rows.flatMap((row) => {
        const e = parse(row);
        if (e.kind !== 'sent-in-error' || seen.has(e.messageId)) return [];
        seen.add(e.messageId);
        return [{ eventId: row.event_id, conversationId: e.conversationId, messageId: e.messageId, by: row.sender_device_id, at: row.sent_at, reason: e.reason, note: e.note }];
      });
    },
    assignmentHistory(conversationId) {
      return db
        .prepare<[string], Row>("SELECT event_id, sender_device_id, sent_at, event_json FROM team_events WHERE kind = 'assign' AND conversation_id = ? ORDER BY sent_at, event_id")
        .all(conversationId)
        .map((row) => ({ ...toAssignment(row), eventId: row.event_id }));
    },
    catchUp(conversationId, now) {
      const read = newestUpTo.get('read', conversationId)?.up_to ?? null;
      const handled = newestUpTo.get('handled', conversationId)?.up_to ?? null;
      if (read === null && handled === null) return;
      db.transaction(() => {
        if (read !== null) apply({ v: 1, kind: 'read', conversationId, upTo: read }, now);
        if (handled !== null) stopWaiting.run({ c: conversationId, upTo: handled });
      }).immediate();
    },
  };
}
