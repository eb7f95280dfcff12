// Runs anywhere (libsodium passed in): the clinic-wide audit trail (ADR 20).
//
// Each computer (each staff device) keeps its own hash-chained audit trail in its encrypted
// profile. It sends it on in batches: the events sealed to the IT admins' devices, and in
// the clear only what the relay needs to keep order — the device, the sequence range, the
// hash the batch follows on from, and the device's signed chain head at the batch's end.
// The relay keeps the batches unread and appends every head to a Merkle log (merkle.ts)
// whose checkpoints it signs. An IT admin's computer opens the batches and checks each
// device's chain from its first event: a gap, an event out of order, an edited event, a head
// that does not match or that is not in the log, each shows as a break that names the device
// and the sequence number. The signed export (`audit:verify`) carries the same evidence.
import { z } from 'zod';

import { canonicalBytes, canonicalJson, concatBytes, type JsonObject, signingInput, utf8Encode } from './canonical';
import { bytesEqual, fromBase64, toBase64 } from './encoding';
import { base64BytesSchema, decodeChecked, idSchema, timestampSchema } from './fields';
import { leafHash, verifyInclusion } from './merkle';
import { type Signed, hasValidSignature, signDocument, signedSchema } from './signed';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export const AUDIT_PREFIX = {
  head: 'clinic-messenger/audit-head/v1',
  batch: 'clinic-messenger/audit-batch/v1',
  checkpoint: 'clinic-messenger/audit-checkpoint/v1',
  export: 'clinic-messenger/audit-export/v1',
} as const;

export const AUDIT_HASH_BYTES = 32;
/** The `prevHash` of a device's first event. */
export const AUDIT_GENESIS: Uint8Array = new Uint8Array(AUDIT_HASH_BYTES);
/** At most this many events go in one batch (a batch must fit in one relay frame). */
export const MAX_AUDIT_BATCH_EVENTS = 100;
export const MAX_AUDIT_CIPHERTEXT_BYTES = 160 * 1024;
const MAX_RECIPIENTS = 64;

const detailValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null(), z.array(z.string().max(200)).max(100)]);

/** One event as a computer recorded it; `seq` counts from 1 on each device, with no gaps. */
export const auditEventSchema = z.strictObject({
  seq: z.number().int().min(1),
  at: timestampSchema,
  actorId: z.string().min(1).max(200),
  deviceId: idSchema.nullable(),
  action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/).max(100),
  subjectType: z.string().min(1).max(40),
  subjectId: z.string().max(100).nullable(),
  details: z.record(z.string().max(100), detailValue),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An event with the hash its computer stored for it. */
export const auditWireEventSchema = auditEventSchema.extend({ hash: base64BytesSchema(AUDIT_HASH_BYTES) });
export type AuditWireEvent = z.infer<typeof auditWireEventSchema>;

/** hash = BLAKE2b-256(prevHash || UTF-8 canonical JSON of the event). */
export function auditEventHash(sodium: Pick<SodiumApi, 'crypto_generichash'>, prevHash: Uint8Array, event: AuditEvent): Uint8Array {
  if (prevHash.length !== AUDIT_HASH_BYTES) throw new RangeError('The previous audit hash must be 32 bytes.');
  const body = utf8Encode(
    canonicalJson({
      seq: event.seq,
      at: event.at,
      actorId: event.actorId,
      deviceId: event.deviceId,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      details: event.details as JsonObject,
    }),
  );
  return sodium.crypto_generichash(AUDIT_HASH_BYTES, concatBytes(prevHash, body), null);
}

/** A device's chain head: "my audit trail has `seq` events and the last one hashes to `hash`". */
export const auditHeadSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  deviceId: idSchema,
  seq: z.number().int().min(1),
  hash: base64BytesSchema(AUDIT_HASH_BYTES),
  at: timestampSchema,
});
export type AuditHead = z.infer<typeof auditHeadSchema>;
export const signedAuditHeadSchema = signedSchema(auditHeadSchema);
export type SignedAuditHead = Signed<AuditHead>;

/** The Merkle leaf a head becomes in the relay's log: the canonical bytes of the signed head. */
export function headLeaf(sodium: Pick<SodiumApi, 'crypto_hash_sha256'>, head: SignedAuditHead): Uint8Array {
  return leafHash(sodium, canonicalBytes(head));
}

/** A batch as it travels and as the relay keeps it: the events sealed, their place in the clear. */
export const auditBatchSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  deviceId: idSchema,
  fromSeq: z.number().int().min(1),
  toSeq: z.number().int().min(1),
  /** The hash of the event before `fromSeq` (zeros for the first). */
  prevHash: base64BytesSchema(AUDIT_HASH_BYTES),
  nonce: base64BytesSchema(24),
  ciphertext: z.string().min(1).max(Math.ceil((MAX_AUDIT_CIPHERTEXT_BYTES * 4) / 3) + 4),
  /** The batch key sealed to each IT admin device (crypto_box_seal). */
  keys: z.array(z.strictObject({ deviceId: idSchema, sealedKey: base64BytesSchema(32 + 48) })).min(1).max(MAX_RECIPIENTS),
  head: signedAuditHeadSchema,
});
export type AuditBatch = z.infer<typeof auditBatchSchema>;

/** A signed statement by the relay of its log's size and root. */
export const auditCheckpointSchema = z.strictObject({
  v: z.literal(1),
  clinicId: idSchema,
  size: z.number().int().min(0),
  root: base64BytesSchema(32),
  at: timestampSchema,
});
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;
export const signedAuditCheckpointSchema = signedSchema(auditCheckpointSchema);
export type SignedAuditCheckpoint = Signed<AuditCheckpoint>;

const batchAd = (b: Pick<AuditBatch, 'clinicId' | 'deviceId' | 'fromSeq' | 'toSeq' | 'prevHash'>, headHash: string): Uint8Array =>
  signingInput(AUDIT_PREFIX.batch, { clinicId: b.clinicId, deviceId: b.deviceId, fromSeq: b.fromSeq, toSeq: b.toSeq, prevHash: b.prevHash, headHash });

export type AuditRecipient = { readonly deviceId: string; readonly boxKey: Uint8Array };

/**
 * Seals events `fromSeq…toSeq` (in order, each with its stored hash) for the IT admins'
 * devices and signs the head at `toSeq`. `prevHash` is the stored hash of event `fromSeq - 1`.
 */
export function sealAuditBatch(
  sodium: SodiumApi,
  input: {
    readonly clinicId: string;
    readonly deviceId: string;
    readonly signingKey: Uint8Array;
    /** Where the batch starts (default: the first event's seq). */
    readonly fromSeq?: number;
    readonly events: readonly AuditWireEvent[];
    readonly prevHash: Uint8Array;
    readonly recipients: readonly AuditRecipient[];
    readonly now: number;
  },
): AuditBatch {
  const first = input.events[0];
  const last = input.events.at(-1);
  if (!first || !last) throw new RangeError('A batch holds at least one event.');
  if (input.events.length > MAX_AUDIT_BATCH_EVENTS) throw new RangeError('Too many events for one batch.');
  if (input.recipients.length === 0) throw new RangeError('There is no IT admin device to seal the audit trail to.');
  const head = signDocument(
    sodium,
    AUDIT_PREFIX.head,
    auditHeadSchema,
    { v: 1, clinicId: input.clinicId, deviceId: input.deviceId, seq: last.seq, hash: last.hash, at: input.now },
    input.signingKey,
  );
  const place = { clinicId: input.clinicId, deviceId: input.deviceId, fromSeq: input.fromSeq ?? first.seq, toSeq: last.seq, prevHash: toBase64(input.prevHash) };
  const key = sodium.randombytes_buf(32);
  const nonce = sodium.randombytes_buf(24);
  const plaintext = utf8Encode(canonicalJson({ events: input.events }));
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, batchAd(place, last.hash), null, nonce, key);
  if (ciphertext.length > MAX_AUDIT_CIPHERTEXT_BYTES) throw new RangeError('The batch is too large.');
  return {
    v: 1,
    ...place,
    nonce: toBase64(nonce),
    ciphertext: toBase64(ciphertext),
    keys: input.recipients.slice(0, MAX_RECIPIENTS).map((r) => ({ deviceId: r.deviceId, sealedKey: toBase64(sodium.crypto_box_seal(key, r.boxKey)) })),
    head,
  };
}

/** The batch's events, or why not: `not-a-recipient` (sealed before this device was an IT admin's), `altered`. */
export function openAuditBatch(
  sodium: SodiumApi,
  batch: AuditBatch,
  me: { readonly deviceId: string; readonly box: SodiumKeyPair },
): { ok: true; events: AuditWireEvent[] } | { ok: false; reason: 'not-a-recipient' | 'altered' } {
  const mine = batch.keys.find((k) => k.deviceId === me.deviceId);
  if (!mine) return { ok: false, reason: 'not-a-recipient' };
  try {
    const key = sodium.crypto_box_seal_open(decodeChecked(mine.sealedKey), me.box.publicKey, me.box.privateKey);
    const plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, decodeChecked(batch.ciphertext), batchAd(batch, batch.head.document.hash), decodeChecked(batch.nonce), key);
    const parsed = z.strictObject({ events: z.array(auditWireEventSchema).min(1).max(MAX_AUDIT_BATCH_EVENTS) }).safeParse(JSON.parse(strictUtf8(plain)));
    return parsed.success ? { ok: true, events: parsed.data.events } : { ok: false, reason: 'altered' };
  } catch {
    return { ok: false, reason: 'altered' };
  }
}

type Utf8Decoder = { decode(bytes: Uint8Array): string };
const HostDecoder = (globalThis as { TextDecoder?: new (label: string, options: { fatal: boolean }) => Utf8Decoder }).TextDecoder;
/** Strict UTF-8 through the host's decoder (every host that opens audit batches, main and Node tools, has one). */
function strictUtf8(bytes: Uint8Array): string {
  if (!HostDecoder) throw new Error('This host cannot decode UTF-8.');
  return new HostDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function signCheckpoint(sodium: SodiumApi, checkpoint: AuditCheckpoint, logKey: Uint8Array): SignedAuditCheckpoint {
  return signDocument(sodium, AUDIT_PREFIX.checkpoint, auditCheckpointSchema, checkpoint, logKey);
}

// ------------------------------------------------------------------------------ checking

/** One batch as a verifier sees it, in the relay's order: its events when they could be opened. */
export type AuditSegment = {
  readonly deviceId: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly prevHash: string;
  readonly head: SignedAuditHead;
  /** The head's place in the log and its inclusion proof against `checkpoint`. */
  readonly leafIndex: number;
  readonly proof: readonly string[];
  /** null: sealed to others only (this IT admin joined later); the chain is followed through the heads. */
  readonly events: readonly AuditWireEvent[] | null;
};

export const auditBreakKinds = ['missing', 'reordered', 'altered', 'bad-signature', 'not-in-log', 'unknown-device', 'bad-checkpoint'] as const;
export type AuditBreakKind = (typeof auditBreakKinds)[number];
/** A place where the trail does not hold: the device and the sequence number (0: the log itself). */
export type AuditBreak = { readonly kind: AuditBreakKind; readonly deviceId: string; readonly seq: number; readonly toSeq?: number };

export type CheckedAuditTrail = {
  /** Every event that could be read, oldest first per device, with the device that recorded it. */
  readonly events: readonly (AuditEvent & { readonly recordedBy: string })[];
  readonly breaks: readonly AuditBreak[];
  /** Events sealed only to other devices. */
  readonly unreadable: number;
  /** Per device: the last sequence number its signed head vouches for. */
  readonly heads: ReadonlyMap<string, number>;
};

/**
 * Checks segments (in the order the relay gave them) against the devices' signing keys and a
 * checkpoint already verified. Never throws on what the relay or a file says: it reports.
 */
export function checkAuditTrail(
  sodium: SodiumApi,
  input: {
    readonly clinicId: string;
    readonly deviceKeys: ReadonlyMap<string, Uint8Array>;
    readonly checkpoint: AuditCheckpoint;
    readonly segments: readonly AuditSegment[];
  },
): CheckedAuditTrail {
  const breaks: AuditBreak[] = [];
  const events: (AuditEvent & { recordedBy: string })[] = [];
  const heads = new Map<string, number>();
  const state = new Map<string, { nextSeq: number; prevHash: string }>();
  let unreadable = 0;
  const root = fromBase64(input.checkpoint.root) ?? new Uint8Array(32);

  for (const s of input.segments) {
    const key = input.deviceKeys.get(s.deviceId);
    if (!key) {
      breaks.push({ kind: 'unknown-device', deviceId: s.deviceId, seq: s.fromSeq, toSeq: s.toSeq });
      continue;
    }
    const head = s.head.document;
    if (!hasValidSignature(sodium, AUDIT_PREFIX.head, s.head, key) || head.deviceId !== s.deviceId || head.clinicId !== input.clinicId) {
      breaks.push({ kind: 'bad-signature', deviceId: s.deviceId, seq: s.fromSeq, toSeq: s.toSeq });
      continue;
    }
    const proof = s.proof.map((p) => fromBase64(p) ?? new Uint8Array(0));
    if (!verifyInclusion(sodium, { index: s.leafIndex, size: input.checkpoint.size, leaf: headLeaf(sodium, s.head), proof, root })) {
      breaks.push({ kind: 'not-in-log', deviceId: s.deviceId, seq: head.seq });
    }
    const at = state.get(s.deviceId) ?? { nextSeq: 1, prevHash: toBase64(AUDIT_GENESIS) };
    if (s.fromSeq > at.nextSeq) breaks.push({ kind: 'missing', deviceId: s.deviceId, seq: at.nextSeq, toSeq: s.fromSeq - 1 });
    else if (s.fromSeq < at.nextSeq) breaks.push({ kind: 'reordered', deviceId: s.deviceId, seq: s.fromSeq, toSeq: s.toSeq });
    else if (s.prevHash !== at.prevHash) breaks.push({ kind: 'altered', deviceId: s.deviceId, seq: s.fromSeq });
    if (head.seq !== s.toSeq || s.toSeq < s.fromSeq) breaks.push({ kind: 'altered', deviceId: s.deviceId, seq: s.toSeq });

    if (s.events === null) {
      unreadable += Math.max(0, s.toSeq - s.fromSeq + 1);
    } else {
      let expected = s.fromSeq;
      let prev = fromBase64(s.prevHash) ?? AUDIT_GENESIS;
      for (const e of s.events) {
        if (e.seq > expected) breaks.push({ kind: 'missing', deviceId: s.deviceId, seq: expected, toSeq: e.seq - 1 });
        else if (e.seq < expected) breaks.push({ kind: 'reordered', deviceId: s.deviceId, seq: e.seq });
        const { hash, ...event } = e;
        const computed = auditEventHash(sodium, prev, event);
        if (!bytesEqual(computed, fromBase64(hash) ?? new Uint8Array(0))) breaks.push({ kind: 'altered', deviceId: s.deviceId, seq: e.seq });
        // The next event is checked against what this device stored, so one edit is one break.
        prev = fromBase64(hash) ?? computed;
        expected = e.seq + 1;
        events.push({ ...event, recordedBy: s.deviceId });
      }
      if (expected !== s.toSeq + 1) breaks.push({ kind: 'missing', deviceId: s.deviceId, seq: expected, toSeq: s.toSeq });
      if (toBase64(prev) !== head.hash) breaks.push({ kind: 'altered', deviceId: s.deviceId, seq: s.toSeq });
    }
    if (s.fromSeq >= at.nextSeq || s.toSeq >= at.nextSeq) state.set(s.deviceId, { nextSeq: Math.max(at.nextSeq, s.toSeq + 1), prevHash: head.hash });
    heads.set(s.deviceId, Math.max(heads.get(s.deviceId) ?? 0, head.seq));
  }
  return { events, breaks: dedupe(breaks), unreadable, heads };
}

function dedupe(breaks: readonly AuditBreak[]): AuditBreak[] {
  const seen = new Set<string>();
  return breaks.filter((b) => {
    const key = `${b.kind}|${b.deviceId}|${b.seq}|${b.toSeq ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
