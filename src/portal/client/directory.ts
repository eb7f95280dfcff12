// Runs in the portal and in Node tests: the relay's directory as this patient's device may
// trust it. The checks are the clinic's one verifier (src/shared/protocol/directory.ts), seen
// from one patient; this file keeps only the portal's shapes: one consent, and the trust
// memory as the vault has always stored it.
import { type ConsentStatus, type PatientWithdrawal } from '../../shared/protocol/documents';
import { decodeChecked } from '../../shared/protocol/fields';
import { DirectoryTrustError, type RawDirectory, type VerifiedDirectory, type VerifiedDevice, verifyDirectory } from '../../shared/protocol/directory';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type PatientIdentity } from './identity';

export type { RawDirectory, VerifiedDevice };
export { DirectoryTrustError as UntrustedError };

export type PatientDirectory = Pick<VerifiedDirectory, 'devices' | 'epoch' | 'policy' | 'rules'> & {
  /** This patient's consent in force (their own later withdrawal applied), or null. */
  readonly consent: ConsentStatus | null;
  readonly withdrawal: PatientWithdrawal | null;
};

/** What the device remembers between visits, so a relay cannot roll anything back (stored in the vault). */
export type TrustMemory = { readonly consentVersion: number; readonly policyVersion: number; readonly epochSeen: number };
export const freshTrustMemory: TrustMemory = { consentVersion: 0, policyVersion: 0, epochSeen: -1 };

export function verifyPatientDirectory(
  sodium: SodiumApi,
  id: PatientIdentity,
  raw: RawDirectory,
  memory: TrustMemory,
  now: number,
): { directory: PatientDirectory; memory: TrustMemory } {
  const viewer = {
    clinicId: id.clinicId,
    rootPublicKey: decodeChecked(id.rootPublicKey),
    patient: { patientId: id.patientId, deviceId: id.deviceId, signingPublicKey: decodeChecked(id.signing.publicKey) },
  };
  const remembered = { consentVersions: { [id.patientId]: memory.consentVersion }, policyVersion: memory.policyVersion, epochSeen: memory.epochSeen };
  const verified = verifyDirectory(sodium, viewer, raw, remembered, now);
  const { devices, epoch, policy, rules } = verified.directory;
  return {
    directory: { devices, epoch, policy, rules, consent: verified.directory.consents.get(id.patientId) ?? null, withdrawal: verified.directory.withdrawals.get(id.patientId) ?? null },
    memory: { consentVersion: verified.memory.consentVersions[id.patientId] ?? 0, policyVersion: verified.memory.policyVersion, epochSeen: verified.memory.epochSeen },
  };
}
