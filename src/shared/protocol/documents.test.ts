import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  PREFIX,
  RecordsKeyError,
  consentAllows,
  consentStatusSchema,
  createRecordsEpoch,
  enrollmentSchema,
  openPreviousEpoch,
  openRecordsEpoch,
  recordsEpochSchema,
  staffInviteSchema,
  type ConsentStatus,
} from './documents';
import { toBase64 } from './encoding';
import { generateDeviceKeys, type DeviceKeys } from './keys';
import { DocumentError, signDocument, verifySigned } from './signed';

const now = Date.UTC(2026, 10, 23);
let issuer: DeviceKeys;
beforeAll(async () => {
  await sodium.ready;
  issuer = generateDeviceKeys(sodium);
});

const errorCode = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? 'untyped';
  }
  return 'no error';
};

describe('signed documents', () => {
  const invite = () => ({
    v: 1 as const,
    clinicId: 'clinic-1',
    inviteId: 'INV1',
    staffId: 'staff-1',
    role: 'clinician' as const,
    displayName: 'Dr Rivera',
    inviteKey: toBase64(sodium.randombytes_buf(32)),
    issuedBy: 'dev-admin',
    issuedAt: now,
    expiresAt: now + 1000,
  });

  it('verifies with the signer’s key only, and only under its own prefix', () => {
    const signed = signDocument(sodium, PREFIX.staffInvite, staffInviteSchema, invite(), issuer.signing.privateKey);
    expect(verifySigned(sodium, PREFIX.staffInvite, staffInviteSchema, JSON.parse(JSON.stringify(signed)), issuer.signing.publicKey).inviteId).toBe('INV1');
    const other = generateDeviceKeys(sodium);
    expect(errorCode(() => verifySigned(sodium, PREFIX.staffInvite, staffInviteSchema, signed, other.signing.publicKey))).toBe('bad-signature');
    // A signature made for an invite is not valid for any other kind of document.
    expect(errorCode(() => verifySigned(sodium, PREFIX.enrollment, staffInviteSchema, signed, issuer.signing.publicKey))).toBe('bad-signature');
    const promoted = { ...signed, document: { ...signed.document, role: 'it-admin' } };
    expect(errorCode(() => verifySigned(sodium, PREFIX.staffInvite, staffInviteSchema, promoted, issuer.signing.publicKey))).toBe('bad-signature');
  });

  it('refuses invalid documents when signing and unknown fields when verifying', () => {
    expect(() => signDocument(sodium, PREFIX.staffInvite, staffInviteSchema, { ...invite(), expiresAt: now - 1 }, issuer.signing.privateKey)).toThrow(DocumentError);
    const signed = signDocument(sodium, PREFIX.staffInvite, staffInviteSchema, invite(), issuer.signing.privateKey);
    expect(errorCode(() => verifySigned(sodium, PREFIX.staffInvite, staffInviteSchema, { ...signed, extra: 1 }, issuer.signing.publicKey))).toBe('malformed');
    expect(errorCode(() => verifySigned(sodium, PREFIX.staffInvite, staffInviteSchema, { document: { ...signed.document, admin: true }, signature: signed.signature }, issuer.signing.publicKey))).toBe(
      'malformed',
    );
    expect(errorCode(() => verifySigned(sodium, PREFIX.enrollment, enrollmentSchema, null, issuer.signing.publicKey))).toBe('malformed');
  });
});

describe('consent status', () => {
  const status = (over: Partial<ConsentStatus> = {}): ConsentStatus =>
    consentStatusSchema.parse({ v: 1, clinicId: 'c', patientId: 'p', version: 1, activeScopes: ['clinical'], expiresAt: null, issuedBy: 'd', issuedAt: now, ...over });

  it('allows only active scopes, before expiry', () => {
    expect(consentAllows(status(), 'clinical', now)).toBe(true);
    expect(consentAllows(status(), 'newsletters', now)).toBe(false);
    expect(consentAllows(status({ activeScopes: [] }), 'clinical', now)).toBe(false);
    expect(consentAllows(status({ expiresAt: now + 1 }), 'clinical', now)).toBe(true);
    expect(consentAllows(status({ expiresAt: now }), 'clinical', now)).toBe(false);
    expect(consentAllows(null, 'clinical', now)).toBe(false);
  });

  it('refuses a scope listed twice or one that does not exist', () => {
    expect(consentStatusSchema.safeParse({ ...status(), activeScopes: ['clinical', 'clinical'] }).success).toBe(false);
    expect(consentStatusSchema.safeParse({ ...status(), activeScopes: ['marketing'] }).success).toBe(false);
  });
});

describe('records key epochs', () => {
  it('opens for each recipient, never for anyone else, and walks back to earlier epochs', () => {
    const clinician = generateDeviceKeys(sodium);
    const frontDesk = generateDeviceKeys(sodium);
    const first = createRecordsEpoch(sodium, { clinicId: 'c', epoch: 0, issuedBy: 'admin', issuedAt: now, recipients: [{ deviceId: 'dr', boxKey: clinician.box.publicKey }], previousSecret: null });
    expect(recordsEpochSchema.safeParse(first.document).success).toBe(true);
    expect(openRecordsEpoch(sodium, first.document, 'dr', clinician.box).privateKey).toEqual(first.keyPair.privateKey);
    expect(errorCode(() => openRecordsEpoch(sodium, first.document, 'desk', frontDesk.box))).toBe('not-a-recipient');
    // Someone claiming a recipient's id without its key cannot open it.
    expect(errorCode(() => openRecordsEpoch(sodium, first.document, 'dr', frontDesk.box))).toBe('bad-key');

    const newcomer = generateDeviceKeys(sodium);
    const second = createRecordsEpoch(sodium, {
      clinicId: 'c',
      epoch: 1,
      issuedBy: 'admin',
      issuedAt: now,
      recipients: [{ deviceId: 'dr2', boxKey: newcomer.box.publicKey }],
      previousSecret: first.keyPair.privateKey,
    });
    const pair = openRecordsEpoch(sodium, second.document, 'dr2', newcomer.box);
    expect(openPreviousEpoch(sodium, second.document, pair, first.document).privateKey).toEqual(first.keyPair.privateKey);
    expect(() => createRecordsEpoch(sodium, { clinicId: 'c', epoch: 2, issuedBy: 'a', issuedAt: now, recipients: [], previousSecret: null })).toThrow(RangeError);
  });

  it('refuses a sealed secret that does not match the published public key', () => {
    const clinician = generateDeviceKeys(sodium);
    const epoch = createRecordsEpoch(sodium, { clinicId: 'c', epoch: 0, issuedBy: 'a', issuedAt: now, recipients: [{ deviceId: 'dr', boxKey: clinician.box.publicKey }], previousSecret: null });
    const swapped = { ...epoch.document, publicKey: toBase64(sodium.crypto_box_keypair().publicKey) };
    let caught: unknown;
    try {
      openRecordsEpoch(sodium, swapped, 'dr', clinician.box);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecordsKeyError);
    expect((caught as RecordsKeyError).code).toBe('bad-key');
  });
});
