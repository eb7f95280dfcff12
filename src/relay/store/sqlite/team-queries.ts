// Care-team events (ADR 17): stored once per eventId, listed in order of arrival, unread.
import { type RelayStore, type TeamEventOutcome, type TeamEventRecord } from '../relay-store';
import { type Connection } from './connection';
import { bytesIn, sameBytes } from './rows';

type TeamStore = Pick<RelayStore, 'appendTeamEvent' | 'listTeamEvents'>;

type Row = { team_seq: number; event_id: string; sender_device_id: string; envelope_json: string; digest: Buffer; received_at: number };

const toRecord = (r: Row): TeamEventRecord => ({
  teamSeq: r.team_seq,
  eventId: r.event_id,
  senderDeviceId: r.sender_device_id,
  envelopeJson: r.envelope_json,
  digest: new Uint8Array(r.digest),
  receivedAt: r.received_at,
});

export function teamQueries({ db, write, ensureOpen }: Connection): TeamStore {
  const q = {
    held: db.prepare<[string], Row>('SELECT * FROM team_events WHERE event_id = ?'),
    insert: db.prepare<[string, string, string, Buffer, number], { team_seq: number }>(
      'INSERT INTO team_events (event_id, sender_device_id, envelope_json, digest, received_at) VALUES (?, ?, ?, ?, ?) RETURNING team_seq',
    ),
    list: db.prepare<[number, number], Row>('SELECT * FROM team_events WHERE team_seq > ? ORDER BY team_seq LIMIT ?'),
  };
  return {
    async appendTeamEvent(event) {
      ensureOpen();
      return write((): TeamEventOutcome => {
        const held = q.held.get(event.eventId);
        if (held) return sameBytes(held.digest, event.digest) ? { kind: 'duplicate', teamSeq: held.team_seq } : { kind: 'conflict' };
        const row = q.insert.get(event.eventId, event.senderDeviceId, event.envelopeJson, bytesIn(event.digest), event.receivedAt);
        return { kind: 'stored', teamSeq: (row as { team_seq: number }).team_seq };
      });
    },
    async listTeamEvents(after, limit) {
      ensureOpen();
      return q.list.all(after, limit).map(toRecord);
    },
  };
}
