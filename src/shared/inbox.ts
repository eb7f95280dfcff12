// Runs anywhere: what the clinician's inbox, thread and compose exchange with main. Patient
// names come from the clinic's shared patient cards (sealed to the records key); content is
// decrypted in main and only ever crosses IPC to the renderer of the signed-in clinician.
import { z } from 'zod';

import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_ATTACHMENT_BYTES, attachmentTypeSchema, blobIdSchema } from './protocol/attachments';
import { HANDLED_REASONS, MAX_NOTE_CHARS, SENT_IN_ERROR_REASONS } from './protocol/care-team';
import { MAX_BODY_CHARS, bodyProblem } from './protocol/delivery';
import { consentScopeSchema } from './protocol/documents';
import { idSchema } from './protocol/fields';

/** What the consent in force lets a clinician do in one conversation. */
export const ConversationConsent = z.strictObject({
  state: z.enum(['active', 'withdrawn', 'expired', 'none']),
  scopes: z.array(consentScopeSchema),
  expiresAt: z.number().int().nullable(),
});
export type ConversationConsent = z.infer<typeof ConversationConsent>;

/** A colleague of the care team, as a row or a thread names them. */
export const TeamPerson = z.strictObject({ deviceId: idSchema, name: z.string() });
export type TeamPerson = z.infer<typeof TeamPerson>;

export const ConversationRow = z.strictObject({
  patientId: idSchema,
  /** From the patient card; null until a registrar's card reached this computer. */
  name: z.string().nullable(),
  /** The given name alone, for a quick reply's {firstName}; null without a card. */
  firstName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  /** Messages from the patient nobody has read on this computer. */
  unread: z.number().int().min(0),
  lastMessageAt: z.number().int().nullable(),
  /** The last message's first characters (at most 140), for the list. */
  preview: z.string(),
  lastFromPatient: z.boolean(),
  /** The patient wrote and no one from the clinic answered since. */
  needsAnswer: z.boolean(),
  /** The first patient message still waiting for an answer. */
  waitingSince: z.number().int().nullable(),
  /** When the clinic's stated response time runs out for that message (business hours). */
  replyDueAt: z.number().int().nullable(),
  /** Where the wait stands against the promise (null: nothing waits for an answer). */
  replyStage: z.enum(['on-time', 'due-soon', 'overdue']).nullable(),
  /** A patient's message that shows a sign of an emergency waits for an answer. */
  urgent: z.boolean(),
  consent: ConversationConsent,
  /** Whether the patient has connected a device (a reply can reach them). */
  enrolled: z.boolean(),
  hasDraft: z.boolean(),
  /** The clinician the conversation is assigned to (ADR 17); null: no one's. */
  assignedTo: TeamPerson.nullable(),
  /** The colleague covering while the assignee is away today. */
  coveredBy: TeamPerson.nullable(),
  /** It is with the person signed in here: assigned to them, or covered by them. */
  mine: z.boolean(),
});
export type ConversationRow = z.infer<typeof ConversationRow>;

export const InboxFilter = z.enum(['all', 'needs-answer', 'unread']);
export type InboxFilter = z.infer<typeof InboxFilter>;

/** Whose conversations the list shows: "Assigned to me", "Unassigned", "Everyone's". */
export const InboxWhose = z.enum(['mine', 'unassigned', 'everyone']);
export type InboxWhose = z.infer<typeof InboxWhose>;

/** Why a conversation's reply clock was stopped without a written reply. */
export const HandledReason = z.enum(HANDLED_REASONS);
/** Why a message of the clinic was marked "sent in error". */
export const SentInErrorReason = z.enum(SENT_IN_ERROR_REASONS);
/** The mark on a message sent in error: it stays in the record; the patient's portal hides its body. */
export const SentInErrorView = z.strictObject({ at: z.number().int(), by: TeamPerson, reason: SentInErrorReason, note: z.string() });

/** What the care team did in a thread besides writing: an assignment, or "handled another way". */
export const TeamNote = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('assigned'), eventId: idSchema, at: z.number().int(), by: TeamPerson, to: TeamPerson.nullable() }),
  z.strictObject({ kind: z.literal('handled'), eventId: idSchema, at: z.number().int(), by: TeamPerson, reason: HandledReason, note: z.string() }),
]);
export type TeamNote = z.infer<typeof TeamNote>;

export const TeamMember = z.strictObject({
  deviceId: idSchema,
  name: z.string(),
  role: z.enum(['clinician', 'it-admin']),
  self: z.boolean(),
  away: z.strictObject({ until: z.string(), covering: TeamPerson.nullable() }).nullable(),
});
export type TeamMember = z.infer<typeof TeamMember>;

export const TeamView = z.strictObject({
  members: z.array(TeamMember),
  /** This computer's device, and its absence today. */
  me: z.strictObject({ deviceId: idSchema, away: z.strictObject({ until: z.string(), covering: TeamPerson.nullable() }).nullable() }),
  /** Today in the clinic's time zone (YYYY-MM-DD): the earliest return date is tomorrow. */
  today: z.string(),
});
export type TeamView = z.infer<typeof TeamView>;

const IsoDay = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'date');

export const InboxList = z.strictObject({
  /** Sorted: urgent first, then needs an answer (the soonest due first), then unread, then most recent. */
  rows: z.array(ConversationRow),
  /** Over every conversation, before the query and filter: what the header counts. */
  counts: z.strictObject({ urgent: z.number().int(), dueSoon: z.number().int(), overdue: z.number().int(), mine: z.number().int(), unassigned: z.number().int() }),
  /** Conversations in the inbox, before the query and filter. */
  total: z.number().int(),
  /** Main's clock when the list was built, so the reply clock agrees with main. */
  now: z.number().int(),
});
export type InboxList = z.infer<typeof InboxList>;

/**
 * A message's state as the clinician sees it. `pending`: still inside the undo-send window,
 * not sealed nor sent; `queued`: sealed, waiting for the relay.
 */
export const ThreadMessageState = z.enum(['pending', 'queued', 'sent', 'delivered', 'read', 'failed', 'received']);
export type ThreadMessageState = z.infer<typeof ThreadMessageState>;

/**
 * A file of a message (ADR 19): `staged` attached in the composer and not sent yet,
 * `fetching` still coming from the relay, `ready` checked whole, `unverified` a chunk or its
 * hash did not verify (or the relay no longer has it): it is never shown.
 */
export const AttachmentView = z.strictObject({
  attachmentId: blobIdSchema,
  name: z.string(),
  type: attachmentTypeSchema,
  size: z.number().int(),
  state: z.enum(['staged', 'fetching', 'ready', 'unverified']),
});
export type AttachmentView = z.infer<typeof AttachmentView>;

/** The clinic's signed limits for files, as the composer checks them before main does. */
export const AttachmentLimits = z.strictObject({ types: z.array(attachmentTypeSchema), maxMegabytes: z.number().int(), perMessage: z.number().int() });
export type AttachmentLimits = z.infer<typeof AttachmentLimits>;

/** A file's bytes, as the renderer sends or receives them over IPC: canonical base64. */
const FileData = z
  .string()
  .max(Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4, 'too-big')
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'invalid');

export const ThreadMessage = z.strictObject({
  messageId: idSchema,
  /** Written by the patient. */
  fromPatient: z.boolean(),
  /** A patient's message marked urgent (by the patient, or by this computer's check of the clinic's signs). */
  urgent: z.boolean(),
  /** Written while the clinic was closed: the patient was shown the out-of-hours notice (reopening, expected answer). */
  outOfHours: z.strictObject({ reopensAt: z.number().int().nullable(), replyDueAt: z.number().int().nullable() }).nullable(),
  /** Written on this computer (otherwise a colleague or the patient). */
  mine: z.boolean(),
  body: z.string(),
  sentAt: z.number().int(),
  state: ThreadMessageState,
  /** For a failed message: why, in plain words. */
  failure: z.string().nullable(),
  /** For a pending message: when it leaves unless undone. */
  sendAt: z.number().int().nullable(),
  /** The files it carries, in order. */
  attachments: z.array(AttachmentView),
  /** Marked "sent in error" by the clinic (ADR 20), or null. */
  sentInError: SentInErrorView.nullable(),
});
export type ThreadMessage = z.infer<typeof ThreadMessage>;

/** Why the composer is closed, when it is. */
export const ComposeBlock = z.enum(['withdrawn', 'expired', 'no-consent', 'no-device', 'offline-unknown']);
export type ComposeBlock = z.infer<typeof ComposeBlock>;

export const Thread = z.strictObject({
  conversation: ConversationRow,
  /** Oldest first. */
  messages: z.array(ThreadMessage),
  /** There are older messages before the first one returned. */
  hasMore: z.boolean(),
  compose: z.strictObject({ allowed: z.boolean(), blockedBy: ComposeBlock.nullable() }),
  /** What files the composer may attach. */
  attachmentLimits: AttachmentLimits,
  undoSendSeconds: z.number().int().min(0),
  draft: z.string(),
  /** Assignments and "handled another way" marks, oldest first, for the care team only. */
  team: z.array(TeamNote),
  now: z.number().int(),
});
export type Thread = z.infer<typeof Thread>;

/** The body rule of every client (src/shared/protocol/delivery.ts), checked where it crosses IPC. */
export const MessageBody = z.string().max(MAX_BODY_CHARS, 'too-long').refine((t) => bodyProblem(t) !== 'empty', 'required');

export const inboxChannels = {
  'inbox:list': {
    request: z.strictObject({ query: z.string().max(100), filter: InboxFilter, whose: InboxWhose.optional() }),
    response: InboxList,
  },
  'inbox:thread': {
    /** `before`: a message id; returns up to `limit` messages older than it. */
    request: z.strictObject({ patientId: idSchema, before: idSchema.optional(), limit: z.number().int().min(1).max(500).optional() }),
    response: Thread,
  },
  'inbox:send': {
    /** A message with files may have no text. */
    request: z
      .strictObject({
        patientId: idSchema,
        body: z.string().max(MAX_BODY_CHARS, 'too-long'),
        attachments: z.array(blobIdSchema).max(MAX_ATTACHMENTS_PER_MESSAGE, 'too-many').optional(),
      })
      .refine((r) => bodyProblem(r.body) !== 'empty' || (r.attachments?.length ?? 0) > 0, { message: 'required', path: ['body'] }),
    response: ThreadMessage,
  },
  /** Takes a pending message back; its text and files are returned so the composer can restore them. */
  'inbox:undo': {
    request: z.strictObject({ messageId: idSchema }),
    response: z.strictObject({ undone: z.boolean(), body: z.string(), attachments: z.array(AttachmentView) }),
  },
  /**
   * Attaches a file to the next message to a patient: main reads its type from its bytes,
   * checks the clinic's limits, removes photo metadata, seals it and keeps it encrypted.
   */
  'inbox:attach': {
    request: z.strictObject({ patientId: idSchema, name: z.string().max(1000), data: FileData, alreadyAttached: z.number().int().min(0).max(MAX_ATTACHMENTS_PER_MESSAGE) }),
    response: AttachmentView,
  },
  /** Takes an attached file off before sending. */
  'inbox:discard-attachment': { request: z.strictObject({ attachmentId: blobIdSchema }), response: z.strictObject({ discarded: z.boolean() }) },
  /** A checked file's bytes, decrypted in memory for the viewer (never written to disk). */
  'inbox:attachment': {
    request: z.strictObject({ attachmentId: blobIdSchema }),
    response: z.strictObject({ name: z.string(), type: attachmentTypeSchema, data: z.string() }),
  },
  /** Saves a copy where the clinician chooses (the only decrypted copy ever written); audited. */
  'inbox:save-attachment': { request: z.strictObject({ attachmentId: blobIdSchema }), response: z.strictObject({ saved: z.boolean() }) },
  /** Marks every message of the conversation read (and tells the patient). */
  'inbox:mark-read': { request: z.strictObject({ patientId: idSchema }), response: z.strictObject({ marked: z.number().int() }) },
  /** Keeps the composer's text, encrypted with the profile; an empty text removes it. */
  'inbox:save-draft': { request: z.strictObject({ patientId: idSchema, text: z.string().max(MAX_BODY_CHARS, 'too-long') }), response: z.strictObject({ saved: z.boolean() }) },
  /** Sends again a message that failed for a reason that may have passed. */
  'inbox:retry': { request: z.strictObject({ messageId: idSchema }), response: ThreadMessage },
  /** Assigns the conversation to a clinician (`to`), or to no one (`null`), for the whole care team. */
  'inbox:assign': { request: z.strictObject({ patientId: idSchema, to: idSchema.nullable() }), response: z.strictObject({ assignedTo: TeamPerson.nullable() }) },
  /** Stops the reply clock of what the patient wrote so far, without writing: phoned, seen, withdrawn. */
  'inbox:handled': {
    request: z.strictObject({ patientId: idSchema, reason: HandledReason, note: z.string().max(MAX_NOTE_CHARS, 'too-long') }),
    response: z.strictObject({ handled: z.literal(true) }),
  },
  /** Marks a message of the clinic "sent in error": kept in the record, hidden from the patient, an incident for the privacy officer. */
  'inbox:sent-in-error': {
    request: z.strictObject({ patientId: idSchema, messageId: idSchema, reason: SentInErrorReason, note: z.string().max(MAX_NOTE_CHARS, 'too-long') }),
    response: z.strictObject({ marked: z.literal(true) }),
  },
  /** The care team: who can take a conversation, who is away and who covers. */
  'team:members': { request: z.strictObject({}), response: TeamView },
  /** Marks this clinician away until a return day with a covering colleague; `until` null: back. */
  'team:away': { request: z.strictObject({ until: IsoDay.nullable(), covering: idSchema.nullable() }), response: TeamView },
} as const;

/** Pushed to the renderer when messages, receipts or consents changed; the page refetches. */
export const InboxChanged = z.strictObject({ at: z.number().int() });

/** Asks the window to open a conversation (the clinician clicked its notification). */
export const InboxOpen = z.strictObject({ patientId: idSchema });
