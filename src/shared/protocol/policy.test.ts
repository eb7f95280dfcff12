import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { generateRootKeys } from './keys';
import { MAX_POLICY_BYTES, PolicyError, signClinicPolicy, verifyClinicPolicy } from './policy';
import { type SodiumKeyPair } from './sodium-api';

let root: SodiumKeyPair;
const base = { clinicId: 'clinic-1', version: 4, issuedAt: 1_763_900_000_000, rules: { retentionYears: 10, scopes: ['care', 'billing'] } };

beforeAll(async () => {
  await sodium.ready;
  root = generateRootKeys(sodium);
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof PolicyError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('clinic policy', () => {
  it('verifies a signed policy after a JSON round trip, at a higher or equal version', () => {
    const signed = JSON.parse(JSON.stringify(signClinicPolicy(sodium, base, root.privateKey))) as unknown;
    const expectations = { rootPublicKey: root.publicKey, clinicId: 'clinic-1' };
    expect(verifyClinicPolicy(sodium, signed, { ...expectations, knownVersion: 0 }).policy.rules).toEqual(base.rules);
    expect(verifyClinicPolicy(sodium, signed, { ...expectations, knownVersion: 4 }).policy.version).toBe(4);
  });

  it('refuses a version lower than the one held', () => {
    const signed = signClinicPolicy(sodium, base, root.privateKey);
    expect(codeOf(() => verifyClinicPolicy(sodium, signed, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 5 }))).toBe('rollback');
  });

  it('refuses another root, a changed version or rule, and another clinic', () => {
    const signed = signClinicPolicy(sodium, base, root.privateKey);
    const ok = { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 0 };
    expect(codeOf(() => verifyClinicPolicy(sodium, signed, { ...ok, rootPublicKey: generateRootKeys(sodium).publicKey }))).toBe('bad-signature');
    expect(codeOf(() => verifyClinicPolicy(sodium, { ...signed, policy: { ...signed.policy, version: 9 } }, ok))).toBe('bad-signature');
    expect(codeOf(() => verifyClinicPolicy(sodium, { ...signed, policy: { ...signed.policy, rules: { retentionYears: 1 } } }, ok))).toBe('bad-signature');
    expect(codeOf(() => verifyClinicPolicy(sodium, signed, { ...ok, clinicId: 'clinic-2' }))).toBe('wrong-clinic');
  });

  it('gives equal policies equal digests and different policies different ones', () => {
    const ok = { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 0 };
    const a = verifyClinicPolicy(sodium, signClinicPolicy(sodium, base, root.privateKey), ok);
    const b = verifyClinicPolicy(sodium, signClinicPolicy(sodium, { ...base, rules: { scopes: ['care', 'billing'], retentionYears: 10 } }, root.privateKey), ok);
    const c = verifyClinicPolicy(sodium, signClinicPolicy(sodium, { ...base, rules: { retentionYears: 11 } }, root.privateKey), ok);
    expect(a.digest).toEqual(b.digest);
    expect(a.digest).not.toEqual(c.digest);
  });

  it.each([null, 'policy', {}, { policy: {}, signature: '' }])('reports %j as malformed', (input) => {
    expect(codeOf(() => verifyClinicPolicy(sodium, input, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 0 }))).toBe('malformed');
  });

  it('refuses an extra field, version 0, and an oversized policy', () => {
    const signed = signClinicPolicy(sodium, base, root.privateKey);
    const ok = { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 0 };
    expect(codeOf(() => verifyClinicPolicy(sodium, { ...signed, policy: { ...signed.policy, admin: true } }, ok))).toBe('malformed');
    expect(codeOf(() => signClinicPolicy(sodium, { ...base, version: 0 }, root.privateKey))).toBe('malformed');
    expect(codeOf(() => signClinicPolicy(sodium, { ...base, rules: { big: 'x'.repeat(MAX_POLICY_BYTES) } }, root.privateKey))).toBe('too-large');
    const big = { ...signed, policy: { ...signed.policy, rules: { big: 'x'.repeat(MAX_POLICY_BYTES) } } };
    expect(codeOf(() => verifyClinicPolicy(sodium, big, ok))).toBe('too-large');
  });
});

describe('clinic policy hostile input', () => {
  it('handles a __proto__ rule key from JSON.parse without any other exception', () => {
    const signed = signClinicPolicy(sodium, base, root.privateKey);
    const text = JSON.stringify(signed).replace('"retentionYears"', '"__proto__"');
    const code = codeOf(() => verifyClinicPolicy(sodium, JSON.parse(text), { rootPublicKey: root.publicKey, clinicId: 'clinic-1', knownVersion: 0 }));
    expect(['malformed', 'bad-signature']).toContain(code);
  });
});
