// Runs in the portal (browser; Node 22 in tests): what the patient's device signs, seals and
// opens. A message it receives must verify against a device of the directory and be about
// this patient, and its body must be UTF-8; anything else is dropped unseen.
import { type AttachmentRef, filesMatchHeader } from '../../shared/protocol/attachments';
import { openIncoming, sealMessage } from '../../shared/protocol/delivery';
import { PREFIX, patientWithdrawalSchema, relayAuthSchema } from '../../shared/protocol/documents';
import { toBase64 } from '../../shared/protocol/encoding';
import { type Envelope } from '../../shared/protocol/envelope';
import { type OutOfHoursMark, formatBody, parseBody } from '../../shared/protocol/message-body';
import { signDocument } from '../../shared/protocol/signed';
import { type SyncItem } from '../../shared/protocol/relay-frames';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type PatientIdentity } from './identity';
import { type PatientDirectory } from './directory';
import { type PortalMessage, PortalError, keyPair } from './portal-types';

type MessageItem = Extract<SyncItem, { kind: 'message' }>;
type DeviceLookup = Parameters<typeof openIncoming>[2];

export async function openPortalMessage(sodium: SodiumApi, item: MessageItem, lookup: DeviceLookup, id: PatientIdentity): Promise<PortalMessage | null> {
  const opened = await openIncoming(sodium, item.envelope, lookup, { kind: 'patient', patientId: id.patientId, deviceId: id.deviceId, boxKeyPair: keyPair(id.box) });
  if (!opened) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(opened.body);
  } catch {
    return null;
  }
  const content = parseBody(decoded);
  if (!content) return null;
  const outgoing = opened.sender.kind === 'patient';
  const scope = opened.header.scope;
  // A reminder or a newsletter comes only from the clinic's staff, never from a patient device.
  if ((scope === 'reminders' || scope === 'newsletters') && outgoing) return null;
  if (scope !== 'clinical' && scope !== 'reminders' && scope !== 'newsletters') return null;
  if (content.sentInError) {
    // Only the clinic marks its own messages, and only in the care conversation.
    if (outgoing || scope !== 'clinical') return null;
    return { messageId: item.envelope.header.messageId, outgoing: false, body: '', retracts: content.sentInError.messageId, sentAt: opened.header.sentAt, seq: item.seq, state: 'received', failure: null, readSent: true };
  }
  const files = content.attachments ?? [];
  const consistent = filesMatchHeader(opened.header.blobs, files);
  if (files.length > 0 && scope !== 'clinical') return null;
  return {
    messageId: item.envelope.header.messageId,
    outgoing,
    body: content.text,
    ...(files.length > 0 ? { attachments: files } : {}),
    ...(consistent ? {} : { attachmentsUnverified: true as const }),
    ...(content.urgent ? { urgent: true } : {}),
    ...(content.outOfHours ? { outOfHours: content.outOfHours } : {}),
    ...(scope === 'clinical' ? {} : { scope }),
    sentAt: opened.header.sentAt,
    seq: item.seq,
    state: outgoing ? 'sent' : 'received',
    failure: null,
    readSent: outgoing,
  };
}

/** A fresh message id (URL-safe, 96 random bits). */
export const newMessageId = (sodium: SodiumApi): string => `m${toBase64(sodium.randombytes_buf(12)).replace(/\+/g, '-').replace(/\//g, '_')}`;

/** Seals a message for the clinic's records key and the patient's own other devices. */
export function sealPortalMessage(
  sodium: SodiumApi,
  id: PatientIdentity,
  directory: PatientDirectory,
  message: { messageId: string; body: string; sentAt: number; urgent?: boolean; outOfHours?: OutOfHoursMark; attachments?: readonly AttachmentRef[] },
): Envelope {
  const body = formatBody({ text: message.body, urgent: message.urgent === true, outOfHours: message.outOfHours, attachments: message.attachments });
  const blobs = message.attachments?.map((a) => a.blobId);
  const m = { messageId: message.messageId, sentAt: message.sentAt, body, patientId: id.patientId, senderDeviceId: id.deviceId, scope: 'clinical' as const, blobs };
  const sealed = sealMessage(sodium, directory, m, keyPair(id.signing).privateKey);
  if (!sealed) throw new PortalError('not-ready', 'The clinic’s keys are not known yet.');
  return sealed.envelope;
}

/** The answer to the relay's login challenge, signed by this device. */
export const loginProof = (sodium: SodiumApi, id: PatientIdentity, challenge: string) =>
  signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: id.clinicId, deviceId: id.deviceId, challenge }, keyPair(id.signing).privateKey);

/** The patient's signed request to withdraw their consent. */
export const withdrawalRequest = (sodium: SodiumApi, id: PatientIdentity, requestedAt: number) =>
  signDocument(sodium, PREFIX.patientWithdrawal, patientWithdrawalSchema, { v: 1, clinicId: id.clinicId, patientId: id.patientId, deviceId: id.deviceId, requestedAt }, keyPair(id.signing).privateKey);
