// Runs anywhere: staff device certificates, signed by the clinic root (ADR 10).
import { z } from 'zod';

import { staffRoles, type StaffRole } from '../roles';
import { signingInput } from './canonical';
import { toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema, decodeChecked, idSchema, timestampSchema } from './fields';
import { type SodiumApi } from './sodium-api';

export const CERTIFICATE_PREFIX = 'clinic-messenger/staff-certificate/v1';

const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

export const staffCertificateSchema = z
  .strictObject({
    v: z.literal(1),
    clinicId: idSchema,
    deviceId: idSchema,
    staffId: idSchema,
    role: z.enum(staffRoles),
    signingKey: base64BytesSchema(KEY_BYTES),
    boxKey: base64BytesSchema(KEY_BYTES),
    issuedAt: timestampSchema,
    notAfter: timestampSchema,
  })
  .refine((c) => c.notAfter > c.issuedAt, { message: 'notAfter must be after issuedAt', path: ['notAfter'] });

export type StaffCertificate = z.infer<typeof staffCertificateSchema>;

export const signedStaffCertificateSchema = z.strictObject({
  certificate: staffCertificateSchema,
  signature: base64BytesSchema(SIGNATURE_BYTES),
});

export type SignedStaffCertificate = z.infer<typeof signedStaffCertificateSchema>;

export type CertificateErrorCode = 'malformed' | 'bad-signature' | 'wrong-clinic' | 'wrong-role' | 'not-yet-valid' | 'expired';

export class CertificateError extends ProtocolError<CertificateErrorCode> {}

export interface CertificateFields {
  readonly clinicId: string;
  readonly deviceId: string;
  readonly staffId: string;
  readonly role: StaffRole;
  readonly signingKey: Uint8Array;
  readonly boxKey: Uint8Array;
  readonly issuedAt: number;
  readonly notAfter: number;
}

/** Signs a staff device certificate with the clinic root secret key. */
export function signStaffCertificate(sodium: SodiumApi, fields: CertificateFields, rootPrivateKey: Uint8Array): SignedStaffCertificate {
  const parsed = staffCertificateSchema.safeParse({
    v: 1,
    clinicId: fields.clinicId,
    deviceId: fields.deviceId,
    staffId: fields.staffId,
    role: fields.role,
    signingKey: toBase64(fields.signingKey),
    boxKey: toBase64(fields.boxKey),
    issuedAt: fields.issuedAt,
    notAfter: fields.notAfter,
  });
  if (!parsed.success) throw new CertificateError('malformed', `Cannot sign an invalid certificate: ${parsed.error.issues[0]?.message ?? ''}`);
  const certificate = parsed.data;
  const signature = sodium.crypto_sign_detached(signingInput(CERTIFICATE_PREFIX, certificate), rootPrivateKey);
  return { certificate, signature: toBase64(signature) };
}

export interface CertificateExpectations {
  /** The pinned clinic root public key. */
  readonly rootPublicKey: Uint8Array;
  readonly clinicId: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Roles acceptable here; all staff roles when omitted. */
  readonly roles?: readonly StaffRole[];
}

export interface VerifiedStaffCertificate {
  readonly certificate: StaffCertificate;
  readonly signingKey: Uint8Array;
  readonly boxKey: Uint8Array;
}

/**
 * Checks an untrusted certificate: shape, root signature, clinic, role, validity period
 * (`issuedAt <= now < notAfter`). Throws only CertificateError.
 */
export function verifyStaffCertificate(sodium: SodiumApi, input: unknown, expect: CertificateExpectations): VerifiedStaffCertificate {
  let parsed: ReturnType<typeof signedStaffCertificateSchema.safeParse>;
  try {
    parsed = signedStaffCertificateSchema.safeParse(input);
  } catch {
    // Defensive: e.g. a throwing getter on a hand-built object.
    throw new CertificateError('malformed', 'The certificate could not be read.');
  }
  if (!parsed.success) throw new CertificateError('malformed', 'The certificate does not match the schema.');
  const { certificate, signature } = parsed.data;
  let valid = false;
  try {
    valid = sodium.crypto_sign_verify_detached(decodeChecked(signature), signingInput(CERTIFICATE_PREFIX, certificate), expect.rootPublicKey);
  } catch {
    valid = false;
  }
  if (!valid) throw new CertificateError('bad-signature', 'The certificate is not signed by this clinic root.');
  if (certificate.clinicId !== expect.clinicId) throw new CertificateError('wrong-clinic', 'The certificate belongs to another clinic.');
  if (!(expect.roles ?? staffRoles).includes(certificate.role)) throw new CertificateError('wrong-role', 'The certificate’s role is not allowed here.');
  if (expect.now < certificate.issuedAt) throw new CertificateError('not-yet-valid', 'The certificate is not valid yet.');
  if (expect.now >= certificate.notAfter) throw new CertificateError('expired', 'The certificate has expired.');
  return { certificate, signingKey: decodeChecked(certificate.signingKey), boxKey: decodeChecked(certificate.boxKey) };
}
