import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { type AuditWireEvent, AUDIT_GENESIS, auditEventHash, checkAuditTrail, headLeaf, openAuditBatch, sealAuditBatch } from './audit-log';
import { toBase64 } from './encoding';
import { inclusionProof, treeRoot } from './merkle';

let device: { publicKey: Uint8Array; privateKey: Uint8Array };
let admin: { publicKey: Uint8Array; privateKey: Uint8Array };
let other: { publicKey: Uint8Array; privateKey: Uint8Array };
beforeAll(async () => {
  await sodium.ready;
  device = sodium.crypto_sign_keypair();
  admin = sodium.crypto_box_keypair();
  other = sodium.crypto_box_keypair();
});

function chain(n: number, from = 1, prev: Uint8Array = AUDIT_GENESIS): AuditWireEvent[] {
  const out: AuditWireEvent[] = [];
  let p = prev;
  for (let seq = from; seq < from + n; seq++) {
    const event = { seq, at: 1_780_000_000_000 + seq, actorId: 'desk-sam', deviceId: 'dev-a', action: 'patient.viewed', subjectType: 'patient', subjectId: 'p1', details: { from: 'register' } };
    const hash = auditEventHash(sodium, p, event);
    out.push({ ...event, hash: toBase64(hash) });
    p = hash;
  }
  return out;
}

describe('audit batches', () => {
  const seal = (events: AuditWireEvent[], prev = AUDIT_GENESIS) =>
    sealAuditBatch(sodium, { clinicId: 'clinic-1', deviceId: 'dev-a', signingKey: device.privateKey, events, prevHash: prev, recipients: [{ deviceId: 'it-1', boxKey: admin.publicKey }], now: 1_780_000_000_000 });

  it('opens only for the IT admin devices it was sealed to, and refuses any change to its place', () => {
    const batch = seal(chain(3));
    expect(openAuditBatch(sodium, batch, { deviceId: 'it-1', box: admin })).toMatchObject({ ok: true });
    expect(openAuditBatch(sodium, batch, { deviceId: 'it-2', box: other })).toEqual({ ok: false, reason: 'not-a-recipient' });
    expect(openAuditBatch(sodium, { ...batch, fromSeq: 2 }, { deviceId: 'it-1', box: admin })).toEqual({ ok: false, reason: 'altered' });
    expect(openAuditBatch(sodium, { ...batch, deviceId: 'dev-b' }, { deviceId: 'it-1', box: admin })).toEqual({ ok: false, reason: 'altered' });
    expect(JSON.stringify(batch)).not.toContain('patient.viewed');
  });

  it('checks a chain across batches against the heads and the log, and names each break', () => {
    const first = chain(3);
    const second = chain(2, 4, Uint8Array.from(Buffer.from((first[2] as AuditWireEvent).hash, 'base64')));
    const b1 = seal(first);
    const b2 = seal(second, Uint8Array.from(Buffer.from((first[2] as AuditWireEvent).hash, 'base64')));
    const leaves = [headLeaf(sodium, b1.head), headLeaf(sodium, b2.head)];
    const checkpoint = { v: 1 as const, clinicId: 'clinic-1', size: 2, root: toBase64(treeRoot(sodium, leaves)), at: 0 };
    const segment = (b: typeof b1, i: number, events: AuditWireEvent[] | null) => ({ deviceId: 'dev-a', fromSeq: b.fromSeq, toSeq: b.toSeq, prevHash: b.prevHash, head: b.head, leafIndex: i, proof: inclusionProof(sodium, leaves, i).map(toBase64), events });
    const keys = new Map([['dev-a', device.publicKey]]);
    const ok = checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [segment(b1, 0, first), segment(b2, 1, second)] });
    expect(ok.breaks).toEqual([]);
    expect(ok.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    // Only the heads of a batch sealed to others: the chain still links, the events are counted unreadable.
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [segment(b1, 0, null), segment(b2, 1, second)] })).toMatchObject({ breaks: [], unreadable: 3 });
    // Dropped, reordered, altered, not in the log, unknown device.
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [segment(b2, 1, second)] }).breaks).toContainEqual({ kind: 'missing', deviceId: 'dev-a', seq: 1, toSeq: 3 });
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [segment(b2, 1, second), segment(b1, 0, first)] }).breaks).toContainEqual({ kind: 'reordered', deviceId: 'dev-a', seq: 1, toSeq: 3 });
    const edited = first.map((e) => (e.seq === 2 ? { ...e, details: { from: 'elsewhere' } } : e));
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [segment(b1, 0, edited), segment(b2, 1, second)] }).breaks).toEqual([{ kind: 'altered', deviceId: 'dev-a', seq: 2 }]);
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint: { ...checkpoint, size: 1 }, segments: [segment(b1, 0, first)] }).breaks).toContainEqual({ kind: 'not-in-log', deviceId: 'dev-a', seq: 3 });
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: new Map(), checkpoint, segments: [segment(b1, 0, first)] }).breaks).toEqual([{ kind: 'unknown-device', deviceId: 'dev-a', seq: 1, toSeq: 3 }]);
    const forged = { ...segment(b1, 0, first), head: { ...b1.head, document: { ...b1.head.document, seq: 3, at: 5 } } };
    expect(checkAuditTrail(sodium, { clinicId: 'clinic-1', deviceKeys: keys, checkpoint, segments: [forged] }).breaks).toContainEqual({ kind: 'bad-signature', deviceId: 'dev-a', seq: 1, toSeq: 3 });
  });
});
