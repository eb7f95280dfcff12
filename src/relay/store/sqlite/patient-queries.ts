// Patients' rows: the signed consent versions (newest wins), the withdrawals patients made
// from their own devices, and the newest patient card of each patient.
import { type ConsentRecord, type RelayStore, StoreConflictError } from '../relay-store';
import { type Connection } from './connection';
import { type ConsentRow } from './rows';

type PatientStore = Pick<RelayStore, 'getConsent' | 'putPatientWithdrawal' | 'putCard' | 'listCards' | 'listPatientWithdrawals' | 'listConsents' | 'putConsent'>;

export function patientQueries({ db, write, ensureOpen }: Connection): PatientStore {
  const q = {
    newestConsent: db.prepare<[string], ConsentRow>(
      'SELECT patient_id, version, status_json, stored_at FROM consents WHERE patient_id = ? ORDER BY version DESC LIMIT 1',
    ),
    newestConsents: db.prepare<[], ConsentRow>(
      `SELECT patient_id, version, status_json, stored_at FROM consents AS c
       WHERE version = (SELECT max(version) FROM consents WHERE patient_id = c.patient_id) ORDER BY patient_id`,
    ),
    insertConsent: db.prepare('INSERT INTO consents (patient_id, version, status_json, stored_at) VALUES (?, ?, ?, ?)'),
  };

  return {
    async getConsent(patientId: string) {
      ensureOpen();
      const row = q.newestConsent.get(patientId);
      return row ? { patientId: row.patient_id, version: row.version, statusJson: row.status_json, storedAt: row.stored_at } : null;
    },
    async putPatientWithdrawal(w: { patientId: string; requestedAt: number; withdrawalJson: string }) {
      ensureOpen();
      write(() =>
        db
          .prepare(
            `INSERT INTO patient_withdrawals (patient_id, requested_at, withdrawal_json) VALUES (?, ?, ?)
             ON CONFLICT (patient_id) DO UPDATE SET requested_at = excluded.requested_at, withdrawal_json = excluded.withdrawal_json
             WHERE excluded.requested_at > patient_withdrawals.requested_at`,
          )
          .run(w.patientId, w.requestedAt, w.withdrawalJson),
      );
    },
    async putCard(card: { patientId: string; sentAt: number; cardJson: string }) {
      ensureOpen();
      return write(() => {
        const existing = db.prepare('SELECT sent_at FROM patient_cards WHERE patient_id = ?').get(card.patientId) as { sent_at: number } | undefined;
        if (existing && existing.sent_at > card.sentAt) return null;
        const next = ((db.prepare('SELECT max(card_seq) AS n FROM patient_cards').get() as { n: number | null }).n ?? 0) + 1;
        db.prepare(
          `INSERT INTO patient_cards (patient_id, card_seq, sent_at, card_json) VALUES (?, ?, ?, ?)
           ON CONFLICT (patient_id) DO UPDATE SET card_seq = excluded.card_seq, sent_at = excluded.sent_at, card_json = excluded.card_json`,
        ).run(card.patientId, next, card.sentAt, card.cardJson);
        return { cardSeq: next, replaced: existing !== undefined };
      });
    },
    async listCards(after: number, limit: number) {
      ensureOpen();
      const rows = db.prepare('SELECT card_seq, patient_id, card_json FROM patient_cards WHERE card_seq > ? ORDER BY card_seq LIMIT ?').all(after, limit) as {
        card_seq: number;
        patient_id: string;
        card_json: string;
      }[];
      return rows.map((r) => ({ cardSeq: r.card_seq, patientId: r.patient_id, cardJson: r.card_json }));
    },
    async listPatientWithdrawals(patientId?: string) {
      ensureOpen();
      const rows = (
        patientId === undefined
          ? db.prepare('SELECT patient_id, requested_at, withdrawal_json FROM patient_withdrawals ORDER BY patient_id').all()
          : db.prepare('SELECT patient_id, requested_at, withdrawal_json FROM patient_withdrawals WHERE patient_id = ?').all(patientId)
      ) as { patient_id: string; requested_at: number; withdrawal_json: string }[];
      return rows.map((r) => ({ patientId: r.patient_id, requestedAt: r.requested_at, withdrawalJson: r.withdrawal_json }));
    },
    async listConsents() {
      ensureOpen();
      return q.newestConsents.all().map((row) => ({ patientId: row.patient_id, version: row.version, statusJson: row.status_json, storedAt: row.stored_at }));
    },
    async putConsent(consent: ConsentRecord) {
      ensureOpen();
      write(() => {
        const newest = q.newestConsent.get(consent.patientId);
        if (newest && consent.version <= newest.version) {
          throw new StoreConflictError(`Consent version ${consent.version} is not newer than ${newest.version}.`);
        }
        q.insertConsent.run(consent.patientId, consent.version, consent.statusJson, consent.storedAt);
      });
    },
  };
}
