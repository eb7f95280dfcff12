// Runs anywhere: the clinic policy, a versioned document signed by the clinic root (ADR 10).
// Clients refuse a bad signature and any version lower than the one they hold.
import { z } from 'zod';

import { canonicalBytes, signingInput } from './canonical';
import { toBase64 } from './encoding';
import { ProtocolError } from './errors';
import { base64BytesSchema, decodeChecked, idSchema, timestampSchema } from './fields';
import { type SodiumApi } from './sodium-api';

export const POLICY_PREFIX = 'clinic-messenger/policy/v1';
/** Canonical size limit of a policy document, well under one frame. */
export const MAX_POLICY_BYTES = 64 * 1024;

export const clinicPolicySchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  version: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  issuedAt: timestampSchema,
  /** The clinic's stated rules; their meaning is up to the features that read them. */
  rules: z.record(z.string().max(128), z.json()),
});

export type ClinicPolicy = z.infer<typeof clinicPolicySchema>;

export const signedClinicPolicySchema = z.strictObject({
  policy: clinicPolicySchema,
  signature: base64BytesSchema(64),
});

export type SignedClinicPolicy = z.infer<typeof signedClinicPolicySchema>;

export type PolicyErrorCode = 'malformed' | 'too-large' | 'bad-signature' | 'wrong-clinic' | 'rollback';

export class PolicyError extends ProtocolError<PolicyErrorCode> {}

function checkSize(policy: ClinicPolicy): Uint8Array {
  const bytes = canonicalBytes(policy);
  if (bytes.length > MAX_POLICY_BYTES) throw new PolicyError('too-large', 'The policy is over the size limit.');
  return bytes;
}

/** Signs a policy with the clinic root secret key. Throws PolicyError for an invalid policy. */
export function signClinicPolicy(sodium: SodiumApi, policy: Omit<ClinicPolicy, 'v'>, rootPrivateKey: Uint8Array): SignedClinicPolicy {
  const parsed = clinicPolicySchema.safeParse({ ...policy, v: 1 });
  if (!parsed.success) throw new PolicyError('malformed', 'Cannot sign an invalid policy.');
  checkSize(parsed.data);
  const signature = sodium.crypto_sign_detached(signingInput(POLICY_PREFIX, parsed.data), rootPrivateKey);
  return { policy: parsed.data, signature: toBase64(signature) };
}

export interface PolicyExpectations {
  /** The pinned clinic root public key. */
  readonly rootPublicKey: Uint8Array;
  readonly clinicId: string;
  /** The version this client holds (0 if none); a lower version is refused, an equal one accepted. */
  readonly knownVersion: number;
}

export interface VerifiedClinicPolicy {
  readonly policy: ClinicPolicy;
  /**
   * BLAKE2b-256 of the canonical policy. Store it with the version: a second document with the
   * same version but another digest means the root signed two policies under one number.
   */
  readonly digest: Uint8Array;
}

/** Checks an untrusted signed policy. Throws only PolicyError. */
export function verifyClinicPolicy(sodium: SodiumApi, input: unknown, expect: PolicyExpectations): VerifiedClinicPolicy {
  let policy: ClinicPolicy;
  let signature: Uint8Array;
  let bytes: Uint8Array;
  try {
    const parsed = signedClinicPolicySchema.safeParse(input);
    if (!parsed.success) throw new PolicyError('malformed', 'The policy does not match the schema.');
    policy = parsed.data.policy;
    signature = decodeChecked(parsed.data.signature);
    bytes = checkSize(policy);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError('malformed', 'The policy could not be read.');
  }
  let valid: boolean;
  try {
    valid = sodium.crypto_sign_verify_detached(signature, signingInput(POLICY_PREFIX, policy), expect.rootPublicKey);
  } catch {
    valid = false;
  }
  if (!valid) throw new PolicyError('bad-signature', 'The policy is not signed by this clinic root.');
  if (policy.clinicId !== expect.clinicId) throw new PolicyError('wrong-clinic', 'The policy belongs to another clinic.');
  if (policy.version < expect.knownVersion) throw new PolicyError('rollback', 'The policy is older than the one already held.');
  return { policy, digest: sodium.crypto_generichash(32, bytes, null) };
}
