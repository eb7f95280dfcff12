import { describe, expect, it } from 'vitest';

import { loadSodium } from '../crypto/sodium';
import { type AuditEventContent, auditHash, genesisHash } from './audit-chain';

const event: AuditEventContent = {
  seq: 1,
  at: 1_760_000_000_000,
  actorId: 'staff-1',
  deviceId: null,
  action: 'patient.viewed',
  subjectType: 'patient',
  subjectId: 'patient-1',
  details: { reason: 'Zoë Brûlé', n: [1, 2.5, -0], ok: true },
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('auditHash', () => {
  it('is BLAKE2b-256 of the previous hash and the canonical event (fixed vectors, non-ASCII details)', async () => {
    const sodium = await loadSodium();
    // Cross-checked with Python: hashlib.blake2b(bytes(32) + canonical_json.encode(), digest_size=32).
    const first = auditHash(sodium, genesisHash, event);
    expect(hex(first)).toBe('ee32d1c147425946c9b79abcb19f5e69c76f771b248ffb3b1c4f76c92b0f5d1e');
    expect(hex(auditHash(sodium, first, { ...event, seq: 2 }))).toBe('9a05cff2dad5d5c07cfd2e23ba91db4bf0bae813b0d9257bee6c484f949627ee');
  });

  it('changes with any field, the details key order aside', async () => {
    const sodium = await loadSodium();
    const base = hex(auditHash(sodium, genesisHash, event));
    expect(hex(auditHash(sodium, genesisHash, { ...event, details: { ok: true, n: [1, 2.5, 0], reason: 'Zoë Brûlé' } }))).toBe(base);
    for (const changed of [{ seq: 2 }, { at: event.at + 1 }, { deviceId: 'd' }, { subjectId: null }, { details: { reason: 'Zoe Brule' } }]) {
      expect(hex(auditHash(sodium, genesisHash, { ...event, ...changed }))).not.toBe(base);
    }
    expect(hex(auditHash(sodium, new Uint8Array(32).fill(1), event))).not.toBe(base);
  });

  it('refuses a previous hash of the wrong length', async () => {
    const sodium = await loadSodium();
    expect(() => auditHash(sodium, new Uint8Array(31), event)).toThrow(RangeError);
  });
});
