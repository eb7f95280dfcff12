// Runs anywhere (libsodium passed in): the signed export of the clinic's audit trail (ADR 20).
// An IT admin's computer writes what it read and checked: every device's events (when it
// could open them), each batch's signed head with its inclusion proof, the relay's signed
// checkpoint, and the staff certificates of every device, all under the clinic root's key;
// then it signs the whole file with its own certified key. `npm run audit:verify -- FILE`
// checks all of it again, offline, with nothing but the file.
import { z } from 'zod';

import { type AuditBreak, type AuditSegment, AUDIT_PREFIX, auditWireEventSchema, checkAuditTrail, signedAuditCheckpointSchema, signedAuditHeadSchema } from './audit-log';
import { type SignedStaffCertificate, signedStaffCertificateSchema, verifyStaffCertificate } from './certificate';
import { fromBase64 } from './encoding';
import { base64BytesSchema, idSchema, timestampSchema } from './fields';
import { rootFingerprint } from './keys';
import { hasValidSignature, signDocument, signedSchema } from './signed';
import { type SodiumApi } from './sodium-api';

export const AUDIT_EXPORT_FORMAT = 'clinic-messenger/audit-export';

const segmentSchema = z.strictObject({
  deviceId: idSchema,
  fromSeq: z.number().int().min(1),
  toSeq: z.number().int().min(1),
  prevHash: base64BytesSchema(32),
  head: signedAuditHeadSchema,
  leafIndex: z.number().int().min(0),
  proof: z.array(base64BytesSchema(32)).max(64),
  events: z.array(auditWireEventSchema).nullable(),
});

export const auditExportSchema = z.strictObject({
  format: z.literal(AUDIT_EXPORT_FORMAT),
  v: z.literal(1),
  clinicId: idSchema,
  rootPublicKey: base64BytesSchema(32),
  exportedAt: timestampSchema,
  exportedBy: signedStaffCertificateSchema,
  logKey: base64BytesSchema(32),
  checkpoint: signedAuditCheckpointSchema,
  devices: z.array(signedStaffCertificateSchema).max(10_000),
  segments: z.array(segmentSchema),
  /** What the exporting computer found when it checked (the verifier finds it again for itself). */
  breaksFound: z.number().int().min(0),
});
export type AuditExport = z.infer<typeof auditExportSchema>;
export const signedAuditExportSchema = signedSchema(auditExportSchema);

export function signAuditExport(sodium: SodiumApi, document: AuditExport, signingKey: Uint8Array) {
  return signDocument(sodium, AUDIT_PREFIX.export, auditExportSchema, document, signingKey);
}

export type AuditExportReport =
  | {
      readonly ok: boolean;
      readonly clinicId: string;
      readonly fingerprint: string;
      readonly exportedAt: number;
      readonly exportedBy: string;
      readonly logSize: number;
      readonly devices: readonly { readonly deviceId: string; readonly staffId: string; readonly role: string; readonly events: number; readonly lastSeq: number }[];
      readonly events: number;
      readonly unreadable: number;
      readonly breaks: readonly AuditBreak[];
      /** Problems with the file as a whole: its signature, a certificate, the checkpoint. */
      readonly problems: readonly string[];
    }
  | { readonly ok: false; readonly unreadableFile: string };

/** Checks a signed export from its text. Never throws: a bad file is a report with `ok: false`. */
export function verifyAuditExport(sodium: SodiumApi, text: string): AuditExportReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, unreadableFile: 'The file is not JSON: it was cut short or edited.' };
  }
  const parsed = signedAuditExportSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, unreadableFile: `The file is not an audit export of this format (${parsed.error.issues[0]?.path.join('.') ?? 'shape'}).` };
  const signed = parsed.data;
  const doc = signed.document;
  const root = fromBase64(doc.rootPublicKey) as Uint8Array;
  const problems: string[] = [];
  // Certificates are checked at the moment they were issued: a device that has since left
  // (or whose certificate ran out) still vouches for what it recorded while it was there.
  const certified = (c: SignedStaffCertificate) => {
    try {
      return verifyStaffCertificate(sodium, c, { rootPublicKey: root, clinicId: doc.clinicId, now: c.certificate.issuedAt });
    } catch {
      return null;
    }
  };
  const exporter = certified(doc.exportedBy);
  if (!exporter || exporter.certificate.role !== 'it-admin') problems.push('The computer that signed the file is not an IT admin certified by this clinic.');
  if (!exporter || !hasValidSignature(sodium, AUDIT_PREFIX.export, signed, exporter.signingKey)) problems.push('The file’s signature does not verify: it was changed after it was exported.');
  const deviceKeys = new Map<string, Uint8Array>();
  const about = new Map<string, { staffId: string; role: string }>();
  for (const c of doc.devices) {
    const v = certified(c);
    if (!v) {
      problems.push(`The certificate of computer ${c.certificate.deviceId} is not signed by this clinic.`);
      continue;
    }
    deviceKeys.set(v.certificate.deviceId, v.signingKey);
    about.set(v.certificate.deviceId, { staffId: v.certificate.staffId, role: v.certificate.role });
  }
  const checkpoint = doc.checkpoint.document;
  if (!hasValidSignature(sodium, AUDIT_PREFIX.checkpoint, doc.checkpoint, fromBase64(doc.logKey) as Uint8Array) || checkpoint.clinicId !== doc.clinicId) {
    problems.push('The relay’s checkpoint is not signed by the log key in the file.');
  }
  const checked = checkAuditTrail(sodium, { clinicId: doc.clinicId, deviceKeys, checkpoint, segments: doc.segments as AuditSegment[] });
  const counts = new Map<string, number>();
  for (const e of checked.events) counts.set(e.recordedBy, (counts.get(e.recordedBy) ?? 0) + 1);
  return {
    ok: problems.length === 0 && checked.breaks.length === 0,
    clinicId: doc.clinicId,
    fingerprint: rootFingerprint(sodium, root),
    exportedAt: doc.exportedAt,
    exportedBy: doc.exportedBy.certificate.deviceId,
    logSize: checkpoint.size,
    devices: [...checked.heads.entries()].map(([deviceId, lastSeq]) => ({
      deviceId,
      staffId: about.get(deviceId)?.staffId ?? '?',
      role: about.get(deviceId)?.role ?? '?',
      events: counts.get(deviceId) ?? 0,
      lastSeq,
    })),
    events: checked.events.length,
    unreadable: checked.unreadable,
    breaks: checked.breaks,
    problems,
  };
}
