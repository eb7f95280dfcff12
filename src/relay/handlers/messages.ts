// Messages and receipts: the relay checks the sender, the recipients, the records key and the
// consent in force, stores the ciphertext with its order numbers, and hints the devices that
// may read it (never the socket that sent it) to fetch it with `sync`.
import { canonicalBytes } from '../../shared/protocol/canonical';
import { consentAllows } from '../../shared/protocol/documents';
import { CARE_TEAM_SCOPE } from '../../shared/protocol/care-team';
import { CARD_SCOPE } from '../../shared/protocol/patient-card';
import { type AnswerBody } from '../../shared/protocol/relay-frames';
import { canSee, isReader } from '../audience';
import { type Envelope, type ParsedEnvelope } from '../../shared/protocol/envelope';
import { type Handlers, type RelayContext } from '../context';
import { checkMessageBlobs } from './blobs';
import { type Session } from '../session';
import { conflict, refuse } from '../refusal';
import { type DeviceRecord, type SyncItem } from '../store/relay-store';

function toWire(item: SyncItem): AnswerBody<'sync'>['items'][number] {
  if (item.kind === 'message') return { kind: 'message', relaySeq: item.message.relaySeq, seq: item.message.seq, envelope: JSON.parse(item.message.envelopeJson) };
  const r = item.receipt;
  return { kind: 'receipt', relaySeq: r.relaySeq, messageId: r.messageId, conversationId: r.conversationId, deviceId: r.deviceId, receipt: r.kind, at: r.at };
}

/** Reminders and newsletters (ADR 17): front desk and IT admins write them, under their own consent scope. */
const NOTICE_SCOPES: ReadonlySet<string> = new Set(['reminders', 'newsletters']);

export function messageHandlers(ctx: RelayContext): Handlers<'message.send' | 'notice.send' | 'receipt.send' | 'sync'> {
  const { store, sodium, now } = ctx;

  /** What every envelope to a patient's conversation must pass before it is stored, and the storing. */
  const accept = async (session: Session, device: DeviceRecord, envelope: ParsedEnvelope, raw: Envelope): Promise<AnswerBody<'message.send'>> => {
    const header = envelope.header;
    if (header.conversationId !== header.patientId) refuse('invalid', 'In this version each patient has one conversation, named after the patient.');
    ctx.checkClock(header.sentAt, 'message');
    if (device.kind === 'patient' && header.patientId !== device.patientId) refuse('wrong-patient', 'A patient can only write in their own conversation.');
    await ctx.checkRecordsEpoch(envelope);
    // Looked up one by one (at most 64): the cost of a message does not grow with the clinic.
    let patientRecipients = 0;
    for (const to of envelope.sealedKeys.keys()) {
      if (to.startsWith('records:')) continue;
      const recipient = await store.getDevice(to);
      if (!recipient || recipient.revokedAt !== null) refuse('invalid', 'A recipient is not an active device of the clinic.');
      if (recipient?.kind === 'patient' && recipient.patientId !== header.patientId) refuse('wrong-patient', 'A message can only reach its own patient.');
      if (recipient?.kind === 'staff' && !isReader(recipient)) refuse('forbidden', 'Front desk devices never receive messages.');
      if (recipient?.kind === 'patient') patientRecipients += 1;
    }
    if (device.kind === 'staff' && patientRecipients === 0) refuse('not-found', 'This message is not sealed to any device of the patient; the patient may not have connected one yet.');
    const consent = await ctx.latestConsent(header.patientId);
    if (!consentAllows(consent, header.scope, now())) {
      refuse(
        'no-consent',
        device.kind === 'patient'
          ? 'Messaging is not active for you; please call the clinic.'
          : `This patient has not agreed to "${header.scope}" messages, or has withdrawn or let that consent expire.`,
      );
    }
    const blobIds = await checkMessageBlobs(ctx, device, envelope);
    const outcome = await store.appendMessage({
      messageId: header.messageId,
      conversationId: header.conversationId,
      patientId: header.patientId,
      senderDeviceId: device.deviceId,
      envelopeJson: JSON.stringify(raw),
      digest: sodium.crypto_generichash(32, canonicalBytes(raw), null),
      receivedAt: now(),
      blobIds,
    }).catch(conflict('An attachment of this message is not complete or belongs to another message.'));
    if (outcome.kind === 'conflict') return refuse('conflict', 'Another message already uses this id.');
    const { message } = outcome;
    // The sender has its answer; every other device that may read the message gets a hint.
    if (outcome.kind === 'stored') ctx.notify('sync', message.relaySeq, (d) => canSee(d, message.patientId), session);
    return { seq: message.seq, relaySeq: message.relaySeq, duplicate: outcome.kind === 'duplicate' };
  };

  return {
    'message.send': async ({ session, body, device }) => {
      const envelope = ctx.signedEnvelopeFrom(device, body.envelope);
      const header = envelope.header;
      if (header.scope === CARD_SCOPE) refuse('invalid', 'A patient card is not a message.');
      if (header.scope === CARE_TEAM_SCOPE) refuse('invalid', 'A care-team event is not a message; publish it with team.publish.');
      if (NOTICE_SCOPES.has(header.scope)) refuse('invalid', 'Reminders and newsletters come from the front desk, with notice.send.');
      return accept(session, device, envelope, body.envelope);
    },

    'notice.send': async ({ session, body, device }) => {
      const envelope = ctx.signedEnvelopeFrom(device, body.envelope);
      if (!NOTICE_SCOPES.has(envelope.header.scope)) refuse('invalid', 'A notice is a reminder or a newsletter.');
      if (envelope.header.blobs) refuse('invalid', 'Reminders and newsletters carry no files.');
      for (const to of envelope.sealedKeys.keys()) {
        if (to.startsWith('records:')) continue;
        const recipient = await store.getDevice(to);
        if (recipient?.kind !== 'patient') refuse('invalid', 'A reminder or newsletter is sealed only to the records key and the patient’s devices.');
      }
      return accept(session, device, envelope, body.envelope);
    },

    'receipt.send': async ({ session, body, device }) => {
      const message = await store.getMessage(body.messageId);
      if (!message || !canSee(device, message.patientId)) return refuse('not-found', 'This message is not known here.');
      if (message.senderDeviceId === device.deviceId) refuse('invalid', 'A device does not acknowledge its own message.');
      const stored = await store.putReceipt({ messageId: message.messageId, conversationId: message.conversationId, patientId: message.patientId, deviceId: device.deviceId, kind: body.kind, at: now() });
      if (stored) ctx.notify('sync', stored.relaySeq, (d) => canSee(d, message.patientId), session);
      return { stored: stored !== null };
    },

    sync: async ({ body, device }) => {
      const limit = body.limit ?? 200;
      const items = await store.syncSince(body.after, limit + 1, device.kind === 'patient' ? (device.patientId as string) : undefined);
      return { items: items.slice(0, limit).map(toWire), more: items.length > limit };
    },
  };
}
