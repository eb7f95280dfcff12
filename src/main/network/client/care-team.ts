// The care team (ADR 17): events this device writes and those its colleagues wrote. Writing
// checks the rule first (an assignment goes only to an active clinician, a covering colleague
// is another active clinician, names come only from IT), seals the event to the records key,
// stores it with its effect and sends it; it waits in the store until the relay takes it.
// Receiving opens every event against the verified directory and checks the same rules
// again: the relay is not trusted to have done it, and cannot read the events anyway.
import {
  type CareTeamEvent,
  type HandledReason,
  MAX_NOTE_CHARS,
  careTeamShapeProblem,
  dayIn,
  isAway,
  openCareTeamEvent,
  sealCareTeamEvent,
} from '../../../shared/protocol/care-team';
import { type Coalesced, coalesce } from '../../../shared/protocol/coalesce';
import { isFinalRefusal } from '../../../shared/protocol/delivery';
import { type VerifiedDevice } from '../../../shared/protocol/directory';
import { type ParsedEnvelope, parseEnvelope } from '../../../shared/protocol/envelope';
import { type AnswerBody } from '../../../shared/protocol/relay-frames';
import { type Absence, type Assignment } from '../team-state';
import { RelayError, type RelayConnection } from '../relay-connection';
import { ClientError, fail } from './client-error';
import { type ClientContext } from './context';
import { type Directory } from './directory-view';
import { randomId } from './identity';
import { decodeUtf8 } from './receiver';

export type TeamMember = {
  readonly deviceId: string;
  readonly name: string;
  readonly role: 'clinician' | 'it-admin';
  readonly self: boolean;
  /** Away today, until this day (they are back on it), covered by `covering`. */
  readonly away: { readonly until: string; readonly covering: string | null } | null;
};

/** Who a conversation is with: the assignee, and the colleague covering for them while they are away. */
export type Owner = { readonly assignee: string; readonly covering: string | null; readonly by: string; readonly at: number };

const READERS = new Set(['clinician', 'it-admin']);
const isReader = (d: VerifiedDevice | undefined): boolean => d !== undefined && d.kind === 'staff' && READERS.has(d.role ?? '');
const isClinician = (d: VerifiedDevice | undefined): boolean => d !== undefined && d.kind === 'staff' && d.role === 'clinician';

/** A readable fallback from a staff id (`ana-martin-k3j2x9q1` → `ana martin`) until IT names the device. */
export const nameFromStaffId = (staffId: string): string => staffId.replace(/-[a-z0-9]{8}$/, '').replace(/-/g, ' ') || staffId;

/** Whether `event`, from `sender`, is one this clinic accepts (checked on writing and on receiving). */
export function eventProblem(event: CareTeamEvent, senderId: string, devices: ReadonlyMap<string, VerifiedDevice>): string | null {
  const sender = devices.get(senderId);
  if (!isReader(sender)) return 'Only clinicians and IT admins take part in the care team.';
  switch (event.kind) {
    case 'assign':
      if (event.to !== null && !isClinician(devices.get(event.to))) return 'A conversation can only be assigned to an active clinician.';
      return null;
    case 'away':
      if (sender?.role !== 'clinician') return 'Only a clinician marks themselves away.';
      if (event.covering === senderId) return 'Choose a colleague other than yourself to cover.';
      if (event.covering !== null && !isClinician(devices.get(event.covering))) return 'Only an active clinician can cover.';
      return null;
    case 'roster':
      if (sender?.role !== 'it-admin') return 'Only an IT admin names the clinic’s devices.';
      return null;
    case 'read':
    case 'handled':
    case 'sent-in-error':
      return null;
  }
}

export class CareTeam {
  /** Sends what this device wrote and the relay does not hold yet. */
  readonly flush: Coalesced<number> = coalesce(() => this.flushOnce(), { combine: (a, b) => a + b });

  constructor(private readonly ctx: ClientContext) {}

  private today(directory: Directory | null): string {
    return dayIn(this.ctx.now(), directory?.rules?.timeZone ?? 'UTC');
  }

  /** Writes one event: checked, sealed, stored with its effect, then sent (or kept until the relay answers). */
  async publish(event: CareTeamEvent): Promise<void> {
    const id = this.ctx.identity.current();
    if (id.status !== 'active') fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    if (id.role !== 'clinician' && id.role !== 'it-admin') fail('not-allowed', 'Only clinicians and IT admins take part in the care team.');
    if ((event.kind === 'handled' || event.kind === 'sent-in-error') && event.note.length > MAX_NOTE_CHARS) fail('too-long', `A note holds at most ${MAX_NOTE_CHARS} characters.`);
    const directory = await this.ctx.directory.forSealing();
    const problem = eventProblem(event, id.deviceId, directory.devices);
    if (problem !== null) fail('not-allowed', problem);
    const eventId = randomId(this.ctx.sodium, 't');
    const sentAt = this.ctx.now();
    const envelope = sealCareTeamEvent(this.ctx.sodium, directory, { eventId, senderDeviceId: id.deviceId, sentAt, event }, this.ctx.identity.keys().signing.privateKey);
    if (!envelope) return fail('untrusted', 'The clinic has no records key yet.');
    this.ctx.store.team.add({ eventId, senderDeviceId: id.deviceId, sentAt, event }, JSON.stringify(envelope), null);
    this.ctx.changed();
    await this.flush().catch(() => 0);
  }

  private async flushOnce(): Promise<number> {
    const { store } = this.ctx;
    const unsent = store.team.unsent();
    if (unsent.length === 0) return 0;
    const connection = await this.ctx.session.relay();
    let sent = 0;
    for (const item of unsent) {
      try {
        const answer = await connection.request('team.publish', { event: JSON.parse(item.envelopeJson) });
        store.team.markSent(item.eventId, answer.teamSeq);
        sent += 1;
      } catch (error) {
        const code = error instanceof RelayError || error instanceof ClientError ? error.code : 'internal';
        if (code === 'stale-records-key') {
          // Nothing was stored: seal the same event again to the new records key, and send it next time.
          const directory = await this.ctx.directory.verified(true);
          const id = this.ctx.identity.current();
          const again = sealCareTeamEvent(this.ctx.sodium, directory, { eventId: item.eventId, senderDeviceId: id.deviceId, sentAt: item.sentAt, event: item.event }, this.ctx.identity.keys().signing.privateKey);
          store.team.replaceEnvelope(item.eventId, again ? JSON.stringify(again) : null);
          continue;
        }
        if (isFinalRefusal(code, 'message')) {
          store.team.replaceEnvelope(item.eventId, null);
          continue;
        }
        throw error;
      }
    }
    return sent;
  }

  /** Fetches the events newer than the stored cursor; keeps those that open and keep the rules. */
  async sync(connection: RelayConnection): Promise<number> {
    const { store } = this.ctx;
    let kept = 0;
    for (;;) {
      const after = store.get<number>('team-cursor') ?? 0;
      const { events, more }: AnswerBody<'team.list'> = await connection.request('team.list', { after, limit: 500 });
      if (events.length === 0) break;
      let directory = await this.ctx.directory.verified();
      for (const { teamSeq, event: raw } of events) {
        let parsed: ParsedEnvelope;
        try {
          parsed = parseEnvelope(raw);
        } catch {
          continue;
        }
        if (careTeamShapeProblem(parsed) !== null) continue;
        const { header } = parsed;
        if (store.team.has(header.messageId)) {
          if (header.senderDeviceId === this.ctx.identity.current().deviceId) store.team.markSent(header.messageId, teamSeq);
          continue;
        }
        if (!directory.devices.has(header.senderDeviceId)) directory = await this.ctx.directory.verified(true);
        const sender = directory.devices.get(header.senderDeviceId);
        const recordsKey = store.recordsKey(header.recordsEpoch);
        if (!sender || !isReader(sender) || !recordsKey) continue;
        const event = openCareTeamEvent(this.ctx.sodium, parsed, recordsKey, sender.signingKey, decodeUtf8);
        if (!event || eventProblem(event, header.senderDeviceId, directory.devices) !== null) continue;
        if (store.team.add({ eventId: header.messageId, senderDeviceId: header.senderDeviceId, sentAt: header.sentAt, event }, null, teamSeq)) kept += 1;
      }
      store.put('team-cursor', (events[events.length - 1] as { teamSeq: number }).teamSeq);
      if (!more) break;
    }
    if (kept > 0) this.ctx.changed();
    return kept;
  }

  // ------------------------------------------------------------------ reading the team's state

  /** The clinicians and IT admins of the clinic, with the names IT gave them and who is away today. */
  members(directory: Directory | null): TeamMember[] {
    const own = this.ctx.identity.current().deviceId;
    const names = this.ctx.store.team.names();
    const raw = this.ctx.store.get<AnswerBody<'directory.get'>>('directory-raw');
    const staffIds = new Map((raw?.staff ?? []).map((c) => [c.certificate.deviceId, c.certificate.staffId]));
    const absences = this.ctx.store.team.absences();
    const today = this.today(directory);
    const members: TeamMember[] = [];
    for (const d of directory?.devices.values() ?? []) {
      if (!isReader(d)) continue;
      const absence = absences.get(d.deviceId);
      members.push({
        deviceId: d.deviceId,
        name: names.get(d.deviceId) ?? nameFromStaffId(staffIds.get(d.deviceId) ?? d.deviceId),
        role: d.role as 'clinician' | 'it-admin',
        self: d.deviceId === own,
        away: absence && isAway(absence, today) ? { until: absence.until, covering: absence.covering } : null,
      });
    }
    return members.sort((a, b) => a.name.localeCompare(b.name) || a.deviceId.localeCompare(b.deviceId));
  }

  /**
   * Who each assigned conversation is with now: an assignee no longer an active clinician
   * leaves it unassigned; an assignee away today hands it to their covering colleague.
   */
  owners(directory: Directory | null): Map<string, Owner> {
    const assignments = this.ctx.store.team.assignments();
    const absences = this.ctx.store.team.absences();
    const today = this.today(directory);
    const owners = new Map<string, Owner>();
    for (const [conversationId, a] of assignments) {
      const owner = this.ownerOf(a, absences, today, directory);
      if (owner) owners.set(conversationId, owner);
    }
    return owners;
  }

  owner(conversationId: string, directory: Directory | null): Owner | null {
    const a = this.ctx.store.team.assignment(conversationId);
    return a ? this.ownerOf(a, this.ctx.store.team.absences(), this.today(directory), directory) : null;
  }

  private ownerOf(a: Assignment, absences: Map<string, Absence>, today: string, directory: Directory | null): Owner | null {
    if (a.to === null) return null;
    if (directory && !isClinician(directory.devices.get(a.to))) return null;
    const absence = absences.get(a.to);
    const covering = absence && isAway(absence, today) && absence.covering && (!directory || isClinician(directory.devices.get(absence.covering))) ? absence.covering : null;
    return { assignee: a.to, covering, by: a.by, at: a.at };
  }

  /** This device's own absence today, or null. */
  ownAbsence(directory: Directory | null): { until: string; covering: string | null } | null {
    const absence = this.ctx.store.team.absences().get(this.ctx.identity.current().deviceId);
    return absence && isAway(absence, this.today(directory)) ? { until: absence.until, covering: absence.covering } : null;
  }

  /**
   * Whether this device should be told about a conversation: it is the one it is with now (its
   * own, or covered for an absent colleague), or it is no one's and this person is not away.
   * An urgent message is told to every clinician who is not away.
   */
  shouldTell(conversationId: string, urgent: boolean, directory: Directory | null): boolean {
    const own = this.ctx.identity.current().deviceId;
    const away = this.ownAbsence(directory) !== null;
    const owner = this.owner(conversationId, directory);
    const handler = owner ? (owner.covering ?? owner.assignee) : null;
    if (handler === own) return true;
    if (away) return false;
    return urgent || handler === null;
  }

  /** Marks the conversation's patient messages up to `upTo` read for the whole team. */
  markRead(conversationId: string, upTo: number): Promise<void> {
    return this.publish({ v: 1, kind: 'read', conversationId, upTo });
  }

  /** Stops the reply clock of the messages up to `upTo`, with the reason. */
  handled(conversationId: string, upTo: number, reason: HandledReason, note: string): Promise<void> {
    return this.publish({ v: 1, kind: 'handled', conversationId, upTo, reason, note: note.trim() });
  }
}
