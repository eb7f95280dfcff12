// Devices and how they join: staff invites (redeemed, then certified by the root holder),
// patient enrollments (redeemed by the patient's device), and removals. No two devices share
// an id or a signing key.
import { type DeviceRecord, type RelayStore, StoreConflictError } from '../relay-store';
import { type Connection } from './connection';
import { type DeviceRow, type EnrollmentRow, type InviteRow, bytesIn, deviceOf, enrollmentOf, inviteOf } from './rows';

type DeviceStore = Pick<
  RelayStore,
  | 'putDevice'
  | 'getDevice'
  | 'listDevices'
  | 'revokeDevice'
  | 'putInvite'
  | 'getInvite'
  | 'redeemInvite'
  | 'markInviteCertified'
  | 'listRedeemedInvites'
  | 'putEnrollment'
  | 'getEnrollment'
  | 'redeemEnrollment'
  | 'endEnrollment'
>;

export function deviceQueries({ db, write, ensureOpen }: Connection): DeviceStore {
  const q = {
    getDevice: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?'),
    deviceBySigningKey: db.prepare<[Buffer], { device_id: string }>('SELECT device_id FROM devices WHERE signing_key = ?'),
    listDevices: db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY created_at, rowid'),
    insertDevice: db.prepare(
      `INSERT INTO devices (device_id, kind, role, staff_id, patient_id, signing_key, box_key, proof_json, created_at, revoked_at, revocation_json)
       VALUES (@deviceId, @kind, @role, @staffId, @patientId, @signingKey, @boxKey, @proofJson, @createdAt, @revokedAt, @revocationJson)`,
    ),
    revokeDevice: db.prepare('UPDATE devices SET revoked_at = ?, revocation_json = ? WHERE device_id = ? AND revoked_at IS NULL'),

    getInvite: db.prepare<[string], InviteRow>('SELECT * FROM invites WHERE invite_id = ?'),
    insertInvite: db.prepare('INSERT INTO invites (invite_id, invite_json, expires_at, created_at) VALUES (?, ?, ?, ?)'),
    redeemInvite: db.prepare(
      'UPDATE invites SET device_id = ?, redemption_json = ?, redeemed_at = ? WHERE invite_id = ? AND redeemed_at IS NULL',
    ),
    certifyInvite: db.prepare(
      'UPDATE invites SET certified_at = ? WHERE invite_id = ? AND redeemed_at IS NOT NULL AND certified_at IS NULL',
    ),
    listRedeemedInvites: db.prepare<[], InviteRow>(
      'SELECT * FROM invites WHERE redeemed_at IS NOT NULL AND certified_at IS NULL ORDER BY redeemed_at, rowid',
    ),

    getEnrollment: db.prepare<[string], EnrollmentRow>('SELECT * FROM enrollments WHERE enrollment_id = ?'),
    insertEnrollment: db.prepare(
      'INSERT INTO enrollments (enrollment_id, patient_id, record_json, expires_at, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    redeemEnrollment: db.prepare(
      'UPDATE enrollments SET redeemed_at = ?, device_id = ? WHERE enrollment_id = ? AND redeemed_at IS NULL',
    ),
    endEnrollment: db.prepare('UPDATE enrollments SET expires_at = MIN(expires_at, ?) WHERE enrollment_id = ? AND patient_id = ? AND redeemed_at IS NULL'),
    endShortCode: db.prepare("UPDATE short_codes SET expires_at = MIN(expires_at, ?) WHERE kind = 'enrollment' AND target_id = ?"),
  };

  const insertDevice = (device: DeviceRecord): void => {
    if (q.getDevice.get(device.deviceId)) throw new StoreConflictError('A device with this id is already known.');
    if (q.deviceBySigningKey.get(bytesIn(device.signingKey))) throw new StoreConflictError('A device with this signing key is already known.');
    q.insertDevice.run({
      deviceId: device.deviceId,
      kind: device.kind,
      role: device.role,
      staffId: device.staffId,
      patientId: device.patientId,
      signingKey: bytesIn(device.signingKey),
      boxKey: bytesIn(device.boxKey),
      proofJson: device.proofJson,
      createdAt: device.createdAt,
      revokedAt: device.revokedAt,
      revocationJson: device.revocationJson,
    });
  };

  return {
    async putDevice(device: DeviceRecord) {
      ensureOpen();
      write(() => insertDevice(device));
    },
    async getDevice(deviceId: string) {
      ensureOpen();
      const row = q.getDevice.get(deviceId);
      return row ? deviceOf(row) : null;
    },
    async listDevices() {
      ensureOpen();
      return q.listDevices.all().map(deviceOf);
    },
    async revokeDevice(deviceId: string, revocationJson: string, at: number) {
      ensureOpen();
      return write(() => q.revokeDevice.run(at, revocationJson, deviceId).changes === 1);
    },

    async putInvite(invite) {
      ensureOpen();
      write(() => {
        if (q.getInvite.get(invite.inviteId)) throw new StoreConflictError('An invite with this id already exists.');
        q.insertInvite.run(invite.inviteId, invite.inviteJson, invite.expiresAt, invite.createdAt);
      });
    },
    async getInvite(inviteId: string) {
      ensureOpen();
      const row = q.getInvite.get(inviteId);
      return row ? inviteOf(row) : null;
    },
    async redeemInvite(inviteId: string, deviceId: string, redemptionJson: string, at: number) {
      ensureOpen();
      return write(() => q.redeemInvite.run(deviceId, redemptionJson, at, inviteId).changes === 1);
    },
    async markInviteCertified(inviteId: string, at: number) {
      ensureOpen();
      return write(() => q.certifyInvite.run(at, inviteId).changes === 1);
    },
    async listRedeemedInvites() {
      ensureOpen();
      return q.listRedeemedInvites.all().map(inviteOf);
    },

    async putEnrollment(enrollment) {
      ensureOpen();
      write(() => {
        if (q.getEnrollment.get(enrollment.enrollmentId)) throw new StoreConflictError('An enrollment with this id already exists.');
        q.insertEnrollment.run(enrollment.enrollmentId, enrollment.patientId, enrollment.recordJson, enrollment.expiresAt, enrollment.createdAt);
      });
    },
    async getEnrollment(enrollmentId: string) {
      ensureOpen();
      const row = q.getEnrollment.get(enrollmentId);
      return row ? enrollmentOf(row) : null;
    },
    async endEnrollment(enrollmentId: string, patientId: string, at: number) {
      ensureOpen();
      return write(() => {
        const ended = q.endEnrollment.run(at, enrollmentId, patientId).changes === 1;
        if (ended) q.endShortCode.run(at, enrollmentId);
        return ended;
      });
    },
    async redeemEnrollment(enrollmentId: string, device: DeviceRecord, at: number) {
      ensureOpen();
      return write(() => {
        const enrollment = q.getEnrollment.get(enrollmentId);
        if (!enrollment || enrollment.redeemed_at !== null) return false;
        // Throws StoreConflictError before anything is written; the transaction rolls back.
        insertDevice(device);
        if (q.redeemEnrollment.run(at, device.deviceId, enrollmentId).changes !== 1) {
          throw new Error('The enrollment changed during its redemption.');
        }
        return true;
      });
    },
  };
}
