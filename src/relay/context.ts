// What every group of frame handlers shares: the store, the clock, the open sessions and the
// checks that more than one request makes (the clinic binding, certificates, signatures,
// envelopes, the consent and records key in force). Built once per relay by createRelayCore.
import { type z } from 'zod';

import { type SignedStaffCertificate, type VerifiedStaffCertificate, verifyStaffCertificate } from '../shared/protocol/certificate';
import { signingInput } from '../shared/protocol/canonical';
import { type ConsentStatus, PREFIX, type RecordsEpoch, effectiveConsent } from '../shared/protocol/documents';
import { ENVELOPE_PREFIX, type Envelope, type EnvelopeError, type ParsedEnvelope, parseEnvelope } from '../shared/protocol/envelope';
import { type ClinicRules, clinicRulesSchema } from '../shared/protocol/clinic-rules';
import { signedClinicPolicySchema } from '../shared/protocol/policy';
import { type AnswerBody, type RequestType, type requests, signedConsentSchema, signedPatientWithdrawalSchema, signedRecordsEpochSchema } from '../shared/protocol/relay-frames';
import { type Signed, hasValidSignature } from '../shared/protocol/signed';
import { type SodiumApi } from '../shared/protocol/sodium-api';
import { type RelayLogger } from './log';
import { conflict, refuse } from './refusal';
import { type PushKind, type Session } from './session';
import { type ClinicBinding, type DeviceRecord, type RelayStore } from './store/relay-store';

export const DAY = 86_400_000;

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
/** The sender as the dispatch checked it: null only for requests anyone may send. */
type Sender<T extends RequestType> = (typeof requests)[T]['who'] extends 'anyone' ? null : DeviceRecord;
export type Call<T extends RequestType> = { readonly session: Session; readonly body: Body<T>; readonly device: Sender<T> };
export type Handler<T extends RequestType> = (call: Call<T>) => Promise<AnswerBody<T>>;
export type Handlers<K extends RequestType> = { [T in K]: Handler<T> };

export type RelayContext = ReturnType<typeof createRelayContext>;

export function createRelayContext(options: RelayCoreOptions) {
  const { store, sodium, log } = options;
  const now = options.now ?? Date.now;
  const skew = options.clockSkewMs ?? DAY;
  const sessions = new Set<Session>();

  const parseJson = <T>(schema: z.ZodType<T>, text: string): T => schema.parse(JSON.parse(text));

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

  const checkClock = (at: number, what: string): void => {
    if (Math.abs(at - now()) > skew) refuse('invalid', `The ${what}’s time is too far from the relay’s clock; check the device clock.`);
  };

  const notify = (kind: PushKind, relaySeq: number, who: (device: DeviceRecord) => boolean, except?: Session): void => {
    for (const session of sessions) {
      if (session !== except && session.device && who(session.device)) session.push(kind, relaySeq);
    }
  };
  const notifyDirectory = (): void => notify('directory', 0, () => true);

  /** The consent in force: the newest status, cancelled by a later withdrawal from the patient's own device. */
  const latestConsent = async (patientId: string): Promise<ConsentStatus | null> => {
    const record = await store.getConsent(patientId);
    const status = record ? parseJson(signedConsentSchema, record.statusJson).document : null;
    const withdrawal = (await store.listPatientWithdrawals(patientId))[0];
    return effectiveConsent(status, withdrawal ? parseJson(signedPatientWithdrawalSchema, withdrawal.withdrawalJson).document : null);
  };

  let rulesCache: { version: number; rules: ClinicRules | null } | null = null;
  /** The rules of the newest signed policy (verified when it was published), or null before any. */
  const currentRules = async (): Promise<ClinicRules | null> => {
    const record = await store.getPolicy();
    if (!record) return null;
    if (rulesCache?.version !== record.version) {
      const parsed = clinicRulesSchema.safeParse(parseJson(signedClinicPolicySchema, record.policyJson).policy.rules);
      rulesCache = { version: record.version, rules: parsed.success ? parsed.data : null };
    }
    return rulesCache.rules;
  };

  const latestEpoch = async (): Promise<RecordsEpoch | null> => {
    const record = await store.latestRecordsEpoch();
    return record ? parseJson(signedRecordsEpochSchema, record.epochJson).document : null;
  };

  /** An envelope must be sealed to the records key in force, or it is sealed again by its sender. */
  const checkRecordsEpoch = async (envelope: ParsedEnvelope): Promise<void> => {
    const epoch = await latestEpoch();
    if (!epoch) refuse('not-set-up', 'The clinic has no records key yet; an IT admin must create one.');
    if (envelope.header.recordsEpoch !== epoch?.epoch || !envelope.sealedKeys.has(`records:${epoch.epoch}`)) {
      refuse('stale-records-key', 'The clinic changed its records key; refresh the directory and send again.');
    }
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

  const staffDevice = (certificate: SignedStaffCertificate, verified: VerifiedStaffCertificate): DeviceRecord => {
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
  };

  /** The store also refuses a second device with the same signing key when it is written. */
  const uniqueDevice = async (deviceId: string): Promise<void> => {
    if (await store.getDevice(deviceId)) refuse('conflict', 'A device with this id is already part of the clinic.');
  };

  const publishConsent = async (registrar: DeviceRecord, binding: ClinicBinding, signed: Signed<ConsentStatus>): Promise<void> => {
    const consent = signedBy(PREFIX.consentStatus, signed, registrar.signingKey, 'consent');
    checkClinic(binding, consent.clinicId);
    if (consent.issuedBy !== registrar.deviceId) refuse('forbidden', 'A consent status must be issued by the device that sends it.');
    const held = await store.getConsent(consent.patientId);
    if (held && consent.version <= held.version) refuse('rollback', `A newer consent (version ${held.version}) is already recorded for this patient.`);
    await store.putConsent({ patientId: consent.patientId, version: consent.version, statusJson: JSON.stringify(signed), storedAt: now() }).catch(conflict('A newer consent is already recorded.'));
    notifyDirectory();
  };

  return {
    store,
    sodium,
    log,
    now,
    sessions,
    checkSetupToken: options.checkSetupToken,
    parseJson,
    clinicOrRefuse,
    verifyCertificate,
    signedBy,
    checkClinic,
    checkClock,
    notify,
    notifyDirectory,
    latestConsent,
    latestEpoch,
    currentRules,
    checkRecordsEpoch,
    signedEnvelopeFrom,
    staffDevice,
    uniqueDevice,
    publishConsent,
  };
}
