// Runs in main (Node): the clinic-wide audit trail for this computer (ADR 20). Every staff
// computer sends its own trail on after each event and at each unlock; an IT admin's computer
// reads every computer's trail, checks it, filters it for the audit screen, and exports it as
// CSV or as a signed file that `npm run audit:verify` checks offline. Reading the trail and
// exporting it are themselves audited.
import { writeFileSync } from 'node:fs';

import { type AuditFilter, type AuditExportFormat, type AuditRow, type ClinicAuditView } from '../../shared/audit';
import { type AuditWireEvent } from '../../shared/protocol/audit-log';
import { coalesce } from '../../shared/protocol/coalesce';
import { toBase64 } from '../../shared/protocol/encoding';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type ConsentService } from '../consent/consent-service';
import { type ClinicAuditTrail } from '../network/client/audit-trail';
import type { Logger } from '../log';
import { AppError } from '../router/app-error';

export type AuditServiceOptions = {
  readonly clinic: ClinicService;
  readonly consent: ConsentService;
  readonly log: Logger;
  readonly now?: () => number;
  /** Where to save an export; null when cancelled. */
  readonly chooseDestination: (defaultName: string, format: AuditExportFormat) => Promise<string | null>;
  /** Refuses unless the IT admin gave a fresh authenticator code (step-up). */
  readonly requireStepUp: (action: string) => void;
};

const PAGE = 500;

export function createAuditService(options: AuditServiceOptions) {
  const { clinic, consent, log } = options;
  const now = options.now ?? Date.now;

  const source = (afterSeq: number, limit: number): AuditWireEvent[] =>
    consent.auditEventsAfter(afterSeq, limit).map((e) => ({
      seq: e.seq,
      at: e.at,
      actorId: e.actorId,
      deviceId: e.deviceId,
      action: e.action,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      details: e.details as AuditWireEvent['details'],
      hash: toBase64(e.hash),
    }));

  /** One pass at a time; offline or not yet approved, the events wait for the next pass. */
  const ship = coalesce(async (): Promise<number> => {
    let c;
    try {
      c = clinic.client();
    } catch {
      return 0;
    }
    const summary = c.summary();
    if (!summary || summary.pending) return 0;
    try {
      return await c.audit.ship(source);
    } catch (error) {
      log.warn('audit.ship-failed', { code: (error as { code?: string }).code ?? 'error' });
      return 0;
    }
  });

  let held: { trail: ClinicAuditTrail; at: number } | null = null;

  async function fetchTrail(): Promise<ClinicAuditTrail> {
    const c = clinic.client();
    if (c.summary()?.role !== 'it-admin') throw new AppError('forbidden', 'Only IT admins read the clinic’s audit trail.');
    await ship();
    try {
      const trail = await c.audit.fetchClinic();
      held = { trail, at: now() };
      if (trail.breaks.length > 0) log.warn('audit.breaks-found', { count: trail.breaks.length });
      return trail;
    } catch (error) {
      throw clinicError(error);
    }
  }

  const matches = (f: AuditFilter) => (e: ClinicAuditTrail['events'][number]) =>
    (!f.actorId || e.actorId === f.actorId) &&
    (!f.action || e.action === f.action || e.action.startsWith(f.action.endsWith('.') ? f.action : `${f.action}.`)) &&
    (!f.patientId || (e.subjectType === 'patient' && e.subjectId === f.patientId)) &&
    (!f.deviceId || e.recordedBy === f.deviceId) &&
    (f.from === undefined || e.at >= f.from) &&
    (f.to === undefined || e.at < f.to);

  const dayOf = (timeZone: string) => {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    return (at: number) => format.format(at);
  };

  function view(trail: ClinicAuditTrail, filter: AuditFilter): ClinicAuditView {
    const all = trail.events.filter(matches(filter)).sort((a, b) => b.at - a.at || (a.recordedBy < b.recordedBy ? -1 : 1) || b.seq - a.seq);
    const zone = clinic.client().storedRules()?.rules.timeZone ?? 'UTC';
    const day = dayOf(zone);
    const perDay = new Map<string, number>();
    for (const e of all) perDay.set(day(e.at), (perDay.get(day(e.at)) ?? 0) + 1);
    const counts = new Map<string, number>();
    for (const e of trail.events) counts.set(e.recordedBy, (counts.get(e.recordedBy) ?? 0) + 1);
    const self = clinic.client().deviceId;
    return {
      rows: all.slice(0, PAGE).map((e): AuditRow => ({ deviceId: e.recordedBy, seq: e.seq, at: e.at, actorId: e.actorId, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId, details: e.details as AuditRow['details'] })),
      matched: all.length,
      total: trail.events.length,
      computers: [...trail.devices.values()].map((d) => ({ deviceId: d.deviceId, staffId: d.staffId, role: d.role, lastSeq: trail.heads.get(d.deviceId) ?? 0, events: counts.get(d.deviceId) ?? 0, self: d.deviceId === self })),
      breaks: trail.breaks.map((b) => ({ kind: b.kind, deviceId: b.deviceId, seq: b.seq, ...(b.toSeq !== undefined ? { toSeq: b.toSeq } : {}) })),
      unreadable: trail.unreadable,
      timeline: [...perDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, count]) => ({ day: d, count })),
      logSize: trail.checkpoint.size,
      checkedAt: held?.at ?? now(),
    };
  }

  const csvCell = (value: unknown): string => {
    let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    // A cell a spreadsheet would run as a formula is kept as text.
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };

  function csv(trail: ClinicAuditTrail, filter: AuditFilter): string {
    const header = ['time_utc', 'computer', 'seq', 'staff', 'action', 'subject_type', 'subject_id', 'details'];
    const lines = trail.events
      .filter(matches(filter))
      .sort((a, b) => a.at - b.at || (a.recordedBy < b.recordedBy ? -1 : 1) || a.seq - b.seq)
      .map((e) => [new Date(e.at).toISOString(), e.recordedBy, e.seq, e.actorId, e.action, e.subjectType, e.subjectId, e.details].map(csvCell).join(','));
    return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
  }

  return {
    /** Sends this computer's new events on (after each event; at each unlock). */
    shipSoon(): void {
      void ship();
    },
    ship,
    async clinicTrail(filter: AuditFilter): Promise<ClinicAuditView> {
      const trail = await fetchTrail();
      await consent.audit('audit.read', filter.patientId ?? null, { filtered: Object.keys(filter).length > 0 });
      if (!ship.running) void ship();
      return view(trail, filter);
    },
    async exportTrail(request: { format: AuditExportFormat; filter: AuditFilter }): Promise<{ saved: boolean; events: number }> {
      options.requireStepUp('audit.export');
      const trail = await fetchTrail();
      const stamp = new Date(now()).toISOString().slice(0, 10);
      const path = await options.chooseDestination(request.format === 'csv' ? `audit-${stamp}.csv` : `audit-${stamp}.audit.json`, request.format);
      if (!path) return { saved: false, events: 0 };
      const text = request.format === 'csv' ? csv(trail, request.filter) : `${JSON.stringify(clinic.client().audit.signedExport(trail), null, 1)}\n`;
      try {
        writeFileSync(path, text, { mode: 0o600 });
      } catch {
        throw new AppError('storage-failed', 'The export could not be written there. Choose another folder.');
      }
      const events = request.format === 'csv' ? trail.events.filter(matches(request.filter)).length : trail.events.length;
      await consent.audit('audit.exported', request.filter.patientId ?? null, { format: request.format, events, breaks: trail.breaks.length });
      void ship();
      return { saved: true, events };
    },
  };
}
export type AuditService = ReturnType<typeof createAuditService>;
