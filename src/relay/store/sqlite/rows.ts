// The relay store's rows as SQLite returns them, and their mapping to the records of the
// RelayStore contract (blobs as Uint8Array, snake_case to camelCase).
import {
  type DeviceKind,
  type DeviceRecord,
  type EnrollmentRecord,
  type InviteRecord,
  type ReceiptKind,
  type StoredMessage,
  type SyncItem,
} from '../relay-store';

export type ClinicRow = { clinic_id: string; root_public_key: Buffer; bound_at: number };
export type PolicyRow = { version: number; policy_json: string; stored_at: number };
export type DeviceRow = {
  device_id: string;
  kind: DeviceKind;
  role: string | null;
  staff_id: string | null;
  patient_id: string | null;
  signing_key: Buffer;
  box_key: Buffer;
  proof_json: string;
  created_at: number;
  revoked_at: number | null;
  revocation_json: string | null;
};
export type InviteRow = {
  invite_id: string;
  invite_json: string;
  expires_at: number;
  created_at: number;
  redemption_json: string | null;
  redeemed_at: number | null;
  device_id: string | null;
  certified_at: number | null;
};
export type EnrollmentRow = {
  enrollment_id: string;
  patient_id: string;
  record_json: string;
  expires_at: number;
  created_at: number;
  redeemed_at: number | null;
  device_id: string | null;
};
export type ConsentRow = { patient_id: string; version: number; status_json: string; stored_at: number };
export type EpochRow = { epoch: number; epoch_json: string; stored_at: number };
export type MessageRow = {
  relay_seq: number;
  message_id: string;
  conversation_id: string;
  seq: number;
  patient_id: string;
  sender_device_id: string;
  envelope_json: string;
  digest: Buffer;
  received_at: number;
};
export type SyncRow = {
  relay_seq: number;
  log_kind: 'message' | 'receipt';
  m_message_id: string | null;
  m_conversation_id: string | null;
  m_seq: number | null;
  m_patient_id: string | null;
  m_sender_device_id: string | null;
  m_envelope_json: string | null;
  m_digest: Buffer | null;
  m_received_at: number | null;
  r_message_id: string | null;
  r_conversation_id: string | null;
  r_patient_id: string | null;
  r_device_id: string | null;
  r_kind: ReceiptKind | null;
  r_at: number | null;
};

export const bytesIn = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
export const bytesOut = (buffer: Buffer): Uint8Array => new Uint8Array(buffer);

export function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    deviceId: row.device_id,
    kind: row.kind,
    role: row.role,
    staffId: row.staff_id,
    patientId: row.patient_id,
    signingKey: bytesOut(row.signing_key),
    boxKey: bytesOut(row.box_key),
    proofJson: row.proof_json,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revocationJson: row.revocation_json,
  };
}

export function inviteOf(row: InviteRow): InviteRecord {
  return {
    inviteId: row.invite_id,
    inviteJson: row.invite_json,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    redemptionJson: row.redemption_json,
    redeemedAt: row.redeemed_at,
    deviceId: row.device_id,
    certifiedAt: row.certified_at,
  };
}

export function enrollmentOf(row: EnrollmentRow): EnrollmentRecord {
  return {
    enrollmentId: row.enrollment_id,
    patientId: row.patient_id,
    recordJson: row.record_json,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    redeemedAt: row.redeemed_at,
    deviceId: row.device_id,
  };
}

export function messageOf(row: MessageRow): StoredMessage {
  return {
    messageId: row.message_id,
    conversationId: row.conversation_id,
    patientId: row.patient_id,
    senderDeviceId: row.sender_device_id,
    envelopeJson: row.envelope_json,
    digest: bytesOut(row.digest),
    receivedAt: row.received_at,
    seq: row.seq,
    relaySeq: row.relay_seq,
  };
}

export function syncItemOf(row: SyncRow): SyncItem {
  if (row.log_kind === 'message' && row.m_message_id !== null && row.m_digest !== null) {
    return {
      kind: 'message',
      message: {
        messageId: row.m_message_id,
        conversationId: String(row.m_conversation_id),
        patientId: String(row.m_patient_id),
        senderDeviceId: String(row.m_sender_device_id),
        envelopeJson: String(row.m_envelope_json),
        digest: bytesOut(row.m_digest),
        receivedAt: Number(row.m_received_at),
        seq: Number(row.m_seq),
        relaySeq: row.relay_seq,
      },
    };
  }
  if (row.log_kind === 'receipt' && row.r_message_id !== null && row.r_kind !== null) {
    return {
      kind: 'receipt',
      receipt: {
        messageId: row.r_message_id,
        conversationId: String(row.r_conversation_id),
        patientId: String(row.r_patient_id),
        deviceId: String(row.r_device_id),
        kind: row.r_kind,
        at: Number(row.r_at),
        relaySeq: row.relay_seq,
      },
    };
  }
  throw new Error(`The relay store's log entry ${row.relay_seq} has no ${row.log_kind}.`);
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && bytesIn(a).equals(bytesIn(b));
