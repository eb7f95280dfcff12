// Attachment blobs (ADR 19): the relay stores ciphertext chunks it cannot read, under a
// random id, for the device that uploads them; hands them only to who may read the
// conversation once the message carrying their key was accepted; and checks again, on its
// own, what the clinic's signed rules and the patient's consent allow.
import {
  CHUNK_OVERHEAD_BYTES,
  SEALED_CHUNK_BYTES,
  chunkCount,
  defaultAttachmentRules,
  maxBytes,
  maxSealedBytes,
} from '../../shared/protocol/attachments';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { consentAllows } from '../../shared/protocol/documents';
import { fromBase64, toBase64 } from '../../shared/protocol/encoding';
import { type ParsedEnvelope } from '../../shared/protocol/envelope';
import { canSee } from '../audience';
import { type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';
import { type DeviceRecord } from '../store/relay-store';

/** A patient sends files only when the clinic's signed rules accept them and their consent in force has the scope. */
async function checkPatientMayAttach(ctx: RelayContext, rules: ClinicRules | null, patientId: string, scope = 'clinical'): Promise<void> {
  if (rules?.security.patientAttachments !== true) refuse('forbidden', 'This clinic does not accept photos or files from patients.');
  if (scope !== 'clinical' || !consentAllows(await ctx.latestConsent(patientId), 'attachments', ctx.now())) refuse('no-consent', 'You have not agreed to send photos and files; the clinic can change this with you.');
}

/** An upload never bound to a message is removed after this long. */
export const UNSENT_BLOB_TTL_MS = 7 * 86_400_000;

const rulesOf = (rules: ClinicRules | null) => rules?.attachments ?? defaultAttachmentRules;

export function blobHandlers(ctx: RelayContext): Handlers<'blob.put' | 'blob.status' | 'blob.get'> {
  const { store, now } = ctx;

  /** What a device may attach at all in this conversation, checked at each chunk and again at the message. */
  const checkAllowed = async (device: DeviceRecord, patientId: string): Promise<ClinicRules | null> => {
    if (device.kind === 'patient' && device.patientId !== patientId) refuse('wrong-patient', 'A patient can only send files in their own conversation.');
    const rules = await ctx.currentRules();
    if (device.kind === 'patient') await checkPatientMayAttach(ctx, rules, patientId);
    else if (!consentAllows(await ctx.latestConsent(patientId), 'clinical', now())) {
      refuse('no-consent', 'This patient has not agreed to messages, or has withdrawn or let that consent expire.');
    }
    return rules;
  };

  return {
    'blob.put': async ({ body, device }) => {
      const rules = rulesOf(await checkAllowed(device, body.patientId));
      const bytes = fromBase64(body.chunk) ?? refuse('invalid', 'The chunk is not canonical base64.');
      if (bytes.length <= CHUNK_OVERHEAD_BYTES || bytes.length > SEALED_CHUNK_BYTES) refuse('invalid', 'A chunk has the wrong size.');
      if (!body.last && bytes.length !== SEALED_CHUNK_BYTES) refuse('invalid', 'Every chunk but the last is full.');
      if (body.index >= chunkCount(maxBytes(rules))) refuse('too-large', `A file may be at most ${rules.maxMegabytes} MB.`);
      const held = await store.getBlob(body.blobId);
      if (held && held.storedBytes + bytes.length > maxSealedBytes(rules)) refuse('too-large', `A file may be at most ${rules.maxMegabytes} MB.`);
      const outcome = await store.putBlobChunk({ blobId: body.blobId, patientId: body.patientId, uploaderDeviceId: device.deviceId, index: body.index, bytes, last: body.last, at: now() });
      if (outcome.kind === 'conflict') {
        if (outcome.reason === 'owner') refuse('forbidden', 'This file belongs to another upload.');
        if (outcome.reason === 'bound') refuse('conflict', 'This file was already sent.');
        if (outcome.reason === 'bytes') refuse('conflict', 'Another chunk is already stored at this place.');
        refuse('invalid', 'This chunk is past the end of the file.');
      }
      if (outcome.kind === 'conflict') return refuse('invalid', 'This chunk cannot be stored.');
      const blob = outcome.blob;
      const stored = await store.blobPrefix(body.blobId);
      return { stored, complete: blob.chunkCount !== null && stored === blob.chunkCount };
    },

    'blob.status': async ({ body, device }) => {
      const blob = await store.getBlob(body.blobId);
      if (!blob || blob.uploaderDeviceId !== device.deviceId) return { stored: 0, complete: false, sent: false };
      const stored = await store.blobPrefix(body.blobId);
      return { stored, complete: blob.chunkCount !== null && stored === blob.chunkCount, sent: blob.messageId !== null };
    },

    'blob.get': async ({ body, device }) => {
      const blob = await store.getBlob(body.blobId);
      // Never tell an outsider whether the id exists.
      if (!blob || blob.messageId === null || !canSee(device, blob.patientId) || blob.chunkCount === null) return refuse('not-found', 'This file is not known here.');
      const chunk = (await store.getBlobChunk(body.blobId, body.index)) ?? refuse('not-found', 'This part of the file is not stored.');
      return { chunk: toBase64(chunk), chunks: blob.chunkCount };
    },
  };
}

/**
 * The blobs a message names (header.blobs): each one complete, uploaded by the sender for
 * this conversation, not another message's, and together within the clinic's limits. The
 * store binds them to the message in the same transaction.
 */
export async function checkMessageBlobs(ctx: RelayContext, device: DeviceRecord, envelope: ParsedEnvelope): Promise<readonly string[]> {
  const blobIds = envelope.header.blobs ?? [];
  if (blobIds.length === 0) return [];
  const rules = await ctx.currentRules();
  if (device.kind === 'patient') await checkPatientMayAttach(ctx, rules, envelope.header.patientId, envelope.header.scope);
  const limits = rulesOf(rules);
  if (blobIds.length > limits.perMessage) refuse('too-large', `A message may carry at most ${limits.perMessage} files.`);
  for (const blobId of blobIds) {
    const blob = await ctx.store.getBlob(blobId);
    if (!blob || blob.uploaderDeviceId !== device.deviceId || blob.patientId !== envelope.header.patientId) refuse('invalid', 'An attachment of this message was not uploaded by this device for this conversation.');
    if (blob?.messageId !== null && blob?.messageId !== envelope.header.messageId) refuse('conflict', 'An attachment of this message belongs to another message.');
    if (blob?.chunkCount === null || (await ctx.store.blobPrefix(blobId)) !== blob?.chunkCount) refuse('invalid', 'An attachment of this message is not completely uploaded.');
  }
  return blobIds;
}

/**
 * Retention at the relay: a message older than the clinic's retention period goes, with its
 * receipts and its blobs; an upload never sent goes after UNSENT_BLOB_TTL_MS.
 */
export async function sweepRetention(ctx: RelayContext): Promise<{ messages: number; blobs: number }> {
  const rules = await ctx.currentRules();
  const years = rules?.security.retentionYears ?? 100;
  const at = ctx.now();
  const messagesBefore = new Date(at);
  messagesBefore.setUTCFullYear(messagesBefore.getUTCFullYear() - years);
  const removed = await ctx.store.removeExpired({ messagesBefore: messagesBefore.getTime(), unboundBefore: at - UNSENT_BLOB_TTL_MS });
  if (removed.messages + removed.blobs > 0) ctx.log.info('retention.swept', { count: removed.messages + removed.blobs });
  return removed;
}
