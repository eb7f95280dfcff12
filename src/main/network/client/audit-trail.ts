// The clinic-wide audit trail from one device (ADR 20). Every staff device sends its own
// chained trail on, sealed to the IT admins' devices, with its chain head signed; an IT
// admin's device fetches every device's batches, checks the relay's signed checkpoint against
// the one it saw last (the log may only grow), each head's place in the log, and each chain.
import {
  type AuditBatch,
  type AuditBreak,
  type AuditCheckpoint,
  type AuditSegment,
  type AuditWireEvent,
  type CheckedAuditTrail,
  AUDIT_PREFIX,
  MAX_AUDIT_BATCH_EVENTS,
  MAX_AUDIT_CIPHERTEXT_BYTES,
  auditCheckpointSchema,
  checkAuditTrail,
  openAuditBatch,
  sealAuditBatch,
} from '../../../shared/protocol/audit-log';
import { AUDIT_EXPORT_FORMAT, type AuditExport, signAuditExport } from '../../../shared/protocol/audit-export';
import { type SignedStaffCertificate } from '../../../shared/protocol/certificate';
import { fromBase64 } from '../../../shared/protocol/encoding';
import { decodeChecked } from '../../../shared/protocol/fields';
import { verifyConsistency } from '../../../shared/protocol/merkle';
import { type AnswerBody } from '../../../shared/protocol/relay-frames';
import { type Signed, hasValidSignature, parseSigned } from '../../../shared/protocol/signed';
import { type StaffRole } from '../../../shared/roles';
import { fail } from './client-error';
import { type ClientContext } from './context';

/** Reads this device's own stored events after `afterSeq`, in order (the profile's audit trail). */
export type AuditSource = (afterSeq: number, limit: number) => readonly AuditWireEvent[];

/** A staff device as the IT admin's device last knew it; kept after a revocation, so its past still verifies. */
export type KnownAuditDevice = { readonly deviceId: string; readonly staffId: string; readonly role: StaffRole; readonly signingKey: string; readonly certificate: SignedStaffCertificate };

/** What an IT admin's device found: the checked trail, and the evidence for a signed export. */
export type ClinicAuditTrail = CheckedAuditTrail & {
  readonly checkpoint: AuditCheckpoint;
  readonly signedCheckpoint: AnswerBody<'audit.list'>['checkpoint'];
  readonly logKey: string;
  readonly segments: readonly AuditSegment[];
  readonly devices: ReadonlyMap<string, KnownAuditDevice>;
};

type LogMemory = { readonly logKey: string; readonly size: number; readonly root: string };

export class AuditTrail {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Sends what the relay does not hold yet of this device's trail, in batches, sealed to the
   * IT admins' devices. Returns how many events went. Resumes where the relay says it is.
   */
  async ship(source: AuditSource): Promise<number> {
    const id = this.ctx.identity.current();
    if (id.status !== 'active') return 0;
    const relay = await this.ctx.session.relay();
    const status = await relay.request('audit.status', {});
    const directory = await this.ctx.directory.forSealing();
    const recipients = [...directory.devices.values()].filter((d) => d.kind === 'staff' && d.role === 'it-admin').map((d) => ({ deviceId: d.deviceId, boxKey: d.boxKey }));
    if (recipients.length === 0) return 0;
    let sent = 0;
    let next = status.nextSeq;
    let prevHash = decodeChecked(status.prevHash);
    for (;;) {
      let events = source(next - 1, MAX_AUDIT_BATCH_EVENTS);
      if (events.length === 0) return sent;
      // A relay that claims more than this device ever wrote is caught by the IT admin's check; here it just stops.
      // The batch starts where the relay's copy ends: an event missing from this computer's
      // store (edited out) then shows as a gap to the IT admins, not as a silent skip.
      const seal = (): AuditBatch =>
        sealAuditBatch(this.ctx.sodium, { clinicId: id.clinicId, deviceId: id.deviceId, signingKey: this.ctx.identity.keys().signing.privateKey, fromSeq: next, events, prevHash, recipients, now: this.ctx.now() });
      let batch = seal();
      while (batch.ciphertext.length > MAX_AUDIT_CIPHERTEXT_BYTES / 2 && events.length > 1) {
        events = events.slice(0, Math.ceil(events.length / 2));
        batch = seal();
      }
      await relay.request('audit.put', { batch });
      sent += events.length;
      const last = events.at(-1) as AuditWireEvent;
      next = last.seq + 1;
      prevHash = decodeChecked(last.hash);
    }
  }

  /** (IT admins) Every device's trail, checked. A relay that rewrote its log is a break of kind `bad-checkpoint`. */
  async fetchClinic(): Promise<ClinicAuditTrail> {
    const id = this.ctx.identity.current();
    if (id.role !== 'it-admin') fail('not-allowed', 'Only an IT admin’s computer can read the clinic’s audit trail.');
    const relay = await this.ctx.session.relay();
    const devices = await this.rememberDevices();
    const memory = this.ctx.store.get<LogMemory>('audit-log');
    const breaks: AuditBreak[] = [];
    const segments: AuditSegment[] = [];
    let after = 0;
    let page: AnswerBody<'audit.list'>;
    let first: AnswerBody<'audit.list'> | null = null;
    do {
      // Every page after the first is proved against the first page's checkpoint.
      page = await relay.request('audit.list', first ? { after, knownSize: 0, atSize: first.checkpoint.document.size } : { after, knownSize: memory?.size ?? 0 });
      first ??= page;
      if (page.logKey !== first.logKey || page.checkpoint.document.size !== first.checkpoint.document.size || page.checkpoint.document.root !== first.checkpoint.document.root) {
        breaks.push({ kind: 'bad-checkpoint', deviceId: '', seq: 0 });
      }
      for (const b of page.batches) {
        const opened = openAuditBatch(this.ctx.sodium, b.batch, { deviceId: id.deviceId, box: this.ctx.identity.keys().box });
        if (!opened.ok && opened.reason === 'altered') breaks.push({ kind: 'altered', deviceId: b.batch.deviceId, seq: b.batch.fromSeq, toSeq: b.batch.toSeq });
        segments.push({
          deviceId: b.batch.deviceId,
          fromSeq: b.batch.fromSeq,
          toSeq: b.batch.toSeq,
          prevHash: b.batch.prevHash,
          head: b.batch.head,
          leafIndex: b.leafIndex,
          proof: b.proof,
          events: opened.ok ? opened.events : null,
        });
        after = b.batchSeq;
      }
    } while (page.more && page.batches.length > 0);
    const top = first;
    const checkpoint = this.checkCheckpoint(top, memory, breaks);
    const deviceKeys = new Map([...devices.values()].map((d) => [d.deviceId, decodeChecked(d.signingKey)]));
    const checked = checkAuditTrail(this.ctx.sodium, { clinicId: id.clinicId, deviceKeys, checkpoint, segments });
    const allBreaks = [...breaks, ...checked.breaks];
    if (!allBreaks.some((b) => b.kind === 'bad-checkpoint')) {
      this.ctx.store.put('audit-log', { logKey: top.logKey, size: checkpoint.size, root: checkpoint.root } satisfies LogMemory);
    }
    return { ...checked, breaks: allBreaks, checkpoint, signedCheckpoint: top.checkpoint, logKey: top.logKey, segments, devices };
  }

  /** The signed checkpoint of the first page, checked against the pinned log key and the last checkpoint seen. */
  private checkCheckpoint(page: AnswerBody<'audit.list'>, memory: LogMemory | null, breaks: AuditBreak[]): AuditCheckpoint {
    const id = this.ctx.identity.current();
    const logKey = fromBase64(page.logKey) ?? new Uint8Array(32);
    const signed = parseSigned(auditCheckpointSchema, page.checkpoint);
    const checkpoint = signed.document;
    const bad = (): void => void breaks.push({ kind: 'bad-checkpoint', deviceId: '', seq: 0 });
    if (!hasValidSignature(this.ctx.sodium, AUDIT_PREFIX.checkpoint, signed, logKey) || checkpoint.clinicId !== id.clinicId) bad();
    if (memory) {
      if (memory.logKey !== page.logKey) bad();
      else if (
        !verifyConsistency(this.ctx.sodium, {
          oldSize: memory.size,
          oldRoot: fromBase64(memory.root) ?? new Uint8Array(0),
          newSize: checkpoint.size,
          newRoot: fromBase64(checkpoint.root) ?? new Uint8Array(0),
          proof: page.consistency.map((p) => fromBase64(p) ?? new Uint8Array(0)),
        })
      ) {
        bad();
      }
    }
    return checkpoint;
  }

  /** The trail as a file signed by this (IT admin's) device, for `audit:verify` (ADR 20). */
  signedExport(trail: ClinicAuditTrail): Signed<AuditExport> {
    const id = this.ctx.identity.current();
    const own = this.ctx.identity.ownCertificateJson();
    if (!own || id.role !== 'it-admin') fail('not-allowed', 'Only an approved IT admin’s computer can sign an audit export.');
    return signAuditExport(
      this.ctx.sodium,
      {
        format: AUDIT_EXPORT_FORMAT,
        v: 1,
        clinicId: id.clinicId,
        rootPublicKey: id.rootPublicKey,
        exportedAt: this.ctx.now(),
        exportedBy: JSON.parse(own as string) as SignedStaffCertificate,
        logKey: trail.logKey,
        checkpoint: trail.signedCheckpoint,
        devices: [...trail.devices.values()].map((d) => d.certificate),
        segments: trail.segments.map((s) => ({ ...s, proof: [...s.proof], events: s.events ? [...s.events] : null })),
        breaksFound: trail.breaks.length,
      },
      this.ctx.identity.keys().signing.privateKey,
    );
  }

  /** The staff devices of the verified directory, added to those remembered (never removed). */
  private async rememberDevices(): Promise<ReadonlyMap<string, KnownAuditDevice>> {
    const known = new Map(Object.entries(this.ctx.store.get<Record<string, KnownAuditDevice>>('audit-devices') ?? {}));
    const verified = (await this.ctx.directory.verified(true)).devices;
    const raw = this.ctx.store.get<AnswerBody<'directory.get'>>('directory-raw');
    let grew = false;
    for (const entry of raw?.staff ?? []) {
      const c = entry.certificate;
      if (!verified.has(c.deviceId) || known.has(c.deviceId)) continue;
      known.set(c.deviceId, { deviceId: c.deviceId, staffId: c.staffId, role: c.role, signingKey: c.signingKey, certificate: entry });
      grew = true;
    }
    if (grew) this.ctx.store.put('audit-devices', Object.fromEntries(known));
    return known;
  }
}
