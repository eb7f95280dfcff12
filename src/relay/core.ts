// What the relay does with a parsed frame (ADR 10). The relay cannot read a message, but it
// checks everything it can before storing or forwarding: the clinic root it was bound to,
// every certificate and signature, who may send what to whom, and consent. Each refusal is
// a typed answer with a plain message that never echoes what the client sent.
import { randomBytes } from 'node:crypto';

import { verifyStaffCertificate, type SignedStaffCertificate, type VerifiedStaffCertificate } from '../shared/protocol/certificate';
import { canonicalBytes } from '../shared/protocol/canonical';
import { clinicRulesSchema } from '../shared/protocol/clinic-rules';
import { consentAllows, type ConsentStatus, effectiveConsent, PREFIX, type RecordsEpoch } from '../shared/protocol/documents';
import { bytesEqual, toBase64 } from '../shared/protocol/encoding';
import { CARD_SCOPE } from '../shared/protocol/patient-card';
import { type Envelope, type EnvelopeError, ENVELOPE_PREFIX, type ParsedEnvelope, parseEnvelope } from '../shared/protocol/envelope';
import { decodeChecked } from '../shared/protocol/fields';
import { verifyClinicPolicy, type PolicyError } from '../shared/protocol/policy';
import {
  type AnswerBody,
  type AnswerErrorCode,
  type RequestType,
  type requests,
  patientDeviceProofSchema,
  signedConsentSchema,
  signedEnrollmentSchema,
  signedInviteRedemptionSchema,
  signedInviteSchema,
  signedPatientWithdrawalSchema,
  signedRecordsEpochSchema,
} from '../shared/protocol/relay-frames';
import { hasValidSignature, type Signed } from '../shared/protocol/signed';
import { signingInput } from '../shared/protocol/canonical';
import { type SodiumApi } from '../shared/protocol/sodium-api';
import { type z } from 'zod';
import { type RelayLogger } from './log';
import { type ClinicBinding, type DeviceRecord, type RelayStore, StoreConflictError, type SyncItem } from './store/relay-store';

/** A refusal the client sees as `{ ok: false, error: { code, message } }`. */
export class RelayRefusal extends Error {
  constructor(
    readonly code: AnswerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RelayRefusal';
  }
}
const refuse = (code: AnswerErrorCode, message: string): never => {
  throw new RelayRefusal(code, message);
};

export type PushKind = 'sync' | 'directory';

/** One connection's view: who it is, once logged in, and how to reach it. */
export type Session = {
  challenge: Uint8Array | null;
  device: DeviceRecord | null;
  /** Sends a push to this connection. */
  readonly push: (kind: PushKind, relaySeq: number) => void;
  /** Closes this connection with a policy code. */
  readonly kick: (reason: string) => void;
};

export type RelayCoreOptions = {
  readonly store: RelayStore;
  readonly sodium: SodiumApi;
  /** Checks a presented setup token (constant time). */
  readonly checkSetupToken: (token: string) => boolean;
  readonly log: RelayLogger;
  readonly now?: () => number;
  /** How far a message's sentAt may be from the relay's clock. */
  readonly clockSkewMs?: number;
};

type Body<T extends RequestType> = z.output<(typeof requests)[T]['body']>;
type Handler<T extends RequestType> = (session: Session, body: Body<T>) => Promise<AnswerBody<T>>;

const READER_ROLES = new Set(['clinician', 'it-admin']);
const REGISTRAR_ROLES = new Set(['front-desk', 'it-admin']);
const DAY = 86_400_000;

const isReader = (device: DeviceRecord): boolean => device.kind === 'staff' && device.revokedAt === null && READER_ROLES.has(device.role ?? '');

export type RelayCore = {
  handle(session: Session, type: RequestType, body: unknown): Promise<unknown>;
  attach(session: Session): void;
  detach(session: Session): void;
};

export function createRelayCore(options: RelayCoreOptions): RelayCore {
  const { store, sodium, log } = options;
  const now = options.now ?? Date.now;
  const skew = options.clockSkewMs ?? DAY;
  const sessions = new Set<Session>();

  const clinicOrRefuse = async (): Promise<ClinicBinding> => (await store.getClinic()) ?? refuse('not-set-up', 'This relay has not been set up for a clinic yet.');

  const verifyCertificate = (binding: ClinicBinding, certificate: unknown): VerifiedStaffCertificate => {
    try {
      return verifyStaffCertificate(sodium, certificate, { rootPublicKey: binding.rootPublicKey, clinicId: binding.clinicId, now: now() });
    } catch (error) {
      const code = (error as { code?: string }).code;
      return refuse(code === 'expired' || code === 'not-yet-valid' ? 'expired' : 'bad-certificate', 'The device certificate is not valid for this clinic.');
    }
  };

  const signedBy = <T>(prefix: string, signed: Signed<T>, key: Uint8Array, what: string): T => {
    if (!hasValidSignature(sodium, prefix, signed, key)) refuse('bad-signature', `The ${what} signature does not verify.`);
    return signed.document;
  };

  const checkClinic = (binding: ClinicBinding, clinicId: string): void => {
    if (clinicId !== binding.clinicId) refuse('wrong-clinic', 'This document belongs to another clinic.');
  };

  /** Re-reads the session's device so a revocation takes effect on the very next frame. */
  const current = async (session: Session): Promise<DeviceRecord> => {
    if (!session.device) return refuse('not-authenticated', 'Log in first.');
    const device = await store.getDevice(session.device.deviceId);
    if (!device || device.revokedAt !== null) {
      session.device = null;
      return refuse('revoked', 'This device was removed from the clinic.');
    }
    session.device = device;
    return device;
  };

  const requireRole = async (session: Session, roles: ReadonlySet<string>, what: string): Promise<DeviceRecord> => {
    const device = await current(session);
    if (device.kind !== 'staff' || !roles.has(device.role ?? '')) refuse('forbidden', `Only ${what} can do this.`);
    return device;
  };

  const notify = (kind: PushKind, relaySeq: number, who: (device: DeviceRecord) => boolean): void => {
    for (const session of sessions) {
      if (session.device && who(session.device)) session.push(kind, relaySeq);
    }
  };
  const notifyDirectory = (): void => notify('directory', 0, () => true);

  const parseJson = <T>(schema: z.ZodType<T>, text: string): T => schema.parse(JSON.parse(text));

  /** The consent in force: the newest status, cancelled by a later withdrawal from the patient's own device. */
  const latestConsent = async (patientId: string): Promise<ConsentStatus | null> => {
    const record = await store.getConsent(patientId);
    const status = record ? parseJson(signedConsentSchema, record.statusJson).document : null;
    const withdrawal = (await store.listPatientWithdrawals(patientId))[0];
    return effectiveConsent(status, withdrawal ? parseJson(signedPatientWithdrawalSchema, withdrawal.withdrawalJson).document : null);
  };

  const latestEpoch = async (): Promise<RecordsEpoch | null> => {
    const record = await store.latestRecordsEpoch();
    return record ? parseJson(signedRecordsEpochSchema, record.epochJson).document : null;
  };

  /** Parses an envelope and checks that `device` signed it. */
  const signedEnvelopeFrom = (device: DeviceRecord, raw: Envelope): ParsedEnvelope => {
    let envelope: ParsedEnvelope;
    try {
      envelope = parseEnvelope(raw);
    } catch (error) {
      return refuse('invalid', `The envelope is not valid (${(error as EnvelopeError).code}).`);
    }
    if (envelope.header.senderDeviceId !== device.deviceId) refuse('forbidden', 'An envelope must be sent by the device that signed it.');
    let signed = false;
    try {
      signed = sodium.crypto_sign_verify_detached(envelope.signature, signingInput(ENVELOPE_PREFIX, envelope.header, envelope.ciphertext), device.signingKey);
    } catch {
      signed = false;
    }
    if (!signed) refuse('bad-signature', 'The signature does not verify.');
    return envelope;
  };

  const handlers: { [T in RequestType]: Handler<T> } = {
    ping: async () => ({ type: 'pong', time: now() }),

    'clinic.info': async () => {
      const binding = await store.getClinic();
      if (!binding) return { clinic: null };
      const policy = await store.getPolicy();
      return {
        clinic: {
          clinicId: binding.clinicId,
          rootPublicKey: toBase64(binding.rootPublicKey),
          policy: policy ? JSON.parse(policy.policyJson) : null,
        },
      };
    },

    'clinic.setup': async (_session, body) => {
      if (await store.getClinic()) refuse('already-set-up', 'This relay already serves a clinic.');
      if (!options.checkSetupToken(body.setupToken)) refuse('bad-token', 'The setup token is not the one this relay printed.');
      const binding: ClinicBinding = { clinicId: body.clinicId, rootPublicKey: decodeChecked(body.rootPublicKey), boundAt: now() };
      try {
        verifyClinicPolicy(sodium, body.policy, { rootPublicKey: binding.rootPublicKey, clinicId: binding.clinicId, knownVersion: 0 });
      } catch (error) {
        refuse('bad-signature', `The clinic policy is not valid (${(error as PolicyError).code}).`);
      }
      if (!clinicRulesSchema.safeParse(body.policy.policy.rules).success) refuse('invalid', 'The clinic’s stated rules are incomplete or not valid.');
      const admin = verifyCertificate(binding, body.adminCertificate);
      if (admin.certificate.role !== 'it-admin') refuse('forbidden', 'The first device must be an IT admin’s.');
      // Idempotent up to the binding, so a setup interrupted half-way can be retried.
      const policy = await store.getPolicy();
      if (!policy) await store.putPolicy({ version: body.policy.policy.version, policyJson: JSON.stringify(body.policy), storedAt: now() });
      const existing = await store.getDevice(admin.certificate.deviceId);
      if (!existing) await store.putDevice(staffDevice(body.adminCertificate, admin));
      await store.bindClinic(binding);
      log.info('clinic.bound');
      return {};
    },

    'auth.challenge': async (session) => {
      session.challenge = new Uint8Array(randomBytes(32));
      return { challenge: toBase64(session.challenge) };
    },

    'auth.login': async (session, body) => {
      const binding = await clinicOrRefuse();
      const challenge = session.challenge;
      session.challenge = null; // one attempt per challenge
      const proof = body.proof.document;
      if (!challenge || !bytesEqual(decodeChecked(proof.challenge), challenge)) refuse('invalid', 'Ask for a new challenge, then sign it.');
      checkClinic(binding, proof.clinicId);
      const device = await store.getDevice(proof.deviceId);
      if (!device) {
        const pending = (await store.listRedeemedInvites()).some((invite) => invite.deviceId === proof.deviceId);
        return refuse(pending ? 'pending-approval' : 'unknown-device', pending ? 'An IT admin has not approved this device yet.' : 'This device is not part of the clinic.');
      }
      if (device.revokedAt !== null) refuse('revoked', 'This device was removed from the clinic.');
      signedBy(PREFIX.relayAuth, body.proof, device.signingKey, 'login');
      if (device.kind === 'staff') verifyCertificate(binding, JSON.parse(device.proofJson));
      session.device = device;
      return { deviceId: device.deviceId, kind: device.kind, role: device.role, patientId: device.patientId };
    },

    'invite.redeem': async (_session, body) => {
      const binding = await clinicOrRefuse();
      const redemption = body.redemption.document;
      checkClinic(binding, redemption.clinicId);
      const invite = (await store.getInvite(redemption.inviteId)) ?? refuse('not-found', 'This invite code is not known to the clinic.');
      const signedInvite = parseJson(signedInviteSchema, invite.inviteJson);
      signedBy(PREFIX.inviteRedemption, body.redemption, decodeChecked(signedInvite.document.inviteKey), 'invite code');
      if (invite.redeemedAt !== null) refuse('already-used', 'This invite code was already used.');
      if (now() >= invite.expiresAt) refuse('expired', 'This invite code has expired; ask for a new one.');
      await uniqueDevice(redemption.deviceId);
      if (!(await store.redeemInvite(invite.inviteId, redemption.deviceId, JSON.stringify(body.redemption), now()))) refuse('already-used', 'This invite code was already used.');
      notify('directory', 0, (d) => d.role === 'it-admin');
      return { invite: signedInvite };
    },

    'enroll.redeem': async (_session, body) => {
      const binding = await clinicOrRefuse();
      const redemption = body.redemption.document;
      checkClinic(binding, redemption.clinicId);
      const enrollment = (await store.getEnrollment(redemption.enrollmentId)) ?? refuse('not-found', 'This enrollment code is not known to the clinic.');
      const signedEnrollment = parseJson(signedEnrollmentSchema, enrollment.recordJson);
      signedBy(PREFIX.enrollmentRedemption, body.redemption, decodeChecked(signedEnrollment.document.enrollmentKey), 'enrollment code');
      if (enrollment.redeemedAt !== null) refuse('already-used', 'This enrollment code was already used.');
      if (now() >= enrollment.expiresAt) refuse('expired', 'This enrollment code has expired; the clinic can print a new one.');
      const consent = await latestConsent(enrollment.patientId);
      if (!consent || consent.activeScopes.length === 0 || (consent.expiresAt !== null && now() >= consent.expiresAt)) {
        refuse('no-consent', 'Consent to message the clinic is not active; the clinic can renew it.');
      }
      const signingKey = decodeChecked(redemption.signingKey);
      await uniqueDevice(redemption.deviceId);
      const device: DeviceRecord = {
        deviceId: redemption.deviceId,
        kind: 'patient',
        role: null,
        staffId: null,
        patientId: enrollment.patientId,
        signingKey,
        boxKey: decodeChecked(redemption.boxKey),
        proofJson: JSON.stringify({ enrollment: signedEnrollment, redemption: body.redemption }),
        createdAt: now(),
        revokedAt: null,
        revocationJson: null,
      };
      const redeemed = await store.redeemEnrollment(enrollment.enrollmentId, device, now()).catch(conflict('A device with this key is already part of the clinic.'));
      if (!redeemed) refuse('already-used', 'This enrollment code was already used.');
      notifyDirectory();
      return { enrollment: signedEnrollment };
    },

    'directory.get': async (session) => {
      const device = await current(session);
      const devices = await store.listDevices();
      const policy = await store.getPolicy();
      const epoch = await store.latestRecordsEpoch();
      const patientView = device.kind === 'patient';
      const staff = devices.filter((d) => d.kind === 'staff' && d.revokedAt === null);
      const patients = devices.filter((d) => d.kind === 'patient' && d.revokedAt === null && (!patientView || d.patientId === device.patientId));
      const revoked = devices.filter((d) => d.revokedAt !== null && d.revocationJson !== null && (d.kind === 'staff' || !patientView || d.patientId === device.patientId));
      // Staff see every patient's consent (a patient may be enrolled before any device connects); a patient only their own.
      const consentRecords = patientView ? [await store.getConsent(device.patientId as string)].filter((r) => r !== null) : await store.listConsents();
      const consents = consentRecords.map((record) => JSON.parse(record.statusJson));
      const withdrawals = (await store.listPatientWithdrawals(patientView ? (device.patientId as string) : undefined)).map((w) => JSON.parse(w.withdrawalJson));
      return {
        policy: policy ? JSON.parse(policy.policyJson) : null,
        staff: staff.map((d) => JSON.parse(d.proofJson) as SignedStaffCertificate),
        revocations: revoked.map((d) => JSON.parse(d.revocationJson as string)),
        patients: patients.map((d) => patientDeviceProofSchema.parse(JSON.parse(d.proofJson))),
        consents,
        withdrawals,
        recordsEpoch: epoch ? JSON.parse(epoch.epochJson) : null,
      };
    },

    'records.get': async (session) => {
      await requireRole(session, READER_ROLES, 'clinicians and IT admins');
      return { epochs: (await store.listRecordsEpochs()).map((e) => JSON.parse(e.epochJson)) };
    },

    'invite.create': async (session, body) => {
      const admin = await requireRole(session, new Set(['it-admin']), 'IT admins');
      const binding = await clinicOrRefuse();
      const invite = signedBy(PREFIX.staffInvite, body.invite, admin.signingKey, 'invite');
      checkClinic(binding, invite.clinicId);
      if (invite.issuedBy !== admin.deviceId) refuse('forbidden', 'An invite must be issued by the device that sends it.');
      if (invite.expiresAt <= now()) refuse('expired', 'This invite is already expired.');
      if (invite.expiresAt - now() > 30 * DAY) refuse('invalid', 'An invite may be valid for 30 days at most.');
      await store.putInvite({ inviteId: invite.inviteId, inviteJson: JSON.stringify(body.invite), expiresAt: invite.expiresAt, createdAt: now() }).catch(conflict('This invite id is already in use.'));
      return {};
    },

    'invite.pending': async (session) => {
      await requireRole(session, new Set(['it-admin']), 'IT admins');
      const pending = await store.listRedeemedInvites();
      return {
        pending: pending.map((invite) => ({
          invite: parseJson(signedInviteSchema, invite.inviteJson),
          redemption: parseJson(signedInviteRedemptionSchema, invite.redemptionJson as string),
        })),
      };
    },

    'device.certify': async (session, body) => {
      await requireRole(session, new Set(['it-admin']), 'IT admins');
      const binding = await clinicOrRefuse();
      const invite = (await store.getInvite(body.inviteId)) ?? refuse('not-found', 'This invite is not known.');
      if (invite.redemptionJson === null) refuse('invalid', 'No device has redeemed this invite yet.');
      if (invite.certifiedAt !== null) refuse('already-used', 'The device for this invite was already approved.');
      const verified = verifyCertificate(binding, body.certificate);
      const offer = parseJson(signedInviteSchema, invite.inviteJson).document;
      const redemption = parseJson(signedInviteRedemptionSchema, invite.redemptionJson as string).document;
      const c = verified.certificate;
      if (c.deviceId !== redemption.deviceId || c.signingKey !== redemption.signingKey || c.boxKey !== redemption.boxKey) {
        refuse('invalid', 'The certificate does not name the keys of the device that redeemed the invite.');
      }
      if (c.role !== offer.role || c.staffId !== offer.staffId) refuse('invalid', 'The certificate does not carry the role and person of the invite.');
      await store.putDevice(staffDevice(body.certificate, verified)).catch(conflict('This device is already part of the clinic.'));
      await store.markInviteCertified(invite.inviteId, now());
      notifyDirectory();
      return {};
    },

    'device.revoke': async (session, body) => {
      await requireRole(session, new Set(['it-admin']), 'IT admins');
      const binding = await clinicOrRefuse();
      const revocation = signedBy(PREFIX.revocation, body.revocation, binding.rootPublicKey, 'revocation (clinic root)');
      checkClinic(binding, revocation.clinicId);
      if (!(await store.getDevice(revocation.deviceId))) refuse('not-found', 'This device is not part of the clinic.');
      if (!(await store.revokeDevice(revocation.deviceId, JSON.stringify(body.revocation), now()))) refuse('already-used', 'This device was already removed.');
      for (const other of sessions) {
        if (other.device?.deviceId === revocation.deviceId) {
          other.device = null;
          other.kick('device revoked');
        }
      }
      log.info('device.revoked');
      notifyDirectory();
      return {};
    },

    'records.publish': async (session, body) => {
      const admin = await requireRole(session, new Set(['it-admin']), 'IT admins');
      const binding = await clinicOrRefuse();
      const epoch = signedBy(PREFIX.recordsEpoch, body.epoch, admin.signingKey, 'records key');
      checkClinic(binding, epoch.clinicId);
      if (epoch.issuedBy !== admin.deviceId) refuse('forbidden', 'A records key must be issued by the device that sends it.');
      const latest = await latestEpoch();
      const expected = latest ? latest.epoch + 1 : 0;
      if (epoch.epoch !== expected) refuse(epoch.epoch < expected ? 'rollback' : 'invalid', `The next records key is epoch ${expected}.`);
      // Sealed to exactly the active clinicians and IT admins: never front desk, patients or revoked devices.
      const readers = new Set((await store.listDevices()).filter(isReader).map((d) => d.deviceId));
      const sealedTo = new Set(epoch.sealed.map((s) => s.deviceId));
      if ([...sealedTo].some((id) => !readers.has(id))) refuse('forbidden', 'A records key may only be given to active clinicians and IT admins.');
      if ([...readers].some((id) => !sealedTo.has(id))) refuse('invalid', 'The records key must be given to every active clinician and IT admin.');
      await store.putRecordsEpoch({ epoch: epoch.epoch, epochJson: JSON.stringify(body.epoch), storedAt: now() }).catch(conflict('Another records key took this epoch first.'));
      notifyDirectory();
      return {};
    },

    'policy.publish': async (session, body) => {
      await requireRole(session, new Set(['it-admin']), 'IT admins');
      const binding = await clinicOrRefuse();
      const held = await store.getPolicy();
      try {
        verifyClinicPolicy(sodium, body.policy, { rootPublicKey: binding.rootPublicKey, clinicId: binding.clinicId, knownVersion: held ? held.version + 1 : 0 });
      } catch (error) {
        const code = (error as PolicyError).code;
        refuse(code === 'rollback' ? 'rollback' : code === 'wrong-clinic' ? 'wrong-clinic' : 'bad-signature', code === 'rollback' ? 'A newer policy is already published.' : 'The policy is not signed by this clinic’s root.');
      }
      if (!clinicRulesSchema.safeParse(body.policy.policy.rules).success) refuse('invalid', 'The clinic’s stated rules are incomplete or not valid.');
      await store.putPolicy({ version: body.policy.policy.version, policyJson: JSON.stringify(body.policy), storedAt: now() }).catch(conflict('A newer policy is already published.'));
      notifyDirectory();
      return {};
    },

    'enroll.create': async (session, body) => {
      const registrar = await requireRole(session, REGISTRAR_ROLES, 'front desk and IT admins');
      const binding = await clinicOrRefuse();
      const enrollment = signedBy(PREFIX.enrollment, body.enrollment, registrar.signingKey, 'enrollment');
      checkClinic(binding, enrollment.clinicId);
      if (enrollment.issuedBy !== registrar.deviceId) refuse('forbidden', 'An enrollment must be issued by the device that sends it.');
      if (enrollment.expiresAt <= now()) refuse('expired', 'This enrollment code is already expired.');
      const consent = body.consent.document;
      if (consent.patientId !== enrollment.patientId) refuse('invalid', 'The consent and the enrollment name different patients.');
      if (consent.activeScopes.length === 0) refuse('no-consent', 'A patient can only be enrolled with at least one active consent.');
      await publishConsent(registrar, binding, body.consent);
      await store
        .putEnrollment({ enrollmentId: enrollment.enrollmentId, patientId: enrollment.patientId, recordJson: JSON.stringify(body.enrollment), expiresAt: enrollment.expiresAt, createdAt: now() })
        .catch(conflict('This enrollment id is already in use.'));
      return {};
    },

    'consent.withdraw-request': async (session, body) => {
      const device = await current(session);
      if (device.kind !== 'patient') refuse('forbidden', 'Only a patient can withdraw their own consent this way.');
      const binding = await clinicOrRefuse();
      const withdrawal = signedBy(PREFIX.patientWithdrawal, body.withdrawal, device.signingKey, 'withdrawal');
      checkClinic(binding, withdrawal.clinicId);
      if (withdrawal.deviceId !== device.deviceId || withdrawal.patientId !== device.patientId) refuse('wrong-patient', 'A patient can only withdraw their own consent.');
      if (Math.abs(withdrawal.requestedAt - now()) > skew) refuse('invalid', 'The request’s time is too far from the relay’s clock; check the device clock.');
      await store.putPatientWithdrawal({ patientId: withdrawal.patientId, requestedAt: withdrawal.requestedAt, withdrawalJson: JSON.stringify(body.withdrawal) });
      log.info('consent.patient-withdrew');
      notifyDirectory();
      return {};
    },

    'consent.publish': async (session, body) => {
      const registrar = await requireRole(session, REGISTRAR_ROLES, 'front desk and IT admins');
      const binding = await clinicOrRefuse();
      await publishConsent(registrar, binding, body.consent);
      return {};
    },

    'card.publish': async (session, body) => {
      const registrar = await requireRole(session, REGISTRAR_ROLES, 'front desk and IT admins');
      const envelope = signedEnvelopeFrom(registrar, body.card);
      const header = envelope.header;
      if (header.scope !== CARD_SCOPE) refuse('invalid', 'A patient card must carry the patient-card scope.');
      if (header.conversationId !== header.patientId) refuse('invalid', 'A patient card is named after its patient.');
      if (Math.abs(header.sentAt - now()) > skew) refuse('invalid', 'The card’s time is too far from the relay’s clock; check the device clock.');
      const epoch = await latestEpoch();
      if (!epoch) refuse('not-set-up', 'The clinic has no records key yet; an IT admin must create one.');
      if (header.recordsEpoch !== epoch?.epoch || !envelope.sealedKeys.has(`records:${epoch.epoch}`)) {
        refuse('stale-records-key', 'The clinic changed its records key; refresh the directory and send again.');
      }
      for (const to of envelope.sealedKeys.keys()) {
        if (to.startsWith('records:')) continue;
        const recipient = await store.getDevice(to);
        if (!recipient || recipient.revokedAt !== null || recipient.kind !== 'staff' || !REGISTRAR_ROLES.has(recipient.role ?? '')) {
          refuse('invalid', 'A patient card is sealed only to the records key and to active front desk or IT admin devices.');
        }
      }
      if (!(await store.getConsent(header.patientId))) refuse('not-found', 'Publish the patient’s consent before their card.');
      const stored = await store.putCard({ patientId: header.patientId, sentAt: header.sentAt, cardJson: JSON.stringify(body.card) });
      if (!stored) return refuse('conflict', 'A newer card of this patient is already stored.');
      log.info('card.stored');
      // A hint to sync (cards are fetched with each sync), not a directory change.
      notify('sync', 0, (d) => d.kind === 'staff');
      return stored;
    },

    'card.list': async (session, body) => {
      const device = await current(session);
      if (device.kind !== 'staff') refuse('forbidden', 'Patient cards are for clinic staff only.');
      const limit = body.limit ?? 500;
      const rows = await store.listCards(body.after, limit + 1);
      return { cards: rows.slice(0, limit).map((r) => ({ cardSeq: r.cardSeq, card: JSON.parse(r.cardJson) as Envelope })), more: rows.length > limit };
    },

    'message.send': async (session, body) => {
      const device = await current(session);
      if (device.kind === 'staff' && !isReader(device)) refuse('forbidden', 'Front desk devices cannot send messages.');
      const envelope = signedEnvelopeFrom(device, body.envelope);
      const header = envelope.header;
      if (header.scope === CARD_SCOPE) refuse('invalid', 'A patient card is not a message.');
      if (header.conversationId !== header.patientId) refuse('invalid', 'In this version each patient has one conversation, named after the patient.');
      if (Math.abs(header.sentAt - now()) > skew) refuse('invalid', 'The message’s time is too far from the relay’s clock; check the device clock.');
      if (device.kind === 'patient' && header.patientId !== device.patientId) refuse('wrong-patient', 'A patient can only write in their own conversation.');

      const epoch = await latestEpoch();
      if (!epoch) refuse('not-set-up', 'The clinic has no records key yet; an IT admin must create one.');
      if (header.recordsEpoch !== epoch?.epoch || !envelope.sealedKeys.has(`records:${epoch.epoch}`)) {
        refuse('stale-records-key', 'The clinic changed its records key; refresh the directory and send again.');
      }
      // Looked up one by one (at most 64): the cost of a message does not grow with the clinic.
      let patientRecipients = 0;
      for (const to of envelope.sealedKeys.keys()) {
        if (to.startsWith('records:')) continue;
        const recipient = await store.getDevice(to);
        if (!recipient || recipient.revokedAt !== null) refuse('invalid', 'A recipient is not an active device of the clinic.');
        if (recipient?.kind === 'patient' && recipient.patientId !== header.patientId) refuse('wrong-patient', 'A message can only reach its own patient.');
        if (recipient?.kind === 'staff' && !isReader(recipient)) refuse('forbidden', 'Front desk devices never receive messages.');
        if (recipient?.kind === 'patient') patientRecipients += 1;
      }
      if (device.kind === 'staff' && patientRecipients === 0) refuse('not-found', 'This message is not sealed to any device of the patient; the patient may not have connected one yet.');
      const consent = await latestConsent(header.patientId);
      if (!consentAllows(consent, header.scope, now())) {
        refuse(
          'no-consent',
          device.kind === 'patient'
            ? 'Messaging is not active for you; please call the clinic.'
            : `This patient has not agreed to "${header.scope}" messages, or has withdrawn or let that consent expire.`,
        );
      }
      const outcome = await store.appendMessage({
        messageId: header.messageId,
        conversationId: header.conversationId,
        patientId: header.patientId,
        senderDeviceId: device.deviceId,
        envelopeJson: JSON.stringify(body.envelope),
        digest: sodium.crypto_generichash(32, canonicalBytes(body.envelope), null),
        receivedAt: now(),
      });
      if (outcome.kind === 'conflict') return refuse('conflict', 'Another message already uses this id.');
      const { message } = outcome;
      if (outcome.kind === 'stored') notify('sync', message.relaySeq, (d) => canSee(d, message.patientId));
      return { seq: message.seq, relaySeq: message.relaySeq, duplicate: outcome.kind === 'duplicate' };
    },

    'receipt.send': async (session, body) => {
      const device = await current(session);
      if (device.kind === 'staff' && !isReader(device)) refuse('forbidden', 'Front desk devices do not receive messages.');
      const message = await store.getMessage(body.messageId);
      if (!message || !canSee(device, message.patientId)) return refuse('not-found', 'This message is not known here.');
      if (message.senderDeviceId === device.deviceId) refuse('invalid', 'A device does not acknowledge its own message.');
      const stored = await store.putReceipt({ messageId: message.messageId, conversationId: message.conversationId, patientId: message.patientId, deviceId: device.deviceId, kind: body.kind, at: now() });
      if (stored) notify('sync', stored.relaySeq, (d) => canSee(d, message.patientId));
      return { stored: stored !== null };
    },

    sync: async (session, body) => {
      const device = await current(session);
      if (device.kind === 'staff' && !isReader(device)) refuse('forbidden', 'Front desk devices do not receive messages.');
      const limit = body.limit ?? 200;
      const items = await store.syncSince(body.after, limit + 1, device.kind === 'patient' ? (device.patientId as string) : undefined);
      return { items: items.slice(0, limit).map(toWire), more: items.length > limit };
    },
  };

  function canSee(device: DeviceRecord, patientId: string): boolean {
    return device.kind === 'patient' ? device.patientId === patientId : isReader(device);
  }

  function toWire(item: SyncItem): AnswerBody<'sync'>['items'][number] {
    if (item.kind === 'message') return { kind: 'message', relaySeq: item.message.relaySeq, seq: item.message.seq, envelope: JSON.parse(item.message.envelopeJson) };
    const r = item.receipt;
    return { kind: 'receipt', relaySeq: r.relaySeq, messageId: r.messageId, conversationId: r.conversationId, deviceId: r.deviceId, receipt: r.kind, at: r.at };
  }

  function staffDevice(certificate: SignedStaffCertificate, verified: VerifiedStaffCertificate): DeviceRecord {
    const c = verified.certificate;
    return {
      deviceId: c.deviceId,
      kind: 'staff',
      role: c.role,
      staffId: c.staffId,
      patientId: null,
      signingKey: verified.signingKey,
      boxKey: verified.boxKey,
      proofJson: JSON.stringify(certificate),
      createdAt: now(),
      revokedAt: null,
      revocationJson: null,
    };
  }

  /** The store also refuses a second device with the same signing key when it is written. */
  async function uniqueDevice(deviceId: string): Promise<void> {
    if (await store.getDevice(deviceId)) refuse('conflict', 'A device with this id is already part of the clinic.');
  }

  async function publishConsent(registrar: DeviceRecord, binding: ClinicBinding, signed: Signed<ConsentStatus>): Promise<void> {
    const consent = signedBy(PREFIX.consentStatus, signed, registrar.signingKey, 'consent');
    checkClinic(binding, consent.clinicId);
    if (consent.issuedBy !== registrar.deviceId) refuse('forbidden', 'A consent status must be issued by the device that sends it.');
    const held = await store.getConsent(consent.patientId);
    if (held && consent.version <= held.version) refuse('rollback', `A newer consent (version ${held.version}) is already recorded for this patient.`);
    await store.putConsent({ patientId: consent.patientId, version: consent.version, statusJson: JSON.stringify(signed), storedAt: now() }).catch(conflict('A newer consent is already recorded.'));
    notifyDirectory();
  }

  function conflict(message: string) {
    return (error: unknown): never => {
      if (error instanceof StoreConflictError) refuse('conflict', message);
      throw error;
    };
  }

  return {
    async handle(session, type, body) {
      const handler = handlers[type] as Handler<RequestType>;
      return handler(session, body as never);
    },
    attach(session) {
      sessions.add(session);
    },
    detach(session) {
      sessions.delete(session);
    },
  };
}
