// Runs anywhere (libsodium passed in): care-team events (ADR 17). What the clinicians of a
// clinic tell each other about the work, never the patient: who a conversation is assigned
// to, who is away and who covers, which patient messages the team has read, a conversation
// handled another way, and the names IT gives the staff devices. Each event travels as an
// envelope v1 with scope `care-team`, signed by its sender's device and sealed to the records
// key only. Its header names no patient and no conversation (both are the constant
// `care-team`): the relay stores the event and its order, and learns nothing else.
import { z } from 'zod';

import { utf8Encode } from './canonical';
import { type VerifiedDirectory } from './directory';
import { type Envelope, type ParsedEnvelope, openEnvelope, sealEnvelope } from './envelope';
import { decodeChecked, idSchema, timestampSchema } from './fields';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

export const CARE_TEAM_SCOPE = 'care-team';
/** The header's patient and conversation of every care-team event: the relay sees no patient. */
export const CARE_TEAM_ID = 'care-team';
/** An event is small: the relay refuses a larger ciphertext (a note is at most 500 characters). */
export const MAX_EVENT_BYTES = 4096;

/** Why a conversation's reply clock was stopped without a written reply. */
export const HANDLED_REASONS = ['phoned', 'seen-in-clinic', 'consent-withdrawn', 'other'] as const;
export type HandledReason = (typeof HANDLED_REASONS)[number];
export const MAX_NOTE_CHARS = 500;
/** Why a clinician marked a message of the clinic "sent in error" (ADR 20). */
export const SENT_IN_ERROR_REASONS = ['wrong-patient', 'wrong-content', 'wrong-file', 'other'] as const;
export type SentInErrorReason = (typeof SENT_IN_ERROR_REASONS)[number];

const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);

export const careTeamEventSchema = z.discriminatedUnion('kind', [
  /** The conversation is now someone's (`to`), or no one's (`to` null). */
  z.strictObject({ v: z.literal(1), kind: z.literal('assign'), conversationId: idSchema, to: idSchema.nullable() }),
  /** The team read the patient's messages of this conversation sent up to `upTo`. */
  z.strictObject({ v: z.literal(1), kind: z.literal('read'), conversationId: idSchema, upTo: timestampSchema }),
  /** The patient's messages sent up to `upTo` were answered another way: their reply clock stops. */
  z.strictObject({
    v: z.literal(1),
    kind: z.literal('handled'),
    conversationId: idSchema,
    upTo: timestampSchema,
    reason: z.enum(HANDLED_REASONS),
    note: z.string().trim().max(MAX_NOTE_CHARS),
  }),
  /** The sender is away until `until` (the day they return), covered by `covering`; `until` null: back. */
  z.strictObject({ v: z.literal(1), kind: z.literal('away'), until: isoDate.nullable(), covering: idSchema.nullable() }),
  /**
   * A message the clinic sent in this conversation was sent in error (to the wrong patient, say):
   * it stays in the record, marked, the patient's portal hides its body, and the privacy officer
   * gets an incident.
   */
  z.strictObject({
    v: z.literal(1),
    kind: z.literal('sent-in-error'),
    conversationId: idSchema,
    messageId: idSchema,
    reason: z.enum(SENT_IN_ERROR_REASONS),
    note: z.string().trim().max(MAX_NOTE_CHARS),
  }),
  /** An IT admin names a staff device (from the invite they issued). */
  z.strictObject({ v: z.literal(1), kind: z.literal('roster'), deviceId: idSchema, displayName: z.string().trim().min(1).max(200) }),
]);
export type CareTeamEvent = z.infer<typeof careTeamEventSchema>;

/** An event as a device holds it once it opened and checked it. */
export type ReceivedEvent = { readonly eventId: string; readonly senderDeviceId: string; readonly sentAt: number; readonly event: CareTeamEvent };

/** Seals one event to the records key in force, signed by the sender; null without a records key. */
export function sealCareTeamEvent(
  sodium: SodiumApi,
  directory: Pick<VerifiedDirectory, 'epoch'>,
  input: { eventId: string; senderDeviceId: string; sentAt: number; event: CareTeamEvent },
  senderSigningKey: Uint8Array,
): Envelope | null {
  const epoch = directory.epoch;
  if (!epoch) return null;
  const body = utf8Encode(JSON.stringify(careTeamEventSchema.parse(input.event)));
  if (body.length > MAX_EVENT_BYTES) throw new RangeError('A care-team event is over its size limit.');
  return sealEnvelope(sodium, {
    messageId: input.eventId,
    conversationId: CARE_TEAM_ID,
    patientId: CARE_TEAM_ID,
    senderDeviceId: input.senderDeviceId,
    sentAt: input.sentAt,
    scope: CARE_TEAM_SCOPE,
    recordsEpoch: epoch.epoch,
    body,
    recipients: [{ to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) }],
    senderSigningKey,
  });
}

/** What the relay (and every reader) checks on the outside of an event, without opening it. */
export function careTeamShapeProblem(envelope: ParsedEnvelope): string | null {
  const { header } = envelope;
  if (header.scope !== CARE_TEAM_SCOPE) return 'A care-team event must carry the care-team scope.';
  if (header.patientId !== CARE_TEAM_ID || header.conversationId !== CARE_TEAM_ID) return 'A care-team event names no patient and no conversation.';
  if (envelope.sealedKeys.size !== 1 || !envelope.sealedKeys.has(`records:${header.recordsEpoch}`)) return 'A care-team event is sealed to the records key only.';
  if (envelope.ciphertext.length > MAX_EVENT_BYTES + 16) return 'A care-team event is over its size limit.';
  return null;
}

/**
 * Opens an event with the records key of its epoch; null when it does not open or is not an
 * event. `decode` turns the body's bytes into text strictly (the shared zone has no TextDecoder).
 */
export function openCareTeamEvent(
  sodium: SodiumApi,
  envelope: ParsedEnvelope,
  recordsKey: SodiumKeyPair,
  senderSigningKey: Uint8Array,
  decode: (bytes: Uint8Array) => string | null,
): CareTeamEvent | null {
  if (careTeamShapeProblem(envelope) !== null) return null;
  try {
    const opened = openEnvelope(sodium, envelope, { recipientId: `records:${envelope.header.recordsEpoch}`, boxKeyPair: recordsKey, senderSigningPublicKey: senderSigningKey });
    const text = decode(opened.body);
    if (text === null) return null;
    const parsed = careTeamEventSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD (an absence ends on its return day). */
export function dayIn(at: number, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  } catch {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  }
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Whether an absence holds on `today` (YYYY-MM-DD): the person is back from `until` on. */
export const isAway = (absence: { readonly until: string } | null | undefined, today: string): boolean => absence !== null && absence !== undefined && today < absence.until;
