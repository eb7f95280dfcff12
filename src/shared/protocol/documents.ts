// Runs anywhere: the signed documents of the clinic network (ADR 10). Each has its own
// signing prefix and its own signer:
//   staff invite          an IT admin device        staff-invite/v1
//   invite redemption     the invite code's key     invite-redemption/v1
//   enrollment            a front-desk or IT admin  enrollment/v1
//   enrollment redemption the enrollment code's key enrollment-redemption/v1
//   consent status        a front-desk or IT admin  consent-status/v1
//   records epoch         an IT admin device        records-epoch/v1
//   revocation            the clinic root           revocation/v1
//   relay login           the device itself         relay-auth/v1
import { z } from 'zod';

import { staffRoles } from '../roles';
import { toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema, decodeChecked, idSchema, timestampSchema } from './fields';
import { MAX_PORTAL_FILES, portalPathSchema } from './portal-files';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export const PREFIX = {
  staffInvite: 'clinic-messenger/staff-invite/v1',
  inviteRedemption: 'clinic-messenger/invite-redemption/v1',
  enrollment: 'clinic-messenger/enrollment/v1',
  enrollmentRedemption: 'clinic-messenger/enrollment-redemption/v1',
  consentStatus: 'clinic-messenger/consent-status/v1',
  recordsEpoch: 'clinic-messenger/records-epoch/v1',
  revocation: 'clinic-messenger/revocation/v1',
  relayAuth: 'clinic-messenger/relay-auth/v1',
  patientWithdrawal: 'clinic-messenger/patient-withdrawal/v1',
  staffAlert: 'clinic-messenger/staff-alert/v1',
} as const;

/** What a patient can consent to, one scope at a time (DOMAIN.md: separate opt-ins). */
export const consentScopes = ['clinical', 'reminders', 'newsletters', 'attachments'] as const;
export type ConsentScope = (typeof consentScopes)[number];
export const consentScopeSchema = z.enum(consentScopes);

const key32 = base64BytesSchema(32);
/** A 32-byte secret sealed with crypto_box_seal: 32 + 48 bytes. */
const sealedSecret = base64BytesSchema(80);

const deviceKeysFields = { deviceId: idSchema, signingKey: key32, boxKey: key32 };

export const staffInviteSchema = z
  .strictObject({
    v: z.literal(1),
    clinicId: idSchema,
    inviteId: idSchema,
    staffId: idSchema,
    role: z.enum(staffRoles),
    /** Display name of the person invited, as the IT admin typed it. */
    displayName: z.string().trim().min(1).max(200),
    inviteKey: key32,
    issuedBy: idSchema,
    issuedAt: timestampSchema,
    expiresAt: timestampSchema,
  })
  .refine((d) => d.expiresAt > d.issuedAt, { message: 'expiresAt must be after issuedAt', path: ['expiresAt'] });
export type StaffInvite = z.infer<typeof staffInviteSchema>;

export const inviteRedemptionSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  inviteId: idSchema,
  ...deviceKeysFields,
  redeemedAt: timestampSchema,
});
export type InviteRedemption = z.infer<typeof inviteRedemptionSchema>;

export const enrollmentSchema = z
  .strictObject({
    v: z.literal(1),
    clinicId: idSchema,
    enrollmentId: idSchema,
    patientId: idSchema,
    enrollmentKey: key32,
    issuedBy: idSchema,
    issuedAt: timestampSchema,
    expiresAt: timestampSchema,
  })
  .refine((d) => d.expiresAt > d.issuedAt, { message: 'expiresAt must be after issuedAt', path: ['expiresAt'] });
export type Enrollment = z.infer<typeof enrollmentSchema>;

export const enrollmentRedemptionSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  enrollmentId: idSchema,
  ...deviceKeysFields,
  redeemedAt: timestampSchema,
});
export type EnrollmentRedemption = z.infer<typeof enrollmentRedemptionSchema>;

export const consentStatusSchema = z
  .strictObject({
    v: z.literal(1),
    clinicId: idSchema,
    patientId: idSchema,
    /** 1, 2, 3…: each change is a new version; the highest wins everywhere. */
    version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    /** The scopes the patient agreed to and has not withdrawn. Empty: withdrawn. */
    activeScopes: z.array(consentScopeSchema).max(consentScopes.length),
    /** After this time no scope is active until renewed; null: no expiry. */
    expiresAt: timestampSchema.nullable(),
    issuedBy: idSchema,
    issuedAt: timestampSchema,
  })
  .refine((d) => new Set(d.activeScopes).size === d.activeScopes.length, { message: 'a scope is listed twice', path: ['activeScopes'] });
export type ConsentStatus = z.infer<typeof consentStatusSchema>;

/**
 * A patient withdrawing consent themselves, from their own device (DOMAIN.md, clause 13).
 * Signed by that patient device; it overrides every consent status issued before it, until
 * the front desk records a new consent.
 */
export const patientWithdrawalSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  patientId: idSchema,
  deviceId: idSchema,
  requestedAt: timestampSchema,
});
export type PatientWithdrawal = z.infer<typeof patientWithdrawalSchema>;

/** The consent in force: a patient's own withdrawal cancels any status issued before it. */
export function effectiveConsent(status: ConsentStatus | null, withdrawal: PatientWithdrawal | null): ConsentStatus | null {
  if (!status || !withdrawal || withdrawal.requestedAt < status.issuedAt) return status;
  return { ...status, activeScopes: [] };
}

/** Whether staff may message this patient in `scope` at `now`, according to a verified status. */
export function consentAllows(status: ConsentStatus | null, scope: string, now: number): boolean {
  if (!status) return false;
  if (status.expiresAt !== null && now >= status.expiresAt) return false;
  return (status.activeScopes as readonly string[]).includes(scope);
}

export const recordsEpochSchema = z
  .strictObject({
    v: z.literal(1),
    clinicId: idSchema,
    epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The records key's X25519 public key: what every envelope seals its content key to. */
    publicKey: key32,
    /** The records key's secret, sealed to each clinician and IT admin device. */
    sealed: z.array(z.strictObject({ deviceId: idSchema, key: sealedSecret })).min(1).max(512),
    /**
     * The previous epoch's secret sealed to this epoch's public key (null for epoch 0): whoever
     * holds an epoch can walk back to the first one, so a new clinician's device reads the whole
     * record, while a revoked device never receives an epoch issued after its revocation.
     */
    previous: sealedSecret.nullable(),
    issuedBy: idSchema,
    issuedAt: timestampSchema,
  })
  .refine((d) => new Set(d.sealed.map((s) => s.deviceId)).size === d.sealed.length, { message: 'a device is listed twice', path: ['sealed'] });
export type RecordsEpoch = z.infer<typeof recordsEpochSchema>;

export const revocationReasons = ['lost', 'stolen', 'left', 'replaced', 'other'] as const;
export const revocationSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  deviceId: idSchema,
  reason: z.enum(revocationReasons),
  revokedAt: timestampSchema,
});
export type Revocation = z.infer<typeof revocationSchema>;

export const relayAuthSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  deviceId: idSchema,
  /** The relay's one-time challenge for this connection. */
  challenge: key32,
});
export type RelayAuth = z.infer<typeof relayAuthSchema>;

export type RecordsKeyErrorCode = 'not-a-recipient' | 'bad-key';
export class RecordsKeyError extends ProtocolError<RecordsKeyErrorCode> {}

export type RecordsRecipient = { readonly deviceId: string; readonly boxKey: Uint8Array };

/**
 * A new records key for `epoch`, its secret sealed to each recipient. The caller signs the
 * document (PREFIX.recordsEpoch) with its IT admin device key and keeps `keyPair` only as
 * long as it is itself a recipient.
 */
export function createRecordsEpoch(
  sodium: SodiumApi,
  fields: {
    readonly clinicId: string;
    readonly epoch: number;
    readonly issuedBy: string;
    readonly issuedAt: number;
    readonly recipients: readonly RecordsRecipient[];
    /** The previous epoch's secret key; required unless epoch is 0. */
    readonly previousSecret: Uint8Array | null;
  },
): { readonly document: RecordsEpoch; readonly keyPair: SodiumKeyPair } {
  if ((fields.epoch === 0) !== (fields.previousSecret === null)) throw new RangeError('Every records epoch after 0 carries the previous secret.');
  const pair = sodium.crypto_box_keypair();
  const document: RecordsEpoch = {
    v: 1,
    clinicId: fields.clinicId,
    epoch: fields.epoch,
    publicKey: toBase64(pair.publicKey),
    sealed: fields.recipients.map((r) => ({ deviceId: r.deviceId, key: toBase64(sodium.crypto_box_seal(pair.privateKey, r.boxKey)) })),
    previous: fields.previousSecret ? toBase64(sodium.crypto_box_seal(fields.previousSecret, pair.publicKey)) : null,
    issuedBy: fields.issuedBy,
    issuedAt: fields.issuedAt,
  };
  return { document, keyPair: { publicKey: pair.publicKey, privateKey: pair.privateKey } };
}

/** Opens this device's copy of a records key. Throws RecordsKeyError. */
export function openRecordsEpoch(sodium: SodiumApi, document: RecordsEpoch, deviceId: string, box: SodiumKeyPair): SodiumKeyPair {
  const mine = document.sealed.find((s) => s.deviceId === deviceId);
  if (!mine) throw new RecordsKeyError('not-a-recipient', 'This device was not given this records key.');
  return checkedPair(sodium, document.publicKey, () => sodium.crypto_box_seal_open(decodeChecked(mine.key), box.publicKey, box.privateKey));
}

/** The previous epoch's key pair, from this epoch's pair and the previous epoch's document. */
export function openPreviousEpoch(sodium: SodiumApi, document: RecordsEpoch, pair: SodiumKeyPair, previous: RecordsEpoch): SodiumKeyPair {
  if (document.previous === null || previous.epoch !== document.epoch - 1) throw new RecordsKeyError('not-a-recipient', 'This records key has no previous epoch to open.');
  const sealed = decodeChecked(document.previous);
  return checkedPair(sodium, previous.publicKey, () => sodium.crypto_box_seal_open(sealed, pair.publicKey, pair.privateKey));
}

function checkedPair(sodium: SodiumApi, publicKeyText: string, open: () => Uint8Array): SodiumKeyPair {
  const publicKey = decodeChecked(publicKeyText);
  let secret: Uint8Array;
  try {
    secret = open();
  } catch {
    throw new RecordsKeyError('bad-key', 'This device’s copy of the records key does not open.');
  }
  // The secret must match the published public key, or an issuer could hand out a key that
  // does not open what others seal to the epoch.
  let derived: Uint8Array;
  try {
    derived = sodium.crypto_scalarmult_base(secret);
  } catch {
    throw new RecordsKeyError('bad-key', 'The records key is not a valid key.');
  }
  if (derived.length !== publicKey.length || derived.some((b, i) => b !== publicKey[i])) {
    secret.fill(0);
    throw new RecordsKeyError('bad-key', 'The records key does not match its public key.');
  }
  return { publicKey, privateKey: secret };
}

/**
 * An alert for the clinic's IT admins, raised and signed by a staff device and kept unread by
 * the relay (ADR 16). It names no patient: only what the device found wrong. Today one kind:
 * the portal the relay serves is not the one the IT admin vouched for.
 */
export const staffAlertSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  alertId: idSchema,
  deviceId: idSchema,
  raisedAt: timestampSchema,
  kind: z.literal('portal-mismatch'),
  /** When the portal that was checked against was vouched for (its policy's `rules.portal`). */
  vouchedAt: timestampSchema,
  differences: z.array(z.strictObject({ path: z.union([portalPathSchema, z.literal('/')]), problem: z.enum(['changed', 'missing']) })).min(1).max(MAX_PORTAL_FILES + 1),
});
export type StaffAlert = z.infer<typeof staffAlertSchema>;
