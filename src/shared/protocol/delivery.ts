// Runs anywhere (libsodium passed in): the delivery rules every client follows, written once
// for the desktop app and the patient portal (ADR 13). A body's limits; the states of a
// message, which only move forward; which refusals of the relay are final and how long to
// wait before trying again; sealing a message to its recipients (the records key in force and
// the patient's devices); and opening an incoming envelope, trusting nothing the relay says
// about who sent it.
import { type VerifiedDevice, type VerifiedDirectory } from './directory';
import { type Envelope, type EnvelopeRecipient, type ParsedEnvelope, openEnvelope, parseEnvelope, sealEnvelope } from './envelope';
import { utf8Encode } from './canonical';
import { decodeChecked } from './fields';
import { type SodiumApi, type SodiumKeyPair } from './sodium-api';

/** The longest message body, in UTF-16 code units as the composers count them. */
export const MAX_BODY_CHARS = 20_000;

export type BodyProblem = 'empty' | 'too-long';

/** Why a body cannot be sent, or null when it can. */
export function bodyProblem(body: string): BodyProblem | null {
  if (body.trim().length === 0) return 'empty';
  if (body.length > MAX_BODY_CHARS) return 'too-long';
  return null;
}

export type MessageState = 'failed' | 'queued' | 'sent' | 'delivered' | 'read' | 'received';

const STATE_RANK: Record<MessageState, number> = { failed: 0, queued: 1, sent: 2, delivered: 3, read: 4, received: 5 };

/** A state never moves back (a late "delivered" after "read" changes nothing); "failed" always applies. */
export const nextState = (current: MessageState, reported: MessageState): MessageState => (reported === 'failed' || STATE_RANK[reported] > STATE_RANK[current] ? reported : current);

/** Relay refusals after which sending the same envelope again cannot succeed. */
const PERMANENT = new Set(['no-consent', 'wrong-patient', 'forbidden', 'invalid', 'bad-signature', 'conflict', 'revoked', 'not-found', 'malformed', 'too-large']);

/** Whether an outbox item is dropped (and a message marked failed) on this refusal. */
export const isFinalRefusal = (code: string, kind: 'message' | 'receipt'): boolean => PERMANENT.has(code) || (kind === 'receipt' && code === 'not-found');

/** Backoff before the next attempt: 1 s, 2 s, 4 s … capped at `capMs`, with ±20 % jitter. */
export function retryDelayMs(attempts: number, capMs = 300_000, random: () => number = Math.random): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.min(attempts, 20));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export type Outgoing = {
  readonly messageId: string;
  readonly patientId: string;
  readonly senderDeviceId: string;
  readonly scope: string;
  readonly body: string;
  readonly sentAt: number;
  /** The relay blob ids of the attachments the body describes (ADR 19). */
  readonly blobs?: readonly string[] | undefined;
};

/**
 * Seals a message to the records key in force and every device of the patient, signed by the
 * sender. Null when there is no records key yet. `patientDevices` is how many of the
 * patient's devices it reached (a clinician's reply to nobody is refused by the caller).
 */
export function sealMessage(sodium: SodiumApi, directory: Pick<VerifiedDirectory, 'devices' | 'epoch'>, m: Outgoing, senderSigningKey: Uint8Array): { envelope: Envelope; patientDevices: number } | null {
  const epoch = directory.epoch;
  if (!epoch) return null;
  const recipients: EnvelopeRecipient[] = [{ to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) }];
  for (const d of directory.devices.values()) {
    if (d.kind === 'patient' && d.patientId === m.patientId) recipients.push({ to: d.deviceId, boxPublicKey: d.boxKey });
  }
  const envelope = sealEnvelope(sodium, {
    messageId: m.messageId,
    conversationId: m.patientId,
    patientId: m.patientId,
    senderDeviceId: m.senderDeviceId,
    sentAt: m.sentAt,
    scope: m.scope,
    recordsEpoch: epoch.epoch,
    body: utf8Encode(m.body),
    recipients,
    blobs: m.blobs,
    senderSigningKey,
  });
  return { envelope, patientDevices: recipients.length - 1 };
}

export type Opened = {
  readonly header: ParsedEnvelope['header'];
  /** The body's bytes: UTF-8 text, decoded strictly by the caller (the shared zone has no TextDecoder). */
  readonly body: Uint8Array;
  /** The verified sender. */
  readonly sender: VerifiedDevice;
};

/** How this device opens envelopes: as one of the patient's devices, or with a records key. */
export type OpenAs =
  | { readonly kind: 'patient'; readonly patientId: string; readonly deviceId: string; readonly boxKeyPair: SodiumKeyPair }
  | { readonly kind: 'records'; readonly recordsKey: (epoch: number) => SodiumKeyPair | null };

/**
 * Opens an incoming envelope, or null if it must be dropped unseen: it does not parse, its
 * sender is not in the verified directory, a patient sender names another patient, it is
 * about another patient than this patient device's own, or it does not open.
 * `lookup` may fetch the directory again for a sender it does not know yet.
 */
export async function openIncoming(
  sodium: SodiumApi,
  raw: Envelope,
  lookup: (senderDeviceId: string) => Promise<VerifiedDevice | null>,
  as: OpenAs,
): Promise<Opened | null> {
  let parsed: ParsedEnvelope;
  try {
    parsed = parseEnvelope(raw);
  } catch {
    return null;
  }
  const { header } = parsed;
  const sender = await lookup(header.senderDeviceId);
  // The relay is not trusted to have checked any of this.
  if (!sender) return null;
  if (sender.kind === 'patient' && sender.patientId !== header.patientId) return null;
  if (as.kind === 'patient' && header.patientId !== as.patientId) return null;
  const boxKeyPair = as.kind === 'patient' ? as.boxKeyPair : as.recordsKey(header.recordsEpoch);
  if (!boxKeyPair) return null;
  const recipientId = as.kind === 'patient' ? as.deviceId : `records:${header.recordsEpoch}`;
  try {
    const opened = openEnvelope(sodium, parsed, { recipientId, boxKeyPair, senderSigningPublicKey: sender.signingKey });
    return { header, body: opened.body, sender };
  } catch {
    return null;
  }
}
