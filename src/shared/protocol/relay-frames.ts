// Runs anywhere: the relay's frame types (ADR 10, "Transport"), shared by the relay, the
// desktop app and the patient portal. A request is `{ v: 1, id, type, body }`; its answer
// is `{ v: 1, re: id, ok: true, body }` or `{ v: 1, re, ok: false, error: { code, message } }`.
// The relay also pushes `{ v: 1, push: 'sync' | 'directory' | 'alerts', body: { relaySeq } }`: a hint
// that there is something new to fetch, never the data itself.
import { z } from 'zod';

import { signedStaffCertificateSchema } from './certificate';
import {
  consentStatusSchema,
  enrollmentRedemptionSchema,
  enrollmentSchema,
  inviteRedemptionSchema,
  patientWithdrawalSchema,
  recordsEpochSchema,
  relayAuthSchema,
  revocationSchema,
  staffAlertSchema,
  staffInviteSchema,
} from './documents';
import { auditBatchSchema, signedAuditCheckpointSchema } from './audit-log';
import { MAX_ATTACHMENT_CHUNKS, SEALED_CHUNK_BYTES, blobIdSchema } from './attachments';
import { envelopeSchema } from './envelope';
import { base64BytesSchema, idSchema } from './fields';
import { signedClinicPolicySchema } from './policy';
import { lookupIdSchema, shortCodeBundleSchema, shortCodeParamsSchema } from './short-code';
import { signedSchema } from './signed';

export const FRAME_VERSION = 1;
export const MAX_FRAME_BYTES = 256 * 1024;
export const frameIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const signedInviteSchema = signedSchema(staffInviteSchema);
export const signedInviteRedemptionSchema = signedSchema(inviteRedemptionSchema);
export const signedEnrollmentSchema = signedSchema(enrollmentSchema);
export const signedEnrollmentRedemptionSchema = signedSchema(enrollmentRedemptionSchema);
export const signedConsentSchema = signedSchema(consentStatusSchema);
export const signedRecordsEpochSchema = signedSchema(recordsEpochSchema);
export const signedRevocationSchema = signedSchema(revocationSchema);
export const signedRelayAuthSchema = signedSchema(relayAuthSchema);
export const signedPatientWithdrawalSchema = signedSchema(patientWithdrawalSchema);
export const signedStaffAlertSchema = signedSchema(staffAlertSchema);

/** A patient device as any clinic client can verify it: root → issuer certificate → enrollment → redemption. */
export const patientDeviceProofSchema = z.strictObject({ enrollment: signedEnrollmentSchema, redemption: signedEnrollmentRedemptionSchema });

const empty = z.strictObject({});
const clinicInfo = z.strictObject({
  clinicId: idSchema,
  rootPublicKey: base64BytesSchema(32),
  policy: signedClinicPolicySchema.nullable(),
});

/** Each request type: its body, its answer body, and who may send it. */
export const requests = {
  ping: { body: empty, answer: z.strictObject({ type: z.literal('pong'), time: z.number().int() }), who: 'anyone' },
  'clinic.info': { body: empty, answer: z.strictObject({ clinic: clinicInfo.nullable() }), who: 'anyone' },
  'clinic.setup': {
    body: z.strictObject({
      setupToken: z.string().min(1).max(200),
      clinicId: idSchema,
      rootPublicKey: base64BytesSchema(32),
      policy: signedClinicPolicySchema,
      adminCertificate: signedStaffCertificateSchema,
    }),
    answer: empty,
    who: 'anyone',
  },
  'auth.challenge': { body: empty, answer: z.strictObject({ challenge: base64BytesSchema(32) }), who: 'anyone' },
  'auth.login': {
    body: z.strictObject({ proof: signedRelayAuthSchema }),
    answer: z.strictObject({
      deviceId: idSchema,
      kind: z.enum(['staff', 'patient']),
      role: z.string().nullable(),
      patientId: idSchema.nullable(),
    }),
    who: 'anyone',
  },
  'invite.redeem': { body: z.strictObject({ redemption: signedInviteRedemptionSchema }), answer: z.strictObject({ invite: signedInviteSchema }), who: 'anyone' },
  'enroll.redeem': {
    body: z.strictObject({ redemption: signedEnrollmentRedemptionSchema }),
    answer: z.strictObject({ enrollment: signedEnrollmentSchema }),
    who: 'anyone',
  },
  /** A short code's Argon2id parameters and a fresh challenge to sign (ADR 15). */
  'code.challenge': {
    body: z.strictObject({ lookupId: lookupIdSchema }),
    answer: z.strictObject({ challengeId: idSchema, challenge: base64BytesSchema(32), params: shortCodeParamsSchema }),
    who: 'anyone',
  },
  /** The bundle, for a signature of the challenge with the key the short code derives. */
  'code.open': {
    body: z.strictObject({ lookupId: lookupIdSchema, challengeId: idSchema, signature: base64BytesSchema(64) }),
    answer: z.strictObject({ bundle: shortCodeBundleSchema }),
    who: 'anyone',
  },

  'directory.get': {
    body: empty,
    answer: z.strictObject({
      policy: signedClinicPolicySchema.nullable(),
      staff: z.array(signedStaffCertificateSchema).max(2000),
      revocations: z.array(signedRevocationSchema).max(2000),
      patients: z.array(patientDeviceProofSchema).max(100_000),
      consents: z.array(signedConsentSchema).max(100_000),
      /** Withdrawals patients made from their own devices, newest per patient. */
      withdrawals: z.array(signedPatientWithdrawalSchema).max(100_000),
      recordsEpoch: signedRecordsEpochSchema.nullable(),
    }),
    who: 'device',
  },
  'records.get': { body: empty, answer: z.strictObject({ epochs: z.array(signedRecordsEpochSchema).max(10_000) }), who: 'reader' },
  'invite.create': { body: z.strictObject({ invite: signedInviteSchema, short: shortCodeBundleSchema.optional() }), answer: empty, who: 'it-admin' },
  'invite.pending': {
    body: empty,
    answer: z.strictObject({ pending: z.array(z.strictObject({ invite: signedInviteSchema, redemption: signedInviteRedemptionSchema })).max(1000) }),
    who: 'it-admin',
  },
  'device.certify': { body: z.strictObject({ inviteId: idSchema, certificate: signedStaffCertificateSchema }), answer: empty, who: 'it-admin' },
  'device.revoke': { body: z.strictObject({ revocation: signedRevocationSchema }), answer: empty, who: 'it-admin' },
  'records.publish': { body: z.strictObject({ epoch: signedRecordsEpochSchema }), answer: empty, who: 'it-admin' },
  'policy.publish': { body: z.strictObject({ policy: signedClinicPolicySchema }), answer: empty, who: 'it-admin' },
  /** An alert for IT, signed by the staff device that raised it; the same alertId is stored once. */
  'alert.raise': { body: z.strictObject({ alert: signedStaffAlertSchema }), answer: z.strictObject({ stored: z.boolean() }), who: 'staff' },
  /** Alerts newer than `after` (an alertSeq), oldest first. */
  'alert.list': {
    body: z.strictObject({ after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
    answer: z.strictObject({ alerts: z.array(z.strictObject({ alertSeq: z.number().int().min(1), alert: signedStaffAlertSchema })).max(500), more: z.boolean() }),
    who: 'it-admin',
  },
  /** The next part of this device's audit trail (ADR 20): sealed to the IT admins, its head signed. */
  'audit.put': { body: z.strictObject({ batch: auditBatchSchema }), answer: z.strictObject({ leafIndex: z.number().int().min(0) }), who: 'staff' },
  /** Where this device's audit trail resumes: the next sequence number and the hash it follows. */
  'audit.status': { body: empty, answer: z.strictObject({ nextSeq: z.number().int().min(1), prevHash: base64BytesSchema(32) }), who: 'staff' },
  /** Batches after `after` (a batchSeq), with a signed checkpoint, each head's inclusion proof, and the proof the log grew from `knownSize`. */
  'audit.list': {
    body: z.strictObject({
      after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      knownSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      /** Prove against the log as it was at this size (the next pages of one listing). */
      atSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    }),
    answer: z.strictObject({
      batches: z.array(z.strictObject({ batchSeq: z.number().int().min(1), leafIndex: z.number().int().min(0), batch: auditBatchSchema, proof: z.array(base64BytesSchema(32)).max(64) })).max(200),
      checkpoint: signedAuditCheckpointSchema,
      logKey: base64BytesSchema(32),
      consistency: z.array(base64BytesSchema(32)).max(128),
      more: z.boolean(),
    }),
    who: 'it-admin',
  },
  'enroll.create': { body: z.strictObject({ enrollment: signedEnrollmentSchema, consent: signedConsentSchema, short: shortCodeBundleSchema.optional() }), answer: empty, who: 'registrar' },
  'consent.publish': { body: z.strictObject({ consent: signedConsentSchema }), answer: empty, who: 'registrar' },
  /** Ends an unused enrollment code of a patient (a new code replaced it); `ended` false when it was used or unknown. */
  'enroll.end': { body: z.strictObject({ enrollmentId: idSchema, patientId: idSchema }), answer: z.strictObject({ ended: z.boolean() }), who: 'registrar' },
  'consent.withdraw-request': { body: z.strictObject({ withdrawal: signedPatientWithdrawalSchema }), answer: empty, who: 'patient' },
  /**
   * A patient card: the patient's names as the front desk registered them, in an envelope v1
   * with scope `patient-card`, sealed to the records key and to the registrars' devices.
   * The newest card of each patient replaces the older one.
   */
  'card.publish': { body: z.strictObject({ card: envelopeSchema }), answer: z.strictObject({ cardSeq: z.number().int().min(1), replaced: z.boolean() }), who: 'registrar' },
  /** Cards newer than `after` (a cardSeq), oldest first. */
  'card.list': {
    body: z.strictObject({ after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), limit: z.number().int().min(1).max(1000).optional() }),
    answer: z.strictObject({ cards: z.array(z.strictObject({ cardSeq: z.number().int().min(1), card: envelopeSchema })).max(1000), more: z.boolean() }),
    who: 'staff',
  },
  /**
   * A care-team event (ADR 17): an envelope v1 with scope `care-team`, sealed to the records
   * key only, naming no patient. The same eventId is stored once.
   */
  'team.publish': {
    body: z.strictObject({ event: envelopeSchema }),
    answer: z.strictObject({ teamSeq: z.number().int().min(1), duplicate: z.boolean() }),
    who: 'reader',
  },
  /** Care-team events newer than `after` (a teamSeq), oldest first. */
  'team.list': {
    body: z.strictObject({ after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), limit: z.number().int().min(1).max(500).optional() }),
    answer: z.strictObject({ events: z.array(z.strictObject({ teamSeq: z.number().int().min(1), event: envelopeSchema })).max(500), more: z.boolean() }),
    who: 'reader',
  },
  'message.send': {
    body: z.strictObject({ envelope: envelopeSchema }),
    answer: z.strictObject({ seq: z.number().int().min(1), relaySeq: z.number().int().min(1), duplicate: z.boolean() }),
    who: 'writer',
  },
  /**
   * A reminder or a newsletter (scope `reminders` or `newsletters`) from the front desk or an
   * IT admin to one patient: an envelope v1 sealed to the records key and that patient's
   * devices only. The relay refuses it unless the patient's consent in force has the scope.
   */
  'notice.send': {
    body: z.strictObject({ envelope: envelopeSchema }),
    answer: z.strictObject({ seq: z.number().int().min(1), relaySeq: z.number().int().min(1), duplicate: z.boolean() }),
    who: 'registrar',
  },
  /**
   * One ciphertext chunk of an attachment (ADR 19), uploaded before the message that carries
   * its key. The first chunk creates the blob, owned by this device and tied to the patient's
   * conversation; `last` marks the final one. The same bytes again are accepted (a resumed
   * upload). `stored` counts the chunks held from index 0 without a gap.
   */
  'blob.put': {
    body: z.strictObject({
      blobId: blobIdSchema,
      patientId: idSchema,
      index: z.number().int().min(0).max(MAX_ATTACHMENT_CHUNKS - 1),
      chunk: z.string().min(1).max(Math.ceil(SEALED_CHUNK_BYTES / 3) * 4),
      last: z.boolean(),
    }),
    answer: z.strictObject({ stored: z.number().int().min(0), complete: z.boolean() }),
    who: 'writer',
  },
  /** Where an upload resumes: the chunks held from index 0 without a gap. Only the uploader asks. */
  'blob.status': {
    body: z.strictObject({ blobId: blobIdSchema }),
    answer: z.strictObject({ stored: z.number().int().min(0), complete: z.boolean(), sent: z.boolean() }),
    who: 'writer',
  },
  /** One chunk of an attachment whose message was accepted; only who may read that conversation. */
  'blob.get': {
    body: z.strictObject({ blobId: blobIdSchema, index: z.number().int().min(0).max(MAX_ATTACHMENT_CHUNKS - 1) }),
    answer: z.strictObject({ chunk: z.string().max(Math.ceil(SEALED_CHUNK_BYTES / 3) * 4), chunks: z.number().int().min(1) }),
    who: 'writer',
  },
  'receipt.send': {
    body: z.strictObject({ messageId: idSchema, kind: z.enum(['delivered', 'read']) }),
    answer: z.strictObject({ stored: z.boolean() }),
    who: 'writer',
  },
  sync: {
    body: z.strictObject({ after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), limit: z.number().int().min(1).max(500).optional() }),
    answer: z.strictObject({
      items: z.array(
        z.discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('message'), relaySeq: z.number().int().min(1), seq: z.number().int().min(1), envelope: envelopeSchema }),
          z.strictObject({
            kind: z.literal('receipt'),
            relaySeq: z.number().int().min(1),
            messageId: idSchema,
            conversationId: idSchema,
            deviceId: idSchema,
            receipt: z.enum(['delivered', 'read']),
            at: z.number().int().min(0),
          }),
        ]),
      ),
      more: z.boolean(),
    }),
    who: 'writer',
  },
} as const;

export type RequestType = keyof typeof requests;
export type RequestBody<T extends RequestType> = z.input<(typeof requests)[T]['body']>;
export type AnswerBody<T extends RequestType> = z.output<(typeof requests)[T]['answer']>;
export type SyncItem = AnswerBody<'sync'>['items'][number];

/**
 * Who may send a request: `anyone` (before login), `device` (any logged-in device), `staff`
 * (any staff device), `reader` (clinician or IT admin: holders of the records key), `writer`
 * (staff who write, and patients), `registrar` (front desk or IT admin), `it-admin`,
 * `patient`. The relay enforces it once, in its dispatch (src/relay/audience.ts).
 */
export type Audience = (typeof requests)[RequestType]['who'];

export const isRequestType = (type: string): type is RequestType => Object.hasOwn(requests, type);

export const requestFrameSchema = z.strictObject({
  v: z.literal(FRAME_VERSION),
  id: frameIdSchema,
  type: z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/),
  body: z.unknown(),
});

/** Codes a refused request carries; each has a plain-language message beside it. */
export const ANSWER_ERROR_CODES = [
  // transport
  'too-large',
  'not-text',
  'not-json',
  'malformed',
  'unsupported-version',
  'unknown-type',
  'rate-limited',
  'internal',
  // session
  'not-authenticated',
  'forbidden',
  'unknown-device',
  'revoked',
  'pending-approval',
  // clinic
  'not-set-up',
  'already-set-up',
  'bad-token',
  'bad-signature',
  'bad-certificate',
  'wrong-clinic',
  'expired',
  'already-used',
  'not-found',
  /** A short code's proof failed: the code or the date of birth is wrong (never which). */
  'code-or-birth-date',
  /** A short code refused for good after too many failed proofs. */
  'code-refused',
  /** The short code's lookup id is taken: the issuer draws another code. */
  'short-code-taken',
  'conflict',
  'rollback',
  'invalid',
  // delivery
  'no-consent',
  'wrong-patient',
  'stale-records-key',
] as const;
export const answerErrorCodeSchema = z.enum(ANSWER_ERROR_CODES);
export type AnswerErrorCode = z.infer<typeof answerErrorCodeSchema>;

export const answerSchema = z.discriminatedUnion('ok', [
  z.strictObject({ v: z.literal(FRAME_VERSION), re: frameIdSchema.nullable(), ok: z.literal(true), body: z.unknown() }),
  z.strictObject({
    v: z.literal(FRAME_VERSION),
    re: frameIdSchema.nullable(),
    ok: z.literal(false),
    error: z.strictObject({ code: answerErrorCodeSchema, message: z.string().max(300) }),
  }),
]);
export type Answer = z.infer<typeof answerSchema>;

/**
 * `sync`: new messages or receipts up to relaySeq; `directory`: devices, consent, keys or
 * policy changed; `alerts` (IT admins only): a staff device raised an alert.
 */
export const pushSchema = z.strictObject({
  v: z.literal(FRAME_VERSION),
  push: z.enum(['sync', 'directory', 'alerts']),
  body: z.strictObject({ relaySeq: z.number().int().min(0) }),
});
export type Push = z.infer<typeof pushSchema>;

