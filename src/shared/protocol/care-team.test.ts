// Care-team events (ADR 17): sealed to the records key only, naming no patient on the outside;
// opened only with the records key and the sender's key; a changed byte or another shape is
// refused; an absence is counted by the clinic's calendar day.
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { CARE_TEAM_ID, type CareTeamEvent, careTeamEventSchema, careTeamShapeProblem, dayIn, isAway, openCareTeamEvent, sealCareTeamEvent } from './care-team';
import { parseEnvelope } from './envelope';

const decode = (b: Uint8Array): string | null => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return null;
  }
};

describe('care-team events', () => {
  let records: { publicKey: Uint8Array; privateKey: Uint8Array };
  let signer: { publicKey: Uint8Array; privateKey: Uint8Array };
  const event: CareTeamEvent = { v: 1, kind: 'handled', conversationId: 'pRiver01', upTo: 1000, reason: 'phoned', note: 'Called her back' };
  beforeAll(async () => {
    await sodium.ready;
    records = sodium.crypto_box_keypair();
    signer = sodium.crypto_sign_keypair();
  });
  const seal = (e: CareTeamEvent = event) =>
    sealCareTeamEvent(sodium, { epoch: { epoch: 2, publicKey: sodium.to_base64(records.publicKey, sodium.base64_variants.ORIGINAL) } as never }, { eventId: 'tOne', senderDeviceId: 'dLee', sentAt: 5, event: e }, signer.privateKey);

  it('seals to the records key alone, names no patient outside, and opens only with the right keys', () => {
    const envelope = seal();
    expect(envelope).not.toBeNull();
    const parsed = parseEnvelope(envelope);
    expect(parsed.header).toMatchObject({ scope: 'care-team', patientId: CARE_TEAM_ID, conversationId: CARE_TEAM_ID, recordsEpoch: 2 });
    expect(parsed.header.recipients.map((r) => r.to)).toEqual(['records:2']);
    expect(JSON.stringify(envelope)).not.toContain('pRiver01');
    expect(careTeamShapeProblem(parsed)).toBeNull();
    expect(openCareTeamEvent(sodium, parsed, records, signer.publicKey, decode)).toEqual(event);
    expect(openCareTeamEvent(sodium, parsed, sodium.crypto_box_keypair(), signer.publicKey, decode)).toBeNull();
    expect(openCareTeamEvent(sodium, parsed, records, sodium.crypto_sign_keypair().publicKey, decode)).toBeNull();
    const bytes = sodium.from_base64(envelope?.ciphertext as string, sodium.base64_variants.ORIGINAL);
    bytes[0] = (bytes[0] as number) ^ 1;
    const tampered = parseEnvelope({ ...envelope, ciphertext: sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL) });
    expect(openCareTeamEvent(sodium, tampered, records, signer.publicKey, decode)).toBeNull();
    expect(sealCareTeamEvent(sodium, { epoch: null }, { eventId: 'tTwo', senderDeviceId: 'dLee', sentAt: 5, event }, signer.privateKey)).toBeNull();
  });

  it('refuses a note over 500 characters, an unknown kind, and an event too large for its limit', () => {
    expect(careTeamEventSchema.safeParse({ ...event, note: 'x'.repeat(501) }).success).toBe(false);
    expect(careTeamEventSchema.safeParse({ v: 1, kind: 'delete', conversationId: 'pA' }).success).toBe(false);
    expect(careTeamEventSchema.safeParse({ v: 1, kind: 'away', until: '2026-13-01', covering: null }).success).toBe(false);
    expect(() => seal({ v: 1, kind: 'roster', deviceId: 'dLee', displayName: 'x'.repeat(5000) })).toThrow();
  });

  it('counts an absence by the clinic’s calendar day, on both DST nights and across the date line', () => {
    // 23:30 in Toronto on 8 December is already the 9th in UTC: still away there.
    expect(dayIn(Date.parse('2026-12-09T04:30:00Z'), 'America/Toronto')).toBe('2026-12-08');
    expect(isAway({ until: '2026-12-09' }, dayIn(Date.parse('2026-12-09T04:30:00Z'), 'America/Toronto'))).toBe(true);
    expect(isAway({ until: '2026-12-09' }, dayIn(Date.parse('2026-12-09T05:00:00Z'), 'America/Toronto'))).toBe(false);
    expect(dayIn(Date.parse('2026-03-08T06:59:00Z'), 'America/Toronto')).toBe('2026-03-08');
    expect(dayIn(Date.parse('2026-11-01T05:30:00Z'), 'America/Toronto')).toBe('2026-11-01');
    expect(dayIn(Date.parse('2026-12-08T11:00:00Z'), 'Pacific/Auckland')).toBe('2026-12-09');
    expect(dayIn(0, 'Not/AZone')).toBe('1970-01-01');
    expect(isAway(null, '2026-12-01')).toBe(false);
  });
});
