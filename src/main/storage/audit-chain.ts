// Runs in main (Node): the hash chain that makes the audit trail tamper-evident.
import type { Sodium } from '../crypto/sodium';
import { type JsonObject, canonicalJson } from '../../shared/protocol/canonical';

export const auditHashBytes = 32;

/** The `prev_hash` of the first event. */
export const genesisHash: Uint8Array = new Uint8Array(auditHashBytes);

/** What one audit event says; `seq` is part of it so events cannot be reordered unnoticed. */
export type AuditEventContent = {
  readonly seq: number;
  readonly at: number;
  readonly actorId: string;
  readonly deviceId: string | null;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string | null;
  readonly details: JsonObject;
};

/** hash = BLAKE2b-256(prev_hash || UTF-8 canonical JSON of the event). */
export function auditHash(sodium: Sodium, prevHash: Uint8Array, event: AuditEventContent): Uint8Array {
  if (prevHash.length !== auditHashBytes) throw new RangeError('The previous audit hash must be 32 bytes.');
  const body = new TextEncoder().encode(
    canonicalJson({
      seq: event.seq,
      at: event.at,
      actorId: event.actorId,
      deviceId: event.deviceId,
      action: event.action,
      subjectType: event.subjectType,
      subjectId: event.subjectId,
      details: event.details,
    }),
  );
  const input = new Uint8Array(prevHash.length + body.length);
  input.set(prevHash, 0);
  input.set(body, prevHash.length);
  return sodium.crypto_generichash(auditHashBytes, input, null);
}
