// Runs in main (Node): the clinician's inbox on top of this profile's ClinicClient. Lists
// conversations from the per-conversation summary kept with each message (never a scan of
// every message), names from the clinic's patient cards, consent from the verified
// directory, and the reply clock from the clinic's stated hours. A reply waits in the
// encrypted store for the policy's undo-send window before it is sealed and sent; drafts
// live in the same store, so both survive a restart.
import { replyStage } from '../../shared/reply-escalation';
import { writeFile } from 'node:fs/promises';

import {
  type AttachmentLimits,
  type AttachmentView,
  type ComposeBlock,
  type ConversationConsent,
  type ConversationRow,
  type InboxFilter,
  type InboxList,
  type InboxWhose,
  type TeamNote,
  type TeamPerson,
  type TeamView,
  type Thread,
  type ThreadMessage,
} from '../../shared/inbox';
import { AttachmentError, type AttachmentRules, type AttachmentType, defaultAttachmentRules } from '../../shared/protocol/attachments';
import { type HandledReason, type SentInErrorReason, dayIn } from '../../shared/protocol/care-team';
import { type HeldAttachment } from '../network/attachment-state';
import { STAGED_TTL_MS } from '../network/client/attachments';
import { type Owner } from '../network/client/care-team';
import { type ConsentStatus } from '../../shared/protocol/documents';
import { type PatientCard } from '../../shared/protocol/patient-card';
import { type ClinicService, clinicError } from '../clinic/clinic-service';
import { type Logger } from '../log';
import { type ClientMessage, type ConversationSummary, type PendingSend } from '../network/client-store';
import { type ClinicClient, ClientError, type Directory } from '../network/clinic-client';
import { AppError } from '../router/app-error';
import { holdsPlaceholder } from '../../shared/quick-replies';
import { type IncomingNotice, type NoticePreview } from '../shell/notifications';
import { type EscalationNotice, createDeadlineCache } from './escalation';
import { createInboxAlerts } from './inbox-alerts';

export type { IncomingNotice, NoticePreview };

export type InboxServiceOptions = {
  readonly clinic: ClinicService;
  readonly log: Logger;
  /** Tells the renderer that the inbox changed (debounced here). */
  readonly changed: () => void;
  /** Shows a desktop notification for new patient messages, as the policy allows. */
  readonly notify?: (notices: readonly IncomingNotice[], preview: NoticePreview) => void;
  readonly now?: () => number;
  /** How often the inbox asks the relay for news even without a push. */
  readonly pollMs?: number;
  /** Appends to this computer's audit trail (no message content ever goes in). */
  readonly audit?: (action: string, patientId: string | null, details: Record<string, string | number | boolean | null>) => Promise<void> | void;
  /** Asks where to save a copy of a file; null when the clinician cancelled. */
  readonly chooseAttachmentDestination?: (suggestedName: string, type: AttachmentType) => Promise<string | null>;
};

const attachmentLimits = (rules: AttachmentRules): AttachmentLimits => ({ types: [...rules.types], maxMegabytes: rules.maxMegabytes, perMessage: rules.perMessage });

const attachmentView = (a: HeldAttachment): AttachmentView => ({ attachmentId: a.blobId, name: a.ref.name, type: a.ref.type, size: a.ref.size, state: a.state });

/** Why a file cannot be attached, as the composer shows it (main's own check). */
const FILE_REFUSALS: Record<string, string> = {
  'wrong-type': 'This kind of file cannot be sent. The clinic accepts the types listed under the attach button.',
  'too-big': 'This file is over the clinic’s size limit.',
  empty: 'This file is empty.',
  'too-many': 'This message already has as many files as the clinic allows.',
  unreadable: 'This image could not be read; save it again as a JPEG or PNG and retry.',
  gone: 'An attached file is no longer on this computer; attach it again.',
};

/** A colleague by device, named as IT named them; one no longer in the directory is a former colleague. */
const personIn =
  (names: ReadonlyMap<string, string>) =>
  (deviceId: string): TeamPerson => ({ deviceId, name: names.get(deviceId) ?? 'A former colleague' });

/** What every row of one list shares: the team's state, read once per list. */
type TeamContext = { readonly own: string; readonly owners: ReadonlyMap<string, Owner>; readonly names: ReadonlyMap<string, string> };

const DEFAULT_THREAD_PAGE = 200;
const CHANGE_DEBOUNCE_MS = 100;

const fold = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

function consentOf(status: ConsentStatus | null, now: number): ConversationConsent {
  if (!status) return { state: 'none', scopes: [], expiresAt: null };
  if (status.activeScopes.length === 0) return { state: 'withdrawn', scopes: [], expiresAt: status.expiresAt };
  if (status.expiresAt !== null && now >= status.expiresAt) return { state: 'expired', scopes: [...status.activeScopes], expiresAt: status.expiresAt };
  return { state: 'active', scopes: [...status.activeScopes], expiresAt: status.expiresAt };
}

/** Why a clinician cannot write to this patient now, or null when they can. */
export function composeBlock(directory: Directory | null, patientId: string, now: number): ComposeBlock | null {
  if (!directory) return 'offline-unknown';
  const consent = consentOf(directory.consents.get(patientId) ?? null, now);
  if (consent.state === 'withdrawn') return 'withdrawn';
  if (consent.state === 'expired') return 'expired';
  if (consent.state === 'none' || !consent.scopes.includes('clinical')) return 'no-consent';
  for (const d of directory.devices.values()) if (d.kind === 'patient' && d.patientId === patientId) return null;
  return 'no-device';
}

/**
 * Urgent conversations first, then those needing an answer: soonest due first and, among
 * equal due times (every message that arrives while the clinic is closed is due at the same
 * moment), the patient who has waited longest. Then unread, then the most recent.
 */
export function compareRows(a: ConversationRow, b: ConversationRow): number {
  if (a.urgent !== b.urgent) return a.urgent ? -1 : 1;
  if (a.needsAnswer !== b.needsAnswer) return a.needsAnswer ? -1 : 1;
  if (a.needsAnswer) {
    const due = (a.replyDueAt ?? Number.MAX_SAFE_INTEGER) - (b.replyDueAt ?? Number.MAX_SAFE_INTEGER);
    if (due !== 0) return due;
    const waited = (a.waitingSince ?? Number.MAX_SAFE_INTEGER) - (b.waitingSince ?? Number.MAX_SAFE_INTEGER);
    if (waited !== 0) return waited;
  }
  if (a.unread > 0 !== b.unread > 0) return a.unread > 0 ? -1 : 1;
  const recent = (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0);
  if (recent !== 0) return recent;
  return (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.patientId.localeCompare(b.patientId);
}

export function createInboxService(options: InboxServiceOptions) {
  const { clinic, log } = options;
  const now = options.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  let poll: NodeJS.Timeout | null = null;
  let changeTimer: NodeJS.Timeout | null = null;
  const deadlines = createDeadlineCache();

  const client = (): ClinicClient => clinic.client();

  const changed = (): void => {
    if (changeTimer) return;
    changeTimer = setTimeout(() => {
      changeTimer = null;
      options.changed();
    }, CHANGE_DEBOUNCE_MS);
    changeTimer.unref();
  };

  const directoryOf = async (c: ClinicClient): Promise<Directory | null> => {
    try {
      return await c.verifiedDirectory();
    } catch {
      return c.cachedDirectory();
    }
  };


  function rowFor(
    patientId: string,
    summary: ConversationSummary | undefined,
    card: PatientCard | undefined,
    directory: Directory | null,
    enrolled: ReadonlySet<string>,
    drafts: ReadonlySet<string>,
    at: number,
    team: TeamContext,
  ): ConversationRow {
    const waitingSince = summary?.waitingSince ?? null;
    const owner = team.owners.get(patientId) ?? null;
    const person = personIn(team.names);
    const due = deadlines.of(directory?.rules ?? null, directory?.policy?.version ?? 0, waitingSince);
    return {
      patientId,
      name: card ? `${card.givenName} ${card.familyName}` : null,
      firstName: card?.givenName ?? null,
      dateOfBirth: card?.dateOfBirth ?? null,
      unread: summary?.unread ?? 0,
      lastMessageAt: summary?.lastAt ?? null,
      preview: summary?.preview ?? '',
      lastFromPatient: summary?.lastFromPatient ?? false,
      needsAnswer: waitingSince !== null,
      waitingSince,
      replyDueAt: due?.dueAt ?? null,
      replyStage: waitingSince === null ? null : due ? replyStage(due, at) : 'on-time',
      urgent: (summary?.urgentSince ?? null) !== null,
      consent: consentOf(directory?.consents.get(patientId) ?? null, at),
      enrolled: enrolled.has(patientId),
      hasDraft: drafts.has(patientId),
      assignedTo: owner ? person(owner.assignee) : null,
      coveredBy: owner?.covering ? person(owner.covering) : null,
      mine: owner !== null && (owner.covering ?? owner.assignee) === team.own,
    };
  }

  /** The team's state for one list or thread. */
  const teamContext = (c: ClinicClient, directory: Directory | null): TeamContext => ({
    own: c.deviceId,
    owners: c.team.owners(directory),
    names: new Map(c.team.members(directory).map((m) => [m.deviceId, m.name])),
  });

  const enrolledSet = (directory: Directory | null): Set<string> => {
    const set = new Set<string>();
    for (const d of directory?.devices.values() ?? []) if (d.kind === 'patient' && d.patientId) set.add(d.patientId);
    return set;
  };

  async function list(request: { query: string; filter: InboxFilter; whose?: InboxWhose | undefined }): Promise<InboxList> {
    const c = client();
    const at = now();
    const directory = await directoryOf(c);
    const store = c.local;
    const summaries = new Map(store.inbox.conversations().map((s) => [s.patientId, s]));
    const cards = c.patientCards();
    const ids = new Set<string>([...summaries.keys(), ...(directory?.consents.keys() ?? []), ...cards.keys()]);
    const enrolled = enrolledSet(directory);
    const drafts = store.inbox.draftPatients();
    const query = fold(request.query.trim());
    const mentioning = query.length >= 3 ? store.conversationsMentioning(request.query.trim()) : null;
    const rows: ConversationRow[] = [];
    const counts = { urgent: 0, dueSoon: 0, overdue: 0, mine: 0, unassigned: 0 };
    const team = teamContext(c, directory);
    const whose = request.whose ?? 'everyone';
    for (const patientId of ids) {
      const row = rowFor(patientId, summaries.get(patientId), cards.get(patientId), directory, enrolled, drafts, at, team);
      if (row.urgent) counts.urgent++;
      if (row.replyStage === 'due-soon') counts.dueSoon++;
      if (row.replyStage === 'overdue') counts.overdue++;
      if (row.mine) counts.mine++;
      if (row.assignedTo === null) counts.unassigned++;
      if (whose === 'mine' && !row.mine) continue;
      if (whose === 'unassigned' && row.assignedTo !== null) continue;
      if (request.filter === 'needs-answer' && !row.needsAnswer) continue;
      if (request.filter === 'unread' && row.unread === 0) continue;
      if (query && !(fold(`${row.name ?? ''} ${row.dateOfBirth ?? ''}`).includes(query) || patientId.toLowerCase().startsWith(query) || mentioning?.has(patientId))) continue;
      rows.push(row);
    }
    rows.sort(compareRows);
    return { rows, total: ids.size, counts, now: at };
  }

  const pendingMessage = (p: PendingSend): ThreadMessage => ({
    messageId: p.messageId,
    fromPatient: false,
    urgent: false,
    outOfHours: null,
    mine: true,
    body: p.body,
    sentAt: p.createdAt,
    state: 'pending',
    failure: null,
    sendAt: p.sendAt,
    attachments: pendingFiles(client(), p.messageId).map(attachmentView),
    sentInError: null,
  });
  /** The staged files a pending or failed message will carry (kept beside it until it is sent). */
  const pendingKey = (messageId: string): string => `pending-files:${messageId}`;
  function pendingFiles(c: ClinicClient, messageId: string): HeldAttachment[] {
    const ids = c.local.get<string[]>(pendingKey(messageId)) ?? [];
    return ids.map((id) => c.local.attachments.get(id)).filter((a): a is HeldAttachment => a !== null);
  }

  const threadMessage = (m: ClientMessage, ownDeviceId: string, files: readonly HeldAttachment[] = [], mark: ThreadMessage['sentInError'] = null): ThreadMessage => ({
    messageId: m.messageId,
    fromPatient: m.fromPatient,
    urgent: m.urgent,
    outOfHours: m.outOfHours,
    mine: m.senderDeviceId === ownDeviceId,
    body: m.body,
    sentAt: m.sentAt,
    state: m.state,
    failure: m.failure,
    sendAt: null,
    attachments: files.map(attachmentView),
    sentInError: mark,
  });

  const openedAt = new Map<string, number>();

  async function thread(request: { patientId: string; before?: string | undefined; limit?: number | undefined }): Promise<Thread> {
    const c = client();
    const at = now();
    const directory = await directoryOf(c);
    const store = c.local;
    // Reading is audited (ADR 20): once per conversation and ten minutes, not on every refresh.
    if (request.before === undefined && at - (openedAt.get(request.patientId) ?? -Infinity) > 10 * 60_000) {
      openedAt.set(request.patientId, at);
      await options.audit?.('conversation.opened', request.patientId, { messages: store.messagePage(request.patientId, 1).messages.length > 0 });
    }
    const page = store.messagePage(request.patientId, request.limit ?? DEFAULT_THREAD_PAGE, request.before);
    const own = c.deviceId;
    const files = store.attachments.ofMessages(page.messages.map((m) => m.messageId));
    const team = teamContext(c, directory);
    const person = personIn(team.names);
    const marks = new Map(store.team.sentInError(request.patientId).map((k) => [k.messageId, { at: k.at, by: person(k.by), reason: k.reason, note: k.note }]));
    const messages = page.messages.map((m) =>
      threadMessage(m, own, files.get(m.messageId) ?? (m.state === 'failed' ? pendingFiles(c, m.messageId) : []), marks.get(m.messageId) ?? null),
    );
    if (request.before === undefined) messages.push(...store.inbox.pending(request.patientId).map(pendingMessage));
    const blockedBy = composeBlock(directory, request.patientId, at);
    const conversation = rowFor(
      request.patientId,
      store.inbox.conversation(request.patientId) ?? undefined,
      c.patientCards().get(request.patientId),
      directory,
      enrolledSet(directory),
      store.inbox.draftPatients(),
      at,
      team,
    );
    return {
      conversation,
      messages,
      hasMore: page.hasMore,
      compose: { allowed: blockedBy === null, blockedBy },
      attachmentLimits: attachmentLimits(directory?.rules?.attachments ?? defaultAttachmentRules),
      undoSendSeconds: directory?.rules?.security.undoSendSeconds ?? 0,
      draft: store.inbox.draft(request.patientId),
      team: teamNotes(c, request.patientId, team.names),
      now: at,
    };
  }

  /** Assignments and "handled" marks of a conversation, oldest first. */
  function teamNotes(c: ClinicClient, patientId: string, names: ReadonlyMap<string, string>): TeamNote[] {
    const person = personIn(names);
    const notes: TeamNote[] = [
      ...c.local.team.assignmentHistory(patientId).map((a): TeamNote => ({ kind: 'assigned', eventId: a.eventId, at: a.at, by: person(a.by), to: a.to ? person(a.to) : null })),
      ...c.local.team.handled(patientId).map((h): TeamNote => ({ kind: 'handled', eventId: h.eventId, at: h.at, by: person(h.by), reason: h.reason, note: h.note })),
    ];
    return notes.sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId));
  }

  /** Assigns a conversation for the whole care team; only to an active clinician (main checks, and every receiver again). */
  async function assign(request: { patientId: string; to: string | null }): Promise<{ assignedTo: TeamPerson | null }> {
    const c = client();
    const directory = await directoryOf(c);
    if (request.to !== null) {
      const target = directory?.devices.get(request.to);
      if (!target || target.kind !== 'staff' || target.role !== 'clinician') {
        throw new AppError('invalid-request', 'A conversation can only be assigned to an active clinician of the clinic.', { to: 'not-a-clinician' });
      }
    }
    await c.team.publish({ v: 1, kind: 'assign', conversationId: request.patientId, to: request.to });
    await options.audit?.('conversation.assigned', request.patientId, { to: request.to, self: request.to === c.deviceId });
    changed();
    const name = request.to ? (c.team.members(directory).find((m) => m.deviceId === request.to)?.name ?? 'A colleague') : null;
    return { assignedTo: request.to ? { deviceId: request.to, name: name as string } : null };
  }

  /** Stops the reply clock of what the patient wrote so far, with a reason; nothing is deleted. */
  async function handled(request: { patientId: string; reason: HandledReason; note: string }): Promise<{ handled: true }> {
    const c = client();
    const summary = c.local.inbox.conversation(request.patientId);
    if (!summary || summary.waitingSince === null) {
      throw new AppError('invalid-request', 'Nothing in this conversation is waiting for an answer.', { patientId: 'nothing-waiting' });
    }
    if (request.reason === 'other' && request.note.trim().length === 0) {
      throw new AppError('invalid-request', 'Say in a few words how it was handled.', { note: 'required' });
    }
    const upTo = c.local.newestPatientMessageAt(request.patientId) ?? summary.lastAt;
    // Handled means seen: read for the team, and the patient's portal shows it read.
    await c.markConversationRead(request.patientId);
    await c.team.handled(request.patientId, upTo, request.reason, request.note);
    await options.audit?.('conversation.handled-another-way', request.patientId, { reason: request.reason, withNote: request.note.trim().length > 0 });
    changed();
    return { handled: true };
  }

  /**
   * Marks a message the clinic sent "sent in error" (ADR 20). It stays in the record, marked for
   * the whole care team; the patient's portal is told to hide its body; the privacy officer's
   * computers open an incident from the mark. Nothing is deleted.
   */
  async function sentInError(request: { patientId: string; messageId: string; reason: SentInErrorReason; note: string }): Promise<{ marked: true }> {
    const c = client();
    const message = c.local.message(request.messageId);
    if (!message || message.patientId !== request.patientId) throw new AppError('not-found', 'This message is not in this conversation.');
    if (message.fromPatient || !['sent', 'delivered', 'read'].includes(message.state)) {
      throw new AppError('invalid-request', 'Only a message the clinic sent can be marked sent in error.', { messageId: 'not-sent' });
    }
    if (c.local.team.sentInError(request.patientId).some((k) => k.messageId === request.messageId)) {
      throw new AppError('invalid-request', 'This message is already marked sent in error.', { messageId: 'already-marked' });
    }
    if (request.reason === 'other' && request.note.trim().length === 0) {
      throw new AppError('invalid-request', 'Say in a few words what went wrong.', { note: 'required' });
    }
    await c.team.publish({ v: 1, kind: 'sent-in-error', conversationId: request.patientId, messageId: request.messageId, reason: request.reason, note: request.note.trim() });
    await c.outbox.sendSentInError({ patientId: request.patientId, scope: message.scope, messageId: request.messageId });
    await options.audit?.('message.sent-in-error', request.patientId, { messageId: request.messageId, reason: request.reason });
    changed();
    return { marked: true };
  }

  async function teamView(c: ClinicClient): Promise<TeamView> {
    const directory = await directoryOf(c);
    const members = c.team.members(directory);
    const person = personIn(new Map(members.map((m) => [m.deviceId, m.name])));
    const named = (deviceId: string | null): TeamPerson | null => (deviceId ? person(deviceId) : null);
    const own = c.team.ownAbsence(directory);
    return {
      members: members.map((m) => ({ ...m, away: m.away ? { until: m.away.until, covering: named(m.away.covering) } : null })),
      me: { deviceId: c.deviceId, away: own ? { until: own.until, covering: named(own.covering) } : null },
      today: dayIn(now(), directory?.rules?.timeZone ?? 'UTC'),
    };
  }

  /** Marks this clinician away until a return day, covered by a colleague; `until` null: back now. */
  async function away(request: { until: string | null; covering: string | null }): Promise<TeamView> {
    const c = client();
    const directory = await directoryOf(c);
    if (request.until !== null) {
      const today = dayIn(now(), directory?.rules?.timeZone ?? 'UTC');
      if (request.until <= today) throw new AppError('invalid-request', 'The return day must be after today.', { until: 'past' });
      if (request.covering === null) throw new AppError('invalid-request', 'Choose the colleague who covers while you are away.', { covering: 'required' });
      const colleague = directory?.devices.get(request.covering);
      if (request.covering === c.deviceId || !colleague || colleague.kind !== 'staff' || colleague.role !== 'clinician') {
        throw new AppError('invalid-request', 'Only another active clinician can cover for you.', { covering: 'not-a-clinician' });
      }
    }
    await c.team.publish({ v: 1, kind: 'away', until: request.until, covering: request.until === null ? null : request.covering });
    await options.audit?.(request.until === null ? 'team.back' : 'team.away', null, { until: request.until, covering: request.covering });
    changed();
    return teamView(c);
  }

  /** Seals and sends a message whose undo window ran out; a refusal is kept as a failed message. */
  async function release(messageId: string): Promise<void> {
    timers.delete(messageId);
    let c: ClinicClient;
    try {
      c = client();
    } catch {
      return; // locked: it leaves at the next unlock
    }
    const pending = c.local.inbox.takePending(messageId);
    if (!pending) return;
    await dispatch(c, pending.patientId, pending.body, pending.messageId, pending.createdAt);
    changed();
  }

  async function dispatch(c: ClinicClient, patientId: string, body: string, messageId: string, writtenAt: number): Promise<ClientMessage> {
    const attachments = c.local.get<string[]>(pendingKey(messageId)) ?? [];
    try {
      const sent = await c.send({ patientId, body, messageId, ...(attachments.length > 0 ? { attachments } : {}) });
      // The files are the message's now (bound in the same step as it was stored).
      if (attachments.length > 0) c.local.put(pendingKey(messageId), []);
      return sent;
    } catch (error) {
      const reason = error instanceof ClientError || error instanceof Error ? error.message : 'The message could not be sent.';
      log.warn('inbox.send-refused', { code: error instanceof ClientError ? error.code : 'error' });
      c.local.addFailed({ messageId, patientId, senderDeviceId: c.deviceId, body, sentAt: writtenAt, failure: reason }, now());
      const failed = c.local.message(messageId);
      if (!failed) throw clinicError(error);
      return failed;
    }
  }

  function schedule(p: PendingSend): void {
    const delay = Math.max(0, p.sendAt - now());
    const timer = setTimeout(() => void release(p.messageId), delay);
    timers.set(p.messageId, timer);
  }

  async function send(request: { patientId: string; body: string; attachments?: readonly string[] | undefined }): Promise<ThreadMessage> {
    // A quick reply's placeholder left in the text would reach the patient as literal braces.
    if (holdsPlaceholder(request.body)) {
      throw new AppError('invalid-request', 'The message still holds a placeholder such as {firstName}. Replace it with the words to send.', { body: 'placeholder' });
    }
    const c = client();
    const at = now();
    const directory = await directoryOf(c);
    const blocked = composeBlock(directory, request.patientId, at);
    if (blocked !== null && blocked !== 'offline-unknown') {
      throw new AppError('clinic-refused', 'This patient cannot receive messages right now.', undefined, undefined, blocked);
    }
    const undoSeconds = directory?.rules?.security.undoSendSeconds ?? 0;
    const messageId = c.newMessageId();
    const files = request.attachments ?? [];
    for (const id of files) {
      const held = c.local.attachments.get(id);
      if (!held || held.patientId !== request.patientId || held.state !== 'staged' || held.messageId !== null) {
        throw new AppError('invalid-request', FILE_REFUSALS['gone'] as string, { attachments: 'gone' });
      }
    }
    if (files.length > 0) c.local.put(pendingKey(messageId), [...files]);
    c.local.inbox.saveDraft(request.patientId, '', at);
    if (undoSeconds > 0) {
      const pending: PendingSend = { messageId, patientId: request.patientId, body: request.body, createdAt: at, sendAt: at + undoSeconds * 1000 };
      c.local.inbox.addPending(pending);
      schedule(pending);
      changed();
      return pendingMessage(pending);
    }
    const message = await dispatch(c, request.patientId, request.body, messageId, at);
    changed();
    return threadMessage(message, c.deviceId);
  }

  function undo(request: { messageId: string }): { undone: boolean; body: string; attachments: AttachmentView[] } {
    const c = client();
    const pending = c.local.inbox.takePending(request.messageId);
    const timer = timers.get(request.messageId);
    if (timer) clearTimeout(timer);
    timers.delete(request.messageId);
    if (!pending) return { undone: false, body: '', attachments: [] };
    // The text goes back to the composer, and to the draft in case the app closes first; the files stay attached.
    c.local.inbox.saveDraft(pending.patientId, pending.body, now());
    const files = pendingFiles(c, pending.messageId).map(attachmentView);
    c.local.put(pendingKey(pending.messageId), []);
    changed();
    return { undone: true, body: pending.body, attachments: files };
  }

  /** Attaches a file to the next message: checked, cleaned, sealed and kept encrypted until sent. */
  async function attach(request: { patientId: string; name: string; data: string; alreadyAttached: number }): Promise<AttachmentView> {
    const c = client();
    const bytes = new Uint8Array(Buffer.from(request.data, 'base64'));
    try {
      const staged = await c.attachments.stage({ patientId: request.patientId, name: request.name, bytes, alreadyStaged: request.alreadyAttached });
      return { attachmentId: staged.blobId, name: staged.name, type: staged.type, size: staged.size, state: 'staged' };
    } catch (error) {
      if (error instanceof ClientError && error.code === 'file') {
        throw new AppError('invalid-request', FILE_REFUSALS[error.message] ?? 'This file cannot be attached.', { file: error.message });
      }
      throw error;
    } finally {
      bytes.fill(0);
    }
  }

  function discardAttachment(request: { attachmentId: string }): { discarded: boolean } {
    const c = client();
    const before = c.local.attachments.get(request.attachmentId);
    c.attachments.discard(request.attachmentId);
    return { discarded: before !== null && c.local.attachments.get(request.attachmentId) === null };
  }

  /** Opens a file in memory; a file that does not verify is refused with the words the thread shows. */
  function openFile(c: ClinicClient, attachmentId: string) {
    try {
      return c.attachments.open(attachmentId);
    } catch (error) {
      if (error instanceof AttachmentError) throw new AppError('not-found', 'The attachment could not be verified.', { attachment: 'unverified' });
      throw error;
    }
  }

  async function attachment(request: { attachmentId: string }): Promise<{ name: string; type: AttachmentType; data: string }> {
    const c = client();
    const { ref, bytes, held } = openFile(c, request.attachmentId);
    await options.audit?.('attachment.viewed', held.patientId, { type: ref.type, size: ref.size });
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    bytes.fill(0);
    return { name: ref.name, type: ref.type, data };
  }

  /** Writes the one decrypted copy, where the clinician chose, under the file's clean name. */
  async function saveAttachment(request: { attachmentId: string }): Promise<{ saved: boolean }> {
    const c = client();
    const held = c.local.attachments.get(request.attachmentId);
    if (!held) throw new AppError('not-found', 'This file is not on this computer.');
    const path = await options.chooseAttachmentDestination?.(held.ref.name, held.ref.type);
    if (!path) return { saved: false };
    const { ref, bytes } = openFile(c, request.attachmentId);
    try {
      await writeFile(path, bytes, { mode: 0o600 });
    } finally {
      bytes.fill(0);
    }
    await options.audit?.('attachment.saved', held.patientId, { type: ref.type, size: ref.size });
    return { saved: true };
  }

  async function retry(request: { messageId: string }): Promise<ThreadMessage> {
    const c = client();
    // Its files, whether they were still waiting beside it or already bound to it when it was refused.
    const files = [...(c.local.get<string[]>(pendingKey(request.messageId)) ?? []), ...c.local.attachments.unbind(request.messageId)];
    const failed = c.local.removeFailed(request.messageId);
    if (!failed) throw new AppError('not-found', 'This message is no longer waiting to be sent again.');
    c.local.put(pendingKey(request.messageId), []);
    return send({ patientId: failed.patientId, body: failed.body, attachments: files });
  }

  async function markRead(request: { patientId: string }): Promise<{ marked: number }> {
    const marked = await client().markConversationRead(request.patientId);
    if (marked > 0) changed();
    return { marked };
  }

  function saveDraft(request: { patientId: string; text: string }): { saved: boolean } {
    client().local.inbox.saveDraft(request.patientId, request.text, now());
    return { saved: true };
  }

  const alerts = createInboxAlerts({ clinic, now, deadlines, changed, ...(options.notify ? { notify: options.notify } : {}) });

  /** New messages from a sync: the list changed, and patients' messages are told as the policy allows. */
  function arrived(messages: readonly ClientMessage[]): void {
    changed();
    alerts.arrived(messages);
  }

  /** A profile was unlocked: pending replies are rescheduled and the inbox starts listening. */
  function attached(): void {
    detached();
    let c: ClinicClient;
    try {
      c = client();
    } catch {
      return;
    }
    const summary = c.summary();
    if (!summary || summary.pending) return;
    for (const p of c.local.inbox.pending()) schedule(p);
    // Files attached in a composer a day ago and never sent are removed, chunks and all.
    c.local.attachments.removeUnsentBefore(now() - STAGED_TTL_MS);
    const tick = (): void => {
      c.sync().catch(() => undefined);
    };
    tick();
    poll = setInterval(tick, options.pollMs ?? 30_000);
    poll.unref();
    alerts.check();
  }

  function detached(): void {
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    if (poll) clearInterval(poll);
    poll = null;
    alerts.stop();
    deadlines.clear();
  }

  const guard =
    <A, R>(work: (a: A) => R | Promise<R>) =>
    async (a: A): Promise<R> => {
      try {
        return await work(a);
      } catch (error) {
        throw clinicError(error);
      }
    };

  return {
    list: guard(list),
    thread: guard(thread),
    send: guard(send),
    undo: guard(undo),
    retry: guard(retry),
    markRead: guard(markRead),
    saveDraft: guard(saveDraft),
    assign: guard(assign),
    handled: guard(handled),
    sentInError: guard(sentInError),
    members: guard(() => teamView(client())),
    attach: guard(attach),
    discardAttachment: guard(discardAttachment),
    attachment: guard(attachment),
    saveAttachment: guard(saveAttachment),
    away: guard(away),
    /** For the clinic service's client: called on every stored change and new messages. */
    clientEvents: { changed, arrived },
    /** Looks at the reply times now (also run by its own timer); returns what it notified. */
    checkEscalations: (): EscalationNotice[] => alerts.check(),
    attached,
    detached,
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
