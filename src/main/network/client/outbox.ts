// Sending: a message is checked, sealed and stored with its outbox entry in one step, then
// sent; receipts go through the same outbox. Transient failures wait with backoff (in writing
// order, across restarts); final refusals mark the message failed; a records key that
// changed meanwhile means sealing the same message again.
import { consentAllows, type ConsentScope } from '../../../shared/protocol/documents';
import { MAX_BODY_CHARS, bodyProblem, isFinalRefusal, retryDelayMs, sealMessage } from '../../../shared/protocol/delivery';
import { type Coalesced, coalesce } from '../../../shared/protocol/coalesce';
import { type AttachmentRef } from '../../../shared/protocol/attachments';
import { type Envelope } from '../../../shared/protocol/envelope';
import { formatBody } from '../../../shared/protocol/message-body';
import { type ClientMessage } from '../client-store';
import { RelayError, type RelayConnection } from '../relay-connection';
import { ClientError, fail } from './client-error';
import { type ClientContext } from './context';
import { type Directory } from './directory-view';
import { type Identity, randomId } from './identity';

type Draft = { messageId: string; patientId: string; scope: string; body: string; sentAt: number; attachments?: readonly AttachmentRef[] };
type Item = { id: string; kind: 'message' | 'receipt'; payloadJson: string; attempts: number };
/** A "sent in error" notice waiting to leave, kept so it can be sealed again to a new records key. */
type MarkDraft = { noticeId: string; patientId: string; scope: string; messageId: string; sentAt: number };
const markKey = (noticeId: string): string => `sent-in-error-notice:${noticeId}`;

/** What a flush did to each message it tried: sent (with its place on the relay) or failed for good. */
export type Outcome = { readonly state: 'sent'; readonly seq: number; readonly relaySeq: number } | { readonly state: 'failed'; readonly failure: string };
export type FlushReport = ReadonlyMap<string, Outcome>;

export class Outbox {
  /** Sends what is due. Transient failures are retried later with backoff. */
  readonly flush: Coalesced<FlushReport> = coalesce(() => this.flushOnce(), { combine: (earlier, later) => new Map([...earlier, ...later]) });

  constructor(private readonly ctx: ClientContext) {}

  /** A new message id, for a message written now and sent later (undo-send). */
  newMessageId(): string {
    return randomId(this.ctx.sodium, 'm');
  }

  /**
   * Writes a message from this staff device to a patient. The message is sealed and stored in the outbox in one step, then sent; if the
   * relay is out of reach it stays queued and is retried with backoff, across restarts.
   */
  async send(input: { patientId: string; body: string; scope?: ConsentScope; messageId?: string; attachments?: readonly string[] }): Promise<ClientMessage> {
    const { store } = this.ctx;
    const id = this.ctx.identity.current();
    if (id.status !== 'active') fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    const files = input.attachments ?? [];
    const problem = bodyProblem(input.body);
    if (problem === 'empty' && files.length === 0) fail('empty', 'Write something before sending.');
    if (problem === 'too-long') fail('too-long', `A message holds at most ${MAX_BODY_CHARS} characters.`);
    const scope = input.scope ?? 'clinical';
    const { patientId } = input;
    if (!patientId) fail('unknown-patient', 'Choose a patient to write to.');
    if (id.role === 'front-desk') fail('not-allowed', 'Front desk devices do not send messages.');
    const directory = await this.ctx.directory.forSealing();
    if (!consentAllows(directory.consents.get(patientId) ?? null, scope, this.ctx.now())) {
      fail('no-consent', 'This patient has not agreed to these messages, or has withdrawn or let that consent expire.');
    }
    const messageId = input.messageId ?? this.newMessageId();
    if (store.hasMessage(messageId)) return store.message(messageId) as ClientMessage;
    if (files.length > 0 && scope !== 'clinical') fail('not-allowed', 'Only care messages carry files.');
    const attachments = files.length > 0 ? this.ctx.attachments.refsFor(patientId, files) : undefined;
    const envelope = this.seal(id, directory, { messageId, patientId, scope, body: input.body, sentAt: this.ctx.now(), ...(attachments ? { attachments } : {}) });
    const queued: ClientMessage = {
      messageId,
      conversationId: patientId,
      patientId,
      senderDeviceId: id.deviceId,
      outgoing: true,
      scope,
      body: input.body,
      sentAt: envelope.header.sentAt,
      seq: null,
      relaySeq: null,
      state: 'queued',
      failure: null,
      fromPatient: false,
      readAt: null,
      urgent: false,
      outOfHours: null,
    };
    store.transaction(() => {
      store.addMessage(queued, this.ctx.now(), JSON.stringify(envelope));
      if (files.length > 0) store.attachments.bind(messageId, files);
    });
    this.ctx.changed();
    const report = await this.flush().catch(() => new Map() as FlushReport);
    // Its state now: sent, failed for good, or still queued when the relay was out of reach.
    const outcome = report.get(messageId);
    return outcome ? { ...queued, ...outcome } : queued;
  }

  /**
   * Tells the patient's portal that an earlier message of the clinic was sent in error (ADR 20):
   * a message with no text that names it, sent like any other and retried across restarts.
   * It is not a message of the thread: the staff devices learn of the mark from the care team.
   */
  async sendSentInError(input: { patientId: string; scope: string; messageId: string }): Promise<void> {
    const id = this.ctx.identity.current();
    if (id.status !== 'active') fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    const directory = await this.ctx.directory.forSealing();
    const noticeId = this.newMessageId();
    const draft: MarkDraft = { noticeId, patientId: input.patientId, scope: input.scope, messageId: input.messageId, sentAt: this.ctx.now() };
    const envelope = this.sealMark(id, directory, draft);
    this.ctx.store.transaction(() => {
      this.ctx.store.put(markKey(noticeId), draft);
      this.ctx.store.enqueue(noticeId, 'message', JSON.stringify(envelope), this.ctx.now());
    });
    await this.flush().catch(() => new Map() as FlushReport);
  }

  private sealMark(id: Identity, directory: Directory, m: MarkDraft): Envelope {
    const body = formatBody({ text: '', urgent: false, sentInError: { messageId: m.messageId } });
    const sealed = sealMessage(this.ctx.sodium, directory, { messageId: m.noticeId, patientId: m.patientId, scope: m.scope, body, sentAt: m.sentAt, senderDeviceId: id.deviceId }, this.ctx.identity.keys().signing.privateKey) ?? fail('untrusted', 'The clinic has no records key yet.');
    return sealed.envelope;
  }

  private seal(id: Identity, directory: Directory, m: Draft): Envelope {
    // A message with files carries their keys in a marked body, and their blob ids in the header.
    const body = m.attachments ? formatBody({ text: m.body, urgent: false, attachments: m.attachments }) : m.body;
    const blobs = m.attachments?.map((a) => a.blobId);
    const sealed = sealMessage(this.ctx.sodium, directory, { ...m, body, blobs, senderDeviceId: id.deviceId }, this.ctx.identity.keys().signing.privateKey) ?? fail('untrusted', 'The clinic has no records key yet.');
    if (sealed.patientDevices === 0) fail('unknown-patient', 'This patient has not connected a device yet.');
    return sealed.envelope;
  }

  /** Queues a "delivered" or "read" receipt for a message from someone else. */
  enqueueReceipt(messageId: string, kind: 'delivered' | 'read'): void {
    this.ctx.store.enqueue(`${kind}:${messageId}`, 'receipt', JSON.stringify({ messageId, kind }), this.ctx.now());
  }

  private async flushOnce(): Promise<FlushReport> {
    const { store, now } = this.ctx;
    const report = new Map<string, Outcome>();
    const due = store.dueOutbox(now());
    if (due.length === 0) return report;
    let connection: RelayConnection;
    try {
      connection = await this.ctx.session.relay();
    } catch (error) {
      for (const item of due) store.deferOutbox(item.id, now() + retryDelayMs(item.attempts), error instanceof RelayError ? error.code : 'offline');
      throw error;
    }
    for (const [index, item] of due.entries()) {
      try {
        if (item.kind === 'message') {
          const envelope = JSON.parse(item.payloadJson) as Envelope;
          // The files first: the relay accepts the message only once it holds every chunk.
          if (envelope.header.blobs) await this.ctx.attachments.upload(connection, envelope.header.patientId, envelope.header.blobs);
          const answer = await connection.request('message.send', { envelope });
          store.transaction(() => {
            store.removeOutbox(item.id);
            store.advanceState(item.id, 'sent', { seq: answer.seq, relaySeq: answer.relaySeq });
          });
          report.set(item.id, { state: 'sent', seq: answer.seq, relaySeq: answer.relaySeq });
        } else {
          const receipt = JSON.parse(item.payloadJson) as { messageId: string; kind: 'delivered' | 'read' };
          await connection.request('receipt.send', receipt);
          store.removeOutbox(item.id);
        }
      } catch (error) {
        const next = await this.retryLater(item, error);
        if (!next.again) {
          if (item.kind === 'message') report.set(item.id, { state: 'failed', failure: next.failure });
        } else {
          // Keep the order people wrote in: what follows waits behind the message that failed.
          for (const rest of due.slice(index + 1)) store.deferOutbox(rest.id, now() + retryDelayMs(rest.attempts), 'waiting');
          break;
        }
      }
    }
    this.ctx.changed();
    return report;
  }

  /** Keeps the item queued for a later attempt, or drops it (a message: marked failed) when the relay refused it for good. */
  private async retryLater(item: Item, error: unknown): Promise<{ readonly again: true } | { readonly again: false; readonly failure: string }> {
    const { store, now } = this.ctx;
    const code = error instanceof RelayError || error instanceof ClientError ? error.code : 'internal';
    if (item.kind === 'message' && code === 'stale-records-key') {
      // Nothing was stored: seal the same message again to the new records key.
      const message = store.message(item.id);
      if (message) {
        const directory = await this.ctx.directory.verified(true);
        const attachments = store.attachments.ofMessage(message.messageId).map((a) => a.ref);
        const envelope = this.seal(this.ctx.identity.current(), directory, {
          messageId: message.messageId,
          patientId: message.patientId,
          scope: message.scope,
          body: message.body,
          sentAt: message.sentAt,
          ...(attachments.length > 0 ? { attachments } : {}),
        });
        store.replaceOutboxPayload(item.id, JSON.stringify(envelope));
        store.deferOutbox(item.id, now(), code);
        return { again: true };
      }
      const mark = store.get<MarkDraft>(markKey(item.id));
      if (mark) {
        const directory = await this.ctx.directory.verified(true);
        store.replaceOutboxPayload(item.id, JSON.stringify(this.sealMark(this.ctx.identity.current(), directory, mark)));
        store.deferOutbox(item.id, now(), code);
        return { again: true };
      }
    }
    if (isFinalRefusal(code, item.kind)) {
      const failure = error instanceof Error ? error.message : 'The relay refused this message.';
      store.transaction(() => {
        store.removeOutbox(item.id);
        if (item.kind === 'message') store.advanceState(item.id, 'failed', { failure });
      });
      return { again: false, failure };
    }
    store.deferOutbox(item.id, now() + retryDelayMs(item.attempts), code);
    return { again: true };
  }
}
