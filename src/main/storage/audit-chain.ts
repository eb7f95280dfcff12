// Runs in main (Node): the hash chain that makes the audit trail tamper-evident.
import type { Sodium } from '../crypto/sodium';
import { type AuditEvent, auditEventHash } from '../../shared/protocol/audit-log';
import { type JsonObject } from '../../shared/protocol/canonical';

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

/** hash = BLAKE2b-256(prev_hash || UTF-8 canonical JSON of the event): the one definition, shared with every verifier. */
export function auditHash(sodium: Sodium, prevHash: Uint8Array, event: AuditEventContent): Uint8Array {
  return auditEventHash(sodium, prevHash, event as AuditEvent);
}
