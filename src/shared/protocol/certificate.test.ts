import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { CertificateError, signStaffCertificate, verifyStaffCertificate, type CertificateFields, type SignedStaffCertificate } from './certificate';
import { generateDeviceKeys, generateRootKeys } from './keys';
import { type SodiumKeyPair } from './sodium-api';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 23);
let root: SodiumKeyPair;
let fields: CertificateFields;

beforeAll(async () => {
  await sodium.ready;
  root = generateRootKeys(sodium);
  const device = generateDeviceKeys(sodium);
  fields = {
    clinicId: 'clinic-1',
    deviceId: 'dev-1',
    staffId: 'staff-1',
    role: 'clinician',
    signingKey: device.signing.publicKey,
    boxKey: device.box.publicKey,
    issuedAt: now - DAY,
    notAfter: now + 365 * DAY,
  };
});

const expectCode = (fn: () => unknown, code: string): void => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CertificateError);
    expect((error as CertificateError).code).toBe(code);
    return;
  }
  throw new Error(`expected CertificateError ${code}`);
};

const roundTrip = (signed: SignedStaffCertificate): unknown => JSON.parse(JSON.stringify(signed));

describe('staff device certificate', () => {
  it('verifies a certificate signed by the pinned root and returns its keys', () => {
    const signed = signStaffCertificate(sodium, fields, root.privateKey);
    const verified = verifyStaffCertificate(sodium, roundTrip(signed), { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now });
    expect(verified.certificate.deviceId).toBe('dev-1');
    expect(verified.signingKey).toEqual(fields.signingKey);
    expect(verified.boxKey).toEqual(fields.boxKey);
  });

  it('refuses another root, a changed field and a swapped signature', () => {
    const signed = signStaffCertificate(sodium, fields, root.privateKey);
    const other = generateRootKeys(sodium);
    expectCode(() => verifyStaffCertificate(sodium, signed, { rootPublicKey: other.publicKey, clinicId: 'clinic-1', now }), 'bad-signature');
    const promoted = { ...signed, certificate: { ...signed.certificate, role: 'it-admin' } };
    expectCode(() => verifyStaffCertificate(sodium, promoted, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now }), 'bad-signature');
    const second = signStaffCertificate(sodium, { ...fields, deviceId: 'dev-2' }, root.privateKey);
    const swapped = { ...signed, signature: second.signature };
    expectCode(() => verifyStaffCertificate(sodium, swapped, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now }), 'bad-signature');
  });

  it('does not verify bytes signed for another purpose (domain separation)', () => {
    const signed = signStaffCertificate(sodium, fields, root.privateKey);
    const plain = sodium.crypto_sign_detached(new TextEncoder().encode(JSON.stringify(signed.certificate)), root.privateKey);
    const forged = { ...signed, signature: Buffer.from(plain).toString('base64') };
    expectCode(() => verifyStaffCertificate(sodium, forged, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now }), 'bad-signature');
  });

  it('refuses the wrong clinic, a disallowed role, and a time outside the validity period', () => {
    const signed = signStaffCertificate(sodium, fields, root.privateKey);
    const expect0 = { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now };
    expectCode(() => verifyStaffCertificate(sodium, signed, { ...expect0, clinicId: 'clinic-2' }), 'wrong-clinic');
    expectCode(() => verifyStaffCertificate(sodium, signed, { ...expect0, roles: ['it-admin'] }), 'wrong-role');
    expect(verifyStaffCertificate(sodium, signed, { ...expect0, roles: ['clinician', 'it-admin'] }).certificate.role).toBe('clinician');
    expectCode(() => verifyStaffCertificate(sodium, signed, { ...expect0, now: fields.notAfter }), 'expired');
    expectCode(() => verifyStaffCertificate(sodium, signed, { ...expect0, now: fields.issuedAt - 1 }), 'not-yet-valid');
    expect(verifyStaffCertificate(sodium, signed, { ...expect0, now: fields.issuedAt })).toBeTruthy();
  });

  it.each([
    ['not an object', 'cert'],
    ['null', null],
    ['an extra field', 'extra'],
    ['an unknown role', 'role'],
    ['a truncated key', 'key'],
    ['a missing signature', 'nosig'],
  ])('reports %s as malformed', (_name, kind) => {
    const signed = signStaffCertificate(sodium, fields, root.privateKey);
    const bad: Record<string, unknown> = {
      cert: 'cert',
      null: null,
      extra: { ...signed, certificate: { ...signed.certificate, admin: true } },
      role: { ...signed, certificate: { ...signed.certificate, role: 'owner' } },
      key: { ...signed, certificate: { ...signed.certificate, boxKey: signed.certificate.boxKey.slice(0, -4) } },
      nosig: { certificate: signed.certificate },
    };
    expectCode(() => verifyStaffCertificate(sodium, bad[String(kind)], { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now }), 'malformed');
  });

  it('refuses to sign an invalid certificate', () => {
    expectCode(() => signStaffCertificate(sodium, { ...fields, notAfter: fields.issuedAt }, root.privateKey), 'malformed');
    expectCode(() => signStaffCertificate(sodium, { ...fields, signingKey: new Uint8Array(31) }, root.privateKey), 'malformed');
  });
});

describe('staff device certificate hostile input', () => {
  it('turns a throwing getter into CertificateError', () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const hostile = new Proxy({}, { get: boom, ownKeys: boom });
    expectCode(() => verifyStaffCertificate(sodium, hostile, { rootPublicKey: root.publicKey, clinicId: 'clinic-1', now }), 'malformed');
  });
});
