// Runs in main (Node): privacy incidents on the IT admin's computer (ADR 20). An incident opens
// by itself from a "sent in error" mark (a care-team event every IT admin computer receives)
// and from removing a computer as lost or stolen. The privacy officer records what happened,
// who was told and when, and the decision on notifying, before the deadline the clinic's rules
// set. Records live in the profile's encrypted clinic store; every change is audited (naming
// no content), and the export for the file needs a fresh step-up code.
import { writeFileSync } from 'node:fs';

import { type IncidentList, type IncidentRecord, type IncidentUpdate, type IncidentView } from '../../shared/incidents';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type ConsentService } from '../consent/consent-service';
import { nameFromStaffId } from '../network/client/care-team';
import { AppError } from '../router/app-error';

const DAY_MS = 86_400_000;

export type IncidentServiceOptions = {
  readonly clinic: ClinicService;
  readonly consent: Pick<ConsentService, 'audit'>;
  readonly requireStepUp: (action: string) => void;
  readonly chooseDestination: (suggestedName: string) => Promise<string | null>;
  readonly now?: () => number;
};

type LostDevice = { incidentId: string; deviceId: string; reason: 'lost' | 'stolen'; at: number; by: string };
type Stored = IncidentRecord & { timeline: { at: number; what: string; by: string }[] };

const emptyRecord = (): Stored => ({ whatHappened: '', told: [], decision: 'undecided', decisionNote: '', decidedAt: null, closedAt: null, timeline: [] });
const recordKey = (id: string): string => `incident-record:${id}`;

export function createIncidentService(options: IncidentServiceOptions) {
  const { clinic, consent } = options;
  const now = options.now ?? Date.now;

  /** This IT admin, as the incident's timeline names them. */
  const myName = (): string => {
    const staffId = clinic.client().summary()?.staffId;
    return staffId ? nameFromStaffId(staffId) : 'IT admin';
  };
  const nameOf = (deviceId: string): string => {
    const c = clinic.client();
    const named = c.local.team.names().get(deviceId);
    if (named) return named;
    return `${deviceId === c.deviceId ? 'this computer' : 'computer'} ${deviceId.slice(0, 8)}`;
  };

  function all(): IncidentView[] {
    const c = clinic.client();
    const days = c.storedRules()?.rules.security.incidentNoticeDays ?? 60;
    const view = (base: Omit<IncidentView, 'deadline' | 'record' | 'timeline'>): IncidentView => {
      const stored = c.local.get<Stored>(recordKey(base.incidentId)) ?? emptyRecord();
      const { timeline, ...record } = stored;
      return { ...base, deadline: base.openedAt + days * DAY_MS, record, timeline: [{ at: base.openedAt, what: 'opened', by: base.openedBy }, ...timeline] };
    };
    const marks = c.local.team.sentInError().map((k) =>
      view({ incidentId: `sie:${k.eventId}`, kind: 'sent-in-error', openedAt: k.at, openedBy: nameOf(k.by), patientId: k.conversationId, messageId: k.messageId, deviceId: null, reason: k.reason, note: k.note }),
    );
    const lost = (c.local.get<LostDevice[]>('incidents-lost-devices') ?? []).map((d) =>
      view({ incidentId: d.incidentId, kind: 'lost-device', openedAt: d.at, openedBy: d.by, patientId: null, messageId: null, deviceId: d.deviceId, reason: d.reason, note: '' }),
    );
    return [...marks, ...lost].sort((a, b) => b.openedAt - a.openedAt);
  }

  const find = (incidentId: string): IncidentView => all().find((i) => i.incidentId === incidentId) ?? (() => { throw new AppError('not-found', 'There is no such incident.'); })();

  const guard =
    <A, R>(work: (a: A) => R | Promise<R>) =>
    async (a: A): Promise<R> => {
      try {
        return await work(a);
      } catch (error) {
        throw error instanceof AppError ? error : clinicError(error);
      }
    };

  return {
    /** The incidents, newest first, after fetching the care team's latest marks (the stored ones when offline). */
    list: guard(async (): Promise<IncidentList> => {
      const c = clinic.client();
      await c.sync().catch(() => undefined);
      return { incidents: all(), noticeDays: c.storedRules()?.rules.security.incidentNoticeDays ?? 60, now: now() };
    }),

    /** Records what happened, someone told, or the decision; each change goes on the incident's timeline. */
    update: guard(async (request: IncidentUpdate): Promise<IncidentView> => {
      const incident = find(request.incidentId);
      const c = clinic.client();
      const stored = c.local.get<Stored>(recordKey(incident.incidentId)) ?? emptyRecord();
      if (stored.closedAt !== null && !request.close) throw new AppError('invalid-request', 'This incident is closed. Its record can no longer change.');
      const by = myName();
      const at = now();
      const next: Stored = { ...stored, timeline: [...stored.timeline] };
      const changes: string[] = [];
      if (request.whatHappened !== undefined && request.whatHappened !== stored.whatHappened) {
        next.whatHappened = request.whatHappened;
        changes.push('described');
      }
      if (request.told) {
        next.told = [...stored.told, request.told];
        changes.push('told');
      }
      if (request.decision !== undefined && request.decision !== stored.decision) {
        if (request.decision !== 'undecided' && (request.decisionNote ?? stored.decisionNote).trim() === '') {
          throw new AppError('invalid-request', 'Say why the clinic decided this.', { decisionNote: 'required' });
        }
        next.decision = request.decision;
        next.decidedAt = request.decision === 'undecided' ? null : at;
        changes.push(`decided-${request.decision}`);
      }
      if (request.decisionNote !== undefined && request.decisionNote !== stored.decisionNote) {
        next.decisionNote = request.decisionNote;
        if (!changes.some((ch) => ch.startsWith('decided'))) changes.push('decision-note');
      }
      if (request.close && stored.closedAt === null) {
        if (next.decision === 'undecided') throw new AppError('invalid-request', 'Record the decision on notifying before closing the incident.', { decision: 'required' });
        next.closedAt = at;
        changes.push('closed');
      }
      if (changes.length === 0) return find(incident.incidentId);
      for (const what of changes) next.timeline.push({ at, what, by });
      c.local.put(recordKey(incident.incidentId), next);
      await consent.audit('incident.updated', incident.patientId, { incidentId: incident.incidentId, kind: incident.kind, changes: changes.join(',') });
      return find(incident.incidentId);
    }),

    /** Writes one incident, with its timeline, as JSON for the file. */
    export: guard(async (request: { incidentId: string }): Promise<{ saved: boolean }> => {
      options.requireStepUp('incident.export');
      const incident = find(request.incidentId);
      const path = await options.chooseDestination(`incident-${new Date(incident.openedAt).toISOString().slice(0, 10)}-${incident.incidentId.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 24)}.json`);
      if (!path) return { saved: false };
      const clinicName = clinic.client().storedRules()?.rules.clinicName ?? null;
      try {
        writeFileSync(path, `${JSON.stringify({ format: 'clinic-messenger/incident/v1', clinic: clinicName, exportedAt: now(), incident }, null, 2)}\n`, { mode: 0o600 });
      } catch {
        throw new AppError('storage-failed', 'The export could not be written there. Choose another folder.');
      }
      await consent.audit('incident.exported', incident.patientId, { incidentId: incident.incidentId });
      return { saved: true };
    }),

    /** A computer removed as lost or stolen opens an incident, with when and by whom. */
    deviceLost(input: { deviceId: string; reason: string }): void {
      if (input.reason !== 'lost' && input.reason !== 'stolen') return;
      const c = clinic.client();
      const list = c.local.get<LostDevice[]>('incidents-lost-devices') ?? [];
      const by = myName();
      c.local.put('incidents-lost-devices', [...list, { incidentId: `dev:${input.deviceId}:${now()}`, deviceId: input.deviceId, reason: input.reason, at: now(), by }]);
      void consent.audit('incident.opened', null, { kind: 'lost-device', reason: input.reason, deviceId: input.deviceId });
    },
  };
}
export type IncidentService = ReturnType<typeof createIncidentService>;
