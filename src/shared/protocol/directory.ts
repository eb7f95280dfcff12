// Runs anywhere (libsodium passed in): the relay's directory as a clinic device may trust it.
// One verifier for the desktop app and the patient portal (ADR 13). Everything is checked
// against the pinned clinic root: staff certificates and the root's revocations; patient
// devices through root → registrar certificate → enrollment → redemption signed by the
// code's key; consent statuses signed by a certified registrar, cancelled by the patient's
// own later withdrawal, never older than one seen before; the records key epoch signed by a
// certified IT admin, sealed only to those who may hold it, never older than one seen; the
// root-signed policy, without rollback. What does not verify is left out; what would mean the
// relay is lying about the clinic as a whole is a DirectoryTrustError.
import { verifyStaffCertificate } from './certificate';
import { type ClinicRules, clinicRulesSchema } from './clinic-rules';
import { type ConsentStatus, PREFIX, type PatientWithdrawal, type RecordsEpoch, effectiveConsent } from './documents';
import { bytesEqual } from './encoding';
import { decodeChecked } from './fields';
import { type ClinicPolicy, type PolicyExpectations, verifyClinicPolicy } from './policy';
import { type AnswerBody } from './relay-frames';
import { type Signed, hasValidSignature } from './signed';
import { type SodiumApi } from './sodium-api';
import { type StaffRole } from '../roles';

export type RawDirectory = AnswerBody<'directory.get'>;

export type VerifiedDevice = {
  readonly deviceId: string;
  readonly kind: 'staff' | 'patient';
  /** Staff role, or null for a patient device. */
  readonly role: StaffRole | null;
  /** The patient, or null for a staff device. */
  readonly patientId: string | null;
  readonly signingKey: Uint8Array;
  readonly boxKey: Uint8Array;
};

export type VerifiedDirectory = {
  readonly devices: ReadonlyMap<string, VerifiedDevice>;
  /** The consent in force per patient (a later withdrawal from their own device applied). */
  readonly consents: ReadonlyMap<string, ConsentStatus>;
  readonly withdrawals: ReadonlyMap<string, PatientWithdrawal>;
  readonly epoch: RecordsEpoch | null;
  readonly policy: ClinicPolicy | null;
  readonly rules: ClinicRules | null;
};

/** Who is looking: staff see the whole clinic; a patient device sees only its own patient. */
export type DirectoryViewer = {
  readonly clinicId: string;
  readonly rootPublicKey: Uint8Array;
  /** A patient device: only this patient's devices and consent count, and its own device must be there. */
  readonly patient?: { readonly patientId: string; readonly deviceId: string; readonly signingPublicKey: Uint8Array };
};

/** What a device remembers between directories, so a relay cannot roll anything back. */
export type DirectoryMemory = {
  readonly consentVersions: Readonly<Record<string, number>>;
  readonly policyVersion: number;
  readonly epochSeen: number;
};
export const freshDirectoryMemory: DirectoryMemory = { consentVersions: {}, policyVersion: 0, epochSeen: -1 };

export type DirectoryTrustReason = 'records-key' | 'rollback' | 'policy' | 'own-device';

export class DirectoryTrustError extends Error {
  readonly code = 'untrusted';
  constructor(
    readonly reason: DirectoryTrustReason,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryTrustError';
  }
}

export type SignatureCheck = (prefix: string, signed: Signed<unknown>, key: Uint8Array) => boolean;

const READERS = new Set(['clinician', 'it-admin']);
const REGISTRARS = new Set(['front-desk', 'it-admin']);

export function verifyDirectory(
  sodium: SodiumApi,
  viewer: DirectoryViewer,
  raw: RawDirectory,
  memory: DirectoryMemory,
  now: number,
  /** A signature check, for a caller that remembers the ones it already verified. */
  signed: SignatureCheck = (prefix, document, key) => hasValidSignature(sodium, prefix, document, key),
): { directory: VerifiedDirectory; memory: DirectoryMemory } {
  const { clinicId, rootPublicKey: root, patient } = viewer;
  const ours = (d: { readonly patientId: string }): boolean => !patient || d.patientId === patient.patientId;

  const revoked = new Set<string>();
  for (const r of raw.revocations) {
    if (r.document.clinicId === clinicId && signed(PREFIX.revocation, r, root)) revoked.add(r.document.deviceId);
  }
  const devices = new Map<string, VerifiedDevice>();
  for (const cert of raw.staff) {
    try {
      const v = verifyStaffCertificate(sodium, cert, { rootPublicKey: root, clinicId, now });
      if (revoked.has(v.certificate.deviceId)) continue;
      devices.set(v.certificate.deviceId, { deviceId: v.certificate.deviceId, kind: 'staff', role: v.certificate.role, patientId: null, signingKey: v.signingKey, boxKey: v.boxKey });
    } catch {
      // A certificate that does not verify is ignored: the relay cannot add staff.
    }
  }
  const registrar = (deviceId: string): VerifiedDevice | null => {
    const d = devices.get(deviceId);
    return d && d.kind === 'staff' && REGISTRARS.has(d.role ?? '') ? d : null;
  };
  for (const { enrollment, redemption } of raw.patients) {
    const issuer = registrar(enrollment.document.issuedBy);
    if (!issuer || enrollment.document.clinicId !== clinicId || !ours(enrollment.document)) continue;
    if (!signed(PREFIX.enrollment, enrollment, issuer.signingKey)) continue;
    if (redemption.document.enrollmentId !== enrollment.document.enrollmentId) continue;
    if (!signed(PREFIX.enrollmentRedemption, redemption, decodeChecked(enrollment.document.enrollmentKey))) continue;
    if (revoked.has(redemption.document.deviceId)) continue;
    devices.set(redemption.document.deviceId, {
      deviceId: redemption.document.deviceId,
      kind: 'patient',
      role: null,
      patientId: enrollment.document.patientId,
      signingKey: decodeChecked(redemption.document.signingKey),
      boxKey: decodeChecked(redemption.document.boxKey),
    });
  }
  if (patient) {
    const own = devices.get(patient.deviceId);
    if (!own || own.kind !== 'patient' || !bytesEqual(own.signingKey, patient.signingPublicKey)) {
      throw new DirectoryTrustError('own-device', 'The clinic’s server does not show this device as enrolled by the clinic.');
    }
  }

  const consents = new Map<string, ConsentStatus>();
  for (const c of raw.consents) {
    if (c.document.clinicId !== clinicId || !ours(c.document)) continue;
    const issuer = registrar(c.document.issuedBy);
    if (!issuer || !signed(PREFIX.consentStatus, c, issuer.signingKey)) continue;
    const held = consents.get(c.document.patientId);
    if (!held || held.version < c.document.version) consents.set(c.document.patientId, c.document);
  }
  const withdrawals = new Map<string, PatientWithdrawal>();
  for (const w of raw.withdrawals) {
    const device = devices.get(w.document.deviceId);
    if (!device || device.kind !== 'patient' || device.patientId !== w.document.patientId || w.document.clinicId !== clinicId) continue;
    if (!signed(PREFIX.patientWithdrawal, w, device.signingKey)) continue;
    const held = withdrawals.get(w.document.patientId);
    if (!held || held.requestedAt < w.document.requestedAt) withdrawals.set(w.document.patientId, w.document);
  }
  for (const [patientId, w] of withdrawals) {
    const effective = effectiveConsent(consents.get(patientId) ?? null, w);
    if (effective) consents.set(patientId, effective);
  }
  // Rollback: a consent older than one seen before. Staff leave that patient without a consent
  // (nobody can write to them until a newer one arrives); a patient's own view is refused.
  const consentVersions: Record<string, number> = { ...memory.consentVersions };
  for (const [patientId, c] of consents) {
    if ((consentVersions[patientId] ?? 0) > c.version) {
      if (patient) throw new DirectoryTrustError('rollback', 'The clinic’s server sent an older consent than one already seen.');
      consents.delete(patientId);
    } else consentVersions[patientId] = c.version;
  }
  if (patient && !consents.has(patient.patientId) && (consentVersions[patient.patientId] ?? 0) > 0) {
    throw new DirectoryTrustError('rollback', 'The clinic’s server no longer shows a consent it showed before.');
  }

  let epoch: RecordsEpoch | null = null;
  let epochSeen = memory.epochSeen;
  if (raw.recordsEpoch) {
    const issuer = devices.get(raw.recordsEpoch.document.issuedBy);
    if (!issuer || issuer.role !== 'it-admin' || raw.recordsEpoch.document.clinicId !== clinicId || !signed(PREFIX.recordsEpoch, raw.recordsEpoch, issuer.signingKey)) {
      throw new DirectoryTrustError('records-key', 'The clinic’s records key is not signed by a certified IT admin; messages are held until this is resolved.');
    }
    epoch = raw.recordsEpoch.document;
    if (epoch.epoch < memory.epochSeen) throw new DirectoryTrustError('rollback', 'The clinic’s server offered an older records key than one already seen.');
    // Sealed only to clinicians and IT admins. A device the root revoked since this epoch was
    // issued held it legitimately: the epoch stays usable until the next rotation replaces it.
    const mayHold = (deviceId: string): boolean => {
      const d = devices.get(deviceId);
      return d ? d.kind === 'staff' && READERS.has(d.role ?? '') : revoked.has(deviceId);
    };
    if (!epoch.sealed.every((s) => mayHold(s.deviceId))) throw new DirectoryTrustError('records-key', 'The clinic’s records key was given to a device that must not hold it.');
    epochSeen = epoch.epoch;
  }

  let policy: ClinicPolicy | null = null;
  let rules: ClinicRules | null = null;
  let policyVersion = memory.policyVersion;
  if (raw.policy) {
    ({ policy, rules } = verifyPolicyRules(sodium, raw.policy, { rootPublicKey: root, clinicId, knownVersion: memory.policyVersion }));
    policyVersion = policy.version;
  } else if (memory.policyVersion > 0) {
    throw new DirectoryTrustError('rollback', 'The clinic’s server no longer shows the clinic’s rules.');
  }

  return { directory: { devices, consents, withdrawals, epoch, policy, rules }, memory: { consentVersions, policyVersion, epochSeen } };
}

/**
 * The clinic's signed policy and the rules it carries, both checked (signature, clinic,
 * no rollback, schema). Throws DirectoryTrustError. Also used alone, where only the rules
 * of a stored directory are needed (each unlock).
 */
export function verifyPolicyRules(sodium: SodiumApi, rawPolicy: unknown, expect: PolicyExpectations): { policy: ClinicPolicy; rules: ClinicRules } {
  let policy: ClinicPolicy;
  try {
    policy = verifyClinicPolicy(sodium, rawPolicy, expect).policy;
  } catch {
    throw new DirectoryTrustError('policy', 'The clinic’s rules are not signed by the clinic, or are older than the ones already seen.');
  }
  const parsed = clinicRulesSchema.safeParse(policy.rules);
  if (!parsed.success) throw new DirectoryTrustError('policy', 'The clinic’s rules could not be read; this app may need an update.');
  return { policy, rules: parsed.data };
}
