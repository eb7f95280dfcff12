// Alerts for IT (ADR 16): stored once per alertId, listed in order of arrival.
import { type RelayStore, type StaffAlertRecord } from '../relay-store';
import { type Connection } from './connection';

type AlertStore = Pick<RelayStore, 'putStaffAlert' | 'listStaffAlerts' | 'countStaffAlerts'>;

type Row = { alert_seq: number; alert_id: string; device_id: string; alert_json: string; created_at: number };

const toRecord = (r: Row): StaffAlertRecord => ({ alertSeq: r.alert_seq, alertId: r.alert_id, deviceId: r.device_id, alertJson: r.alert_json, createdAt: r.created_at });

export function alertQueries({ db, write, ensureOpen }: Connection): AlertStore {
  const q = {
    held: db.prepare<[string], { alert_seq: number }>('SELECT alert_seq FROM staff_alerts WHERE alert_id = ?'),
    insert: db.prepare<[string, string, string, number], { alert_seq: number }>('INSERT INTO staff_alerts (alert_id, device_id, alert_json, created_at) VALUES (?, ?, ?, ?) RETURNING alert_seq'),
    list: db.prepare<[number, number], Row>('SELECT * FROM staff_alerts WHERE alert_seq > ? ORDER BY alert_seq LIMIT ?'),
    count: db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM staff_alerts WHERE device_id = ? AND created_at >= ?'),
  };
  return {
    async putStaffAlert(alert) {
      ensureOpen();
      // Looked up first, in the same transaction: a repeat leaves no gap in the sequence.
      const row = write(() => (q.held.get(alert.alertId) ? undefined : q.insert.get(alert.alertId, alert.deviceId, alert.alertJson, alert.createdAt)));
      return row ? { alertSeq: row.alert_seq } : null;
    },
    async listStaffAlerts(after, limit) {
      ensureOpen();
      return q.list.all(after, limit).map(toRecord);
    },
    async countStaffAlerts(deviceId, since) {
      ensureOpen();
      return q.count.get(deviceId, since)?.n ?? 0;
    },
  };
}
