// Runs in the portal and in Node tests: the two steps of enrolling this browser as a
// patient device, the way ClinicClient.redeemEnrollment does it for a headless device.
//   1. checkEnrollmentCode: read the code (typos caught by its check characters), ask the
//      relay which clinic it serves, and refuse unless the code carries that clinic's root
//      fingerprint. The patient has nothing to compare: the portal says the clinic was
//      checked with the code, and keeps the full fingerprint under "Details".
//      checkShortEnrollmentCode does the same from the short code and the date of birth:
//      it opens the long code from the relay's bundle first (ADR 15).
//   2. redeemEnrollment: generate the device keys, sign them with the key derived from the
//      code's secret, and redeem. Nothing is stored yet: the caller wraps the identity under
//      the patient's passphrase.
import { type OneTimeCode, checkCodeClinic, codeKeys, parseCode } from '../../shared/protocol/codes';
import { PREFIX, enrollmentRedemptionSchema } from '../../shared/protocol/documents';
import { toBase64 } from '../../shared/protocol/encoding';
import { decodeChecked } from '../../shared/protocol/fields';
import { generateDeviceKeys, rootFingerprint, rootFingerprintBytes } from '../../shared/protocol/keys';
import { signDocument } from '../../shared/protocol/signed';
import { type ShortCodeDerive, ShortCodeError, normalizeBirthDate, openShortCode, parseShortCode } from '../../shared/protocol/short-code';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type PatientIdentity } from './identity';
import { RelayError, openRelaySocket } from './relay-socket';

export type CheckedCode = {
  readonly code: OneTimeCode;
  readonly clinicId: string;
  readonly rootPublicKey: string;
  /** The clinic root fingerprint as printed on the receipt (groups of four). */
  readonly fingerprint: string;
  /** The clinic's name from its signed policy, when the relay has one. */
  readonly clinicName: string | null;
};

export class EnrollError extends Error {
  constructor(
    readonly code: 'malformed' | 'typo' | 'wrong-kind' | 'wrong-clinic' | 'not-set-up' | 'changed' | 'untrusted' | 'birth-date' | 'short-length' | 'short-character',
    message: string,
    /** The group of a short code (1 to 4) that holds a mistake, when it can be named. */
    readonly group: number | null = null,
  ) {
    super(message);
    this.name = 'EnrollError';
  }
}

/** The code from the page address (`#code=…`), if any. */
export function codeFromFragment(hash: string): string | null {
  const match = /^#?code=([A-Za-z0-9\s%+-]{1,200})$/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]).trim();
  } catch {
    return null;
  }
}

const randomId = (sodium: SodiumApi, prefix: string): string => `${prefix}${toBase64(sodium.randombytes_buf(12)).replace(/\+/g, '-').replace(/\//g, '_')}`;

const parseLong = (sodium: SodiumApi, text: string): OneTimeCode => {
  try {
    return parseCode(sodium, text, 'enrollment');
  } catch (error) {
    const c = (error as { code?: string }).code;
    throw new EnrollError(c === 'typo' || c === 'wrong-kind' ? c : 'malformed', 'This code cannot be used.');
  }
};

/** Throws EnrollError for a code that is not right, RelayError when the relay cannot be reached. */
export async function checkEnrollmentCode(sodium: SodiumApi, wsUrl: string, text: string): Promise<CheckedCode> {
  return checkWith(sodium, wsUrl, async () => parseLong(sodium, text));
}

/**
 * The same from the short code and the date of birth (YYYY-MM-DD). Throws EnrollError for a
 * short code that cannot be right (its group named) or a date that is not one, and the
 * relay's refusals as RelayError: 'code-or-birth-date', 'code-refused', 'expired',
 * 'already-used', 'no-consent'.
 */
export async function checkShortEnrollmentCode(sodium: SodiumApi, wsUrl: string, text: string, birthDate: string, derive: ShortCodeDerive): Promise<CheckedCode> {
  let short;
  try {
    short = parseShortCode(text, 'enrollment');
  } catch (error) {
    const e = error as ShortCodeError;
    throw new EnrollError(e.code === 'typo' ? 'typo' : e.code === 'length' ? 'short-length' : 'short-character', 'This code cannot be used.', e.group);
  }
  const date = normalizeBirthDate(birthDate);
  if (!date) throw new EnrollError('birth-date', 'This is not a date of birth.');
  return checkWith(sodium, wsUrl, async (clinicId, socket) => {
    try {
      return parseLong(sodium, await openShortCode(sodium, derive, socket, { code: short, birthDate: date, clinicId }));
    } catch (error) {
      if (error instanceof ShortCodeError) throw new EnrollError('untrusted', 'The clinic’s server answered with a code that does not open.');
      throw error;
    }
  });
}

async function checkWith(sodium: SodiumApi, wsUrl: string, read: (clinicId: string, socket: Awaited<ReturnType<typeof openRelaySocket>>) => Promise<OneTimeCode>): Promise<CheckedCode> {
  const socket = await openRelaySocket(wsUrl);
  try {
    const { clinic } = await socket.request('clinic.info', {});
    if (!clinic) throw new EnrollError('not-set-up', 'This server is not set up for a clinic yet.');
    const code = await read(clinic.clinicId, socket);
    try {
      checkCodeClinic(code, rootFingerprintBytes(sodium, decodeChecked(clinic.rootPublicKey)));
    } catch {
      throw new EnrollError('wrong-clinic', 'This code belongs to another clinic, or this is not the clinic’s real server.');
    }
    const name = clinic.policy?.policy.rules.clinicName;
    return {
      code,
      clinicId: clinic.clinicId,
      rootPublicKey: clinic.rootPublicKey,
      fingerprint: rootFingerprint(sodium, decodeChecked(clinic.rootPublicKey)),
      clinicName: typeof name === 'string' ? name : null,
    };
  } finally {
    socket.close();
  }
}

/** Redeems a checked code; returns the new device's identity (to be stored wrapped). */
export async function redeemEnrollment(sodium: SodiumApi, wsUrl: string, checked: CheckedCode, now: number): Promise<PatientIdentity> {
  const socket = await openRelaySocket(wsUrl);
  try {
    // The clinic must still be the one whose fingerprint the patient compared.
    const { clinic } = await socket.request('clinic.info', {});
    if (!clinic || clinic.rootPublicKey !== checked.rootPublicKey || clinic.clinicId !== checked.clinicId) {
      throw new EnrollError('changed', 'The clinic’s server changed since the fingerprint was checked.');
    }
    const device = generateDeviceKeys(sodium);
    const deviceId = randomId(sodium, 'p');
    const derived = codeKeys(sodium, checked.code);
    const redemption = signDocument(
      sodium,
      PREFIX.enrollmentRedemption,
      enrollmentRedemptionSchema,
      { v: 1, clinicId: checked.clinicId, enrollmentId: checked.code.id, deviceId, signingKey: toBase64(device.signing.publicKey), boxKey: toBase64(device.box.publicKey), redeemedAt: now },
      derived.privateKey,
    );
    const { enrollment } = await socket.request('enroll.redeem', { redemption });
    if (enrollment.document.enrollmentId !== checked.code.id || enrollment.document.enrollmentKey !== toBase64(derived.publicKey) || enrollment.document.clinicId !== checked.clinicId) {
      throw new EnrollError('untrusted', 'The clinic’s server answered with another enrollment.');
    }
    derived.privateKey.fill(0);
    return {
      v: 1,
      deviceId,
      patientId: enrollment.document.patientId,
      clinicId: checked.clinicId,
      rootPublicKey: checked.rootPublicKey,
      wsUrl,
      signing: { publicKey: toBase64(device.signing.publicKey), privateKey: toBase64(device.signing.privateKey) },
      box: { publicKey: toBase64(device.box.publicKey), privateKey: toBase64(device.box.privateKey) },
      enrolledAt: now,
    };
  } finally {
    socket.close();
  }
}

export { RelayError };
