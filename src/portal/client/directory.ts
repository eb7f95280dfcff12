// Runs in the portal and in Node tests: the relay's directory, as a patient device may trust
// it. The same checks ClinicClient.verifyDirectory makes, for one patient: staff certificates
// and revocations against the pinned root, this patient's devices through root → registrar
// certificate → enrollment → redemption signed by the code's key, consent statuses signed by
// a certified registrar (never older than one seen before), the patient's own withdrawals,
// the records epoch signed by a certified IT admin (never older than one seen), and the
// root-signed policy without rollback.
import { verifyStaffCertificate } from '../../shared/protocol/certificate';
import { type ClinicRules, clinicRulesSchema } from '../../shared/protocol/clinic-rules';
import { type ConsentStatus, PREFIX, type PatientWithdrawal, type RecordsEpoch, effectiveConsent } from '../../shared/protocol/documents';
import { toBase64 } from '../../shared/protocol/encoding';
import { decodeChecked } from '../../shared/protocol/fields';
import { type ClinicPolicy, verifyClinicPolicy } from '../../shared/protocol/policy';
import { type AnswerBody } from '../../shared/protocol/relay-frames';
import { hasValidSignature } from '../../shared/protocol/signed';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type PatientIdentity } from './identity';

export type RawDirectory = AnswerBody<'directory.get'>;

export type VerifiedDevice = {
  readonly deviceId: string;
  readonly kind: 'staff' | 'patient';
  readonly role: string | null;
  readonly signingKey: Uint8Array;
  readonly boxKey: Uint8Array;
};

export type PatientDirectory = {
  readonly devices: ReadonlyMap<string, VerifiedDevice>;
  /** This patient's consent in force (their own later withdrawal applied), or null. */
  readonly consent: ConsentStatus | null;
  readonly withdrawal: PatientWithdrawal | null;
  readonly epoch: RecordsEpoch | null;
  readonly policy: ClinicPolicy | null;
  readonly rules: ClinicRules | null;
};

/** What the device remembers between visits, so a relay cannot roll anything back. */
export type TrustMemory = { readonly consentVersion: number; readonly policyVersion: number; readonly epochSeen: number };
export const freshTrustMemory: TrustMemory = { consentVersion: 0, policyVersion: 0, epochSeen: -1 };

export class UntrustedError extends Error {
  readonly code = 'untrusted';
  constructor(
    readonly reason: 'records-key' | 'rollback' | 'policy' | 'own-device',
    message: string,
  ) {
    super(message);
    this.name = 'UntrustedError';
  }
}

export function verifyPatientDirectory(
  sodium: SodiumApi,
  id: PatientIdentity,
  raw: RawDirectory,
  memory: TrustMemory,
  now: number,
): { directory: PatientDirectory; memory: TrustMemory } {
  const root = decodeChecked(id.rootPublicKey);
  const revoked = new Set<string>();
  for (const r of raw.revocations) {
    if (r.document.clinicId === id.clinicId && hasValidSignature(sodium, PREFIX.revocation, r, root)) revoked.add(r.document.deviceId);
  }
  const devices = new Map<string, VerifiedDevice>();
  for (const cert of raw.staff) {
    try {
      const v = verifyStaffCertificate(sodium, cert, { rootPublicKey: root, clinicId: id.clinicId, now });
      if (revoked.has(v.certificate.deviceId)) continue;
      devices.set(v.certificate.deviceId, { deviceId: v.certificate.deviceId, kind: 'staff', role: v.certificate.role, signingKey: v.signingKey, boxKey: v.boxKey });
    } catch {
      // Not signed by this clinic's root: the relay cannot add staff.
    }
  }
  const registrar = (deviceId: string): VerifiedDevice | null => {
    const d = devices.get(deviceId);
    return d && d.kind === 'staff' && (d.role === 'front-desk' || d.role === 'it-admin') ? d : null;
  };
  for (const { enrollment, redemption } of raw.patients) {
    const issuer = registrar(enrollment.document.issuedBy);
    if (!issuer || enrollment.document.clinicId !== id.clinicId || enrollment.document.patientId !== id.patientId) continue;
    if (!hasValidSignature(sodium, PREFIX.enrollment, enrollment, issuer.signingKey)) continue;
    if (redemption.document.enrollmentId !== enrollment.document.enrollmentId) continue;
    if (!hasValidSignature(sodium, PREFIX.enrollmentRedemption, redemption, decodeChecked(enrollment.document.enrollmentKey))) continue;
    if (revoked.has(redemption.document.deviceId)) continue;
    devices.set(redemption.document.deviceId, {
      deviceId: redemption.document.deviceId,
      kind: 'patient',
      role: null,
      signingKey: decodeChecked(redemption.document.signingKey),
      boxKey: decodeChecked(redemption.document.boxKey),
    });
  }
  const own = devices.get(id.deviceId);
  if (!own || own.kind !== 'patient' || toBase64(own.signingKey) !== id.signing.publicKey) {
    throw new UntrustedError('own-device', 'The clinic’s server does not show this device as enrolled by the clinic.');
  }

  let consent: ConsentStatus | null = null;
  for (const c of raw.consents) {
    if (c.document.patientId !== id.patientId || c.document.clinicId !== id.clinicId) continue;
    const issuer = registrar(c.document.issuedBy);
    if (!issuer || !hasValidSignature(sodium, PREFIX.consentStatus, c, issuer.signingKey)) continue;
    if (!consent || consent.version < c.document.version) consent = c.document;
  }
  let withdrawal: PatientWithdrawal | null = null;
  for (const w of raw.withdrawals) {
    const device = devices.get(w.document.deviceId);
    if (!device || device.kind !== 'patient' || w.document.patientId !== id.patientId || w.document.clinicId !== id.clinicId) continue;
    if (!hasValidSignature(sodium, PREFIX.patientWithdrawal, w, device.signingKey)) continue;
    if (!withdrawal || withdrawal.requestedAt < w.document.requestedAt) withdrawal = w.document;
  }
  consent = effectiveConsent(consent, withdrawal);
  let consentVersion = memory.consentVersion;
  if (consent) {
    if (consent.version < memory.consentVersion) throw new UntrustedError('rollback', 'The clinic’s server sent an older consent than one already seen.');
    consentVersion = consent.version;
  } else if (memory.consentVersion > 0) {
    throw new UntrustedError('rollback', 'The clinic’s server no longer shows a consent it showed before.');
  }

  let epoch: RecordsEpoch | null = null;
  let epochSeen = memory.epochSeen;
  if (raw.recordsEpoch) {
    const issuer = devices.get(raw.recordsEpoch.document.issuedBy);
    if (!issuer || issuer.role !== 'it-admin' || raw.recordsEpoch.document.clinicId !== id.clinicId || !hasValidSignature(sodium, PREFIX.recordsEpoch, raw.recordsEpoch, issuer.signingKey)) {
      throw new UntrustedError('records-key', 'The clinic’s records key is not signed by the clinic.');
    }
    epoch = raw.recordsEpoch.document;
    if (epoch.epoch < memory.epochSeen) throw new UntrustedError('rollback', 'The clinic’s server offered an older records key than one already seen.');
    // Sealed only to clinicians and IT admins: never to a front-desk device or a patient.
    const mayHold = (deviceId: string): boolean => {
      const d = devices.get(deviceId);
      return d ? d.kind === 'staff' && (d.role === 'clinician' || d.role === 'it-admin') : revoked.has(deviceId);
    };
    if (!epoch.sealed.every((s) => mayHold(s.deviceId))) throw new UntrustedError('records-key', 'The clinic’s records key was given to a device that must not hold it.');
    epochSeen = epoch.epoch;
  }

  let policy: ClinicPolicy | null = null;
  let rules: ClinicRules | null = null;
  let policyVersion = memory.policyVersion;
  if (raw.policy) {
    try {
      policy = verifyClinicPolicy(sodium, raw.policy, { rootPublicKey: root, clinicId: id.clinicId, knownVersion: memory.policyVersion }).policy;
    } catch {
      throw new UntrustedError('policy', 'The clinic’s rules are not signed by the clinic, or are older than the ones already seen.');
    }
    const parsed = clinicRulesSchema.safeParse(policy.rules);
    if (!parsed.success) throw new UntrustedError('policy', 'The clinic’s rules could not be read.');
    rules = parsed.data;
    policyVersion = policy.version;
  } else if (memory.policyVersion > 0) {
    throw new UntrustedError('rollback', 'The clinic’s server no longer shows the clinic’s rules.');
  }

  return {
    directory: { devices, consent, withdrawal, epoch, policy, rules },
    memory: { consentVersion, policyVersion, epochSeen },
  };
}

