// The clinic-wide audit trail at the relay (ADR 20). Every staff device sends its own trail
// in batches, sealed to the IT admins; the relay cannot read them. It checks only what keeps
// the log in order: the batch is the sender's, its head is signed by the sender's key, and it
// follows on from the sender's last batch without a gap. Each batch becomes the next leaf of
// a Merkle log; the relay signs a checkpoint of the log for each listing, with a key it makes
// once, so an IT admin's computer can prove the log only ever grew.
import { AUDIT_GENESIS, AUDIT_PREFIX, MAX_AUDIT_BATCH_EVENTS, auditBatchSchema, headLeaf, signCheckpoint } from '../../shared/protocol/audit-log';
import { toBase64 } from '../../shared/protocol/encoding';
import { consistencyProof, inclusionProof, treeRoot } from '../../shared/protocol/merkle';
import { type Handlers, type RelayContext } from '../context';
import { conflict, refuse } from '../refusal';

/** A listing stays well inside one frame. */
const LIST_BYTES = 160 * 1024;
const LIST_LIMIT = 200;

export function auditHandlers(ctx: RelayContext): Handlers<'audit.put' | 'audit.status' | 'audit.list'> {
  const { store, sodium, now } = ctx;

  let logKey: Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> | null = null;
  const key = (): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }> => {
    logKey ??= (async () => {
      const held = await store.getAuditLogKey();
      if (held) return held;
      const made = sodium.crypto_sign_keypair();
      return store.putAuditLogKey({ publicKey: made.publicKey, secretKey: made.privateKey });
    })().catch((error: unknown) => {
      logKey = null;
      throw error;
    });
    return logKey;
  };

  return {
    'audit.put': async ({ body, device }) => {
      const binding = await ctx.clinicOrRefuse();
      const batch = body.batch;
      ctx.checkClinic(binding, batch.clinicId);
      if (batch.deviceId !== device.deviceId) refuse('forbidden', 'A computer can only send its own audit trail.');
      const head = ctx.signedBy(AUDIT_PREFIX.head, batch.head, device.signingKey, 'audit head');
      if (head.deviceId !== device.deviceId || head.clinicId !== binding.clinicId) refuse('forbidden', 'The audit head belongs to another computer.');
      if (head.seq !== batch.toSeq || batch.toSeq < batch.fromSeq || batch.toSeq - batch.fromSeq + 1 > MAX_AUDIT_BATCH_EVENTS) {
        refuse('invalid', 'The audit batch does not describe its own events.');
      }
      ctx.checkClock(head.at, 'audit head');
      const last = await store.lastAuditBatch(device.deviceId);
      const expected = (last?.toSeq ?? 0) + 1;
      if (batch.fromSeq !== expected) refuse('conflict', `The relay holds this computer's audit trail up to event ${expected - 1}.`);
      if (batch.prevHash !== (last?.headHash ?? toBase64(AUDIT_GENESIS))) refuse('invalid', 'The audit batch does not follow on from the last one held.');
      const stored = await store
        .appendAuditBatch({
          deviceId: device.deviceId,
          fromSeq: batch.fromSeq,
          toSeq: batch.toSeq,
          headHash: head.hash,
          leafHash: headLeaf(sodium, batch.head),
          batchJson: JSON.stringify(batch),
          createdAt: now(),
        })
        .catch(conflict('Another part of this computer’s audit trail arrived first; ask where it resumes.'));
      return { leafIndex: stored.leafIndex };
    },

    'audit.status': async ({ device }) => {
      const last = await store.lastAuditBatch(device.deviceId);
      return { nextSeq: (last?.toSeq ?? 0) + 1, prevHash: last?.headHash ?? toBase64(AUDIT_GENESIS) };
    },

    'audit.list': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const all = await store.auditLeaves();
      if (body.atSize !== undefined && body.atSize > all.length) refuse('invalid', 'The relay’s audit log is smaller than asked for.');
      const leaves = body.atSize === undefined ? all : all.slice(0, body.atSize);
      const size = leaves.length;
      if (body.knownSize > size) refuse('invalid', 'The relay’s audit log is smaller than the one this computer saw.');
      const signer = await key();
      const checkpoint = signCheckpoint(sodium, { v: 1, clinicId: binding.clinicId, size, root: toBase64(treeRoot(sodium, leaves)), at: now() }, signer.secretKey);
      const rows = body.after < size ? await store.listAuditBatches(body.after, LIST_LIMIT + 1) : [];
      const batches = [];
      let bytes = 0;
      for (const row of rows.slice(0, LIST_LIMIT).filter((r) => r.leafIndex < size)) {
        bytes += row.batchJson.length;
        if (batches.length > 0 && bytes > LIST_BYTES) break;
        batches.push({
          batchSeq: row.leafIndex + 1,
          leafIndex: row.leafIndex,
          batch: ctx.parseJson(auditBatchSchema, row.batchJson),
          proof: inclusionProof(sodium, leaves, row.leafIndex, size).map(toBase64),
        });
      }
      return {
        batches,
        checkpoint,
        logKey: toBase64(signer.publicKey),
        consistency: consistencyProof(sodium, leaves, body.knownSize, size).map(toBase64),
        more: batches.length < rows.filter((r) => r.leafIndex < size).length,
      };
    },
  };
}
