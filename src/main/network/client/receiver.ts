// Receiving: everything new since the stored cursor. Messages are opened against the verified
// directory (src/shared/protocol/delivery.ts), de-duplicated by id and acknowledged with a
// "delivered" receipt; receipts move the state of this device's own messages. Staff devices
// also fetch the patient cards their role may open.
import { filesMatchHeader } from '../../../shared/protocol/attachments';
import { type Coalesced, coalesce } from '../../../shared/protocol/coalesce';
import { openIncoming } from '../../../shared/protocol/delivery';
import { type ParsedEnvelope, openEnvelope, parseEnvelope } from '../../../shared/protocol/envelope';
import { parseBody } from '../../../shared/protocol/message-body';
import { CARD_SCOPE, type PatientCard, parsePatientCard } from '../../../shared/protocol/patient-card';
import { type SyncItem } from '../../../shared/protocol/relay-frames';
import { type ClinicRules } from '../../../shared/protocol/clinic-rules';
import { type TriageMatcher, createTriageMatcher } from '../../../shared/triage/matcher';
import { type ClientMessage } from '../client-store';
import { type RelayConnection } from '../relay-connection';
import { type ClientContext } from './context';
import { type Identity } from './identity';

/** Strict UTF-8, or null: a body that is not text is dropped unseen. */
export const decodeUtf8 = (bytes: Uint8Array): string | null => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
};

export class Receiver {
  /** Fetches everything new; a push during a pass causes one more. Returns how many messages arrived. */
  readonly sync: Coalesced<number> = coalesce(() => this.syncOnce(), { combine: (a, b) => a + b });
  /** A receipt moved one of this device's messages during the running pass. */
  private receiptsArrived = false;
  private cards: ReadonlyMap<string, PatientCard> | null = null;
  /** The urgent-sign matcher of the rules last seen (built again when the rules change). */
  private triage: { signs: ClinicRules['urgentSigns']; matcher: TriageMatcher } | null = null;

  constructor(private readonly ctx: ClientContext) {}

  private async syncOnce(): Promise<number> {
    const { store } = this.ctx;
    const id = this.ctx.identity.current();
    const connection = await this.ctx.session.relay();
    await this.syncCards(id, connection);
    if (id.role === 'front-desk') return 0;
    let received = 0;
    const arrived: ClientMessage[] = [];
    for (;;) {
      const cursor = store.get<number>('cursor') ?? 0;
      const { items, more } = await connection.request('sync', { after: cursor, limit: 200 });
      for (const item of items) received += await this.accept(id, item, arrived);
      if (items.length > 0) store.put('cursor', (items[items.length - 1] as SyncItem).relaySeq);
      if (!more) break;
    }
    // After the messages, so that a colleague's read or handled mark finds them here.
    await this.ctx.team.sync(connection);
    if (received > 0 || this.receiptsArrived) this.ctx.changed();
    this.receiptsArrived = false;
    if (arrived.length > 0) this.ctx.arrived(arrived);
    await this.ctx.outbox.flush().catch(() => undefined);
    await this.ctx.team.flush().catch(() => undefined);
    // Files still to fetch: those that just arrived, and any a crash or a lost connection cut short.
    void this.ctx.attachments.fetchPending().catch(() => undefined);
    return received;
  }

  private async accept(id: Identity, item: SyncItem, arrived: ClientMessage[]): Promise<number> {
    const { store, now } = this.ctx;
    if (item.kind === 'receipt') {
      const own = store.message(item.messageId);
      if (own?.outgoing && item.deviceId !== id.deviceId) {
        store.transaction(() => {
          store.addReceipt(item.messageId, item.deviceId, item.receipt, item.at);
          store.advanceState(item.messageId, item.receipt);
        });
        this.receiptsArrived = true;
      }
      return 0;
    }
    const messageId = item.envelope.header.messageId;
    if (store.hasMessage(messageId)) return 0; // at-least-once delivery: drop the repeat
    // The sender is looked up in the verified directory (fetched again for one not known yet).
    const lookup = async (deviceId: string) => (await this.ctx.directory.verified()).devices.get(deviceId) ?? (await this.ctx.directory.verified(true)).devices.get(deviceId) ?? null;
    const as = { kind: 'records' as const, recordsKey: (epoch: number) => store.recordsKey(epoch) };
    const opened = await openIncoming(this.ctx.sodium, item.envelope, lookup, as);
    const decoded = opened ? decodeUtf8(opened.body) : null;
    const content = decoded === null ? null : parseBody(decoded);
    if (!opened || content === null) return 0;
    const body = content.text;
    const { header, sender } = opened;
    // Reminders and newsletters (ADR 18) are in the clinic's record at the relay, sealed to the
    // records key; they are not part of the care conversation, so they neither answer a
    // patient nor wait for an answer, and the inbox does not list them.
    if (header.scope !== 'clinical') return 0;
    // A "sent in error" notice is for the patient's portal; staff devices hold the mark from the care team.
    if (content.sentInError) return 0;
    const outgoing = header.senderDeviceId === id.deviceId;
    const fromPatient = sender.kind === 'patient';
    // A patient's "send it anyway" mark, or this computer's own check of the clinic's signs.
    const urgent = fromPatient && (content.urgent || this.urgentByRules(body));
    const message: ClientMessage = {
      messageId,
      conversationId: header.conversationId,
      patientId: header.patientId,
      senderDeviceId: header.senderDeviceId,
      outgoing,
      scope: header.scope,
      body,
      sentAt: header.sentAt,
      seq: item.seq,
      relaySeq: item.relaySeq,
      state: outgoing ? ('sent' as const) : ('received' as const),
      failure: null,
      fromPatient,
      readAt: null,
      urgent,
      outOfHours: fromPatient ? (content.outOfHours ?? null) : null,
    };
    const files = content.attachments ?? [];
    const consistent = filesMatchHeader(header.blobs, files);
    const added = store.transaction(() => {
      if (!store.addMessage(message, now())) return false;
      if (files.length > 0 && !outgoing) this.ctx.attachments.expect(messageId, header.patientId, files, consistent);
      return true;
    });
    if (!added || outgoing) return 0;
    // The team may already have read or handled it (their mark came first): it counts as such here too.
    if (fromPatient) store.team.catchUp(message.conversationId, now());
    arrived.push(message);
    // Only a patient's message is acknowledged; a colleague's reply is not "delivered" by me.
    if (sender.kind === 'patient') this.ctx.outbox.enqueueReceipt(messageId, 'delivered');
    return 1;
  }

  /** Whether the text shows one of the clinic's urgent signs (the verified rules, else the stored ones). */
  private urgentByRules(text: string): boolean {
    const rules = this.ctx.directory.inMemory()?.rules ?? this.ctx.directory.storedRules()?.rules ?? null;
    if (!rules) return false;
    if (this.triage?.signs !== rules.urgentSigns) this.triage = { signs: rules.urgentSigns, matcher: createTriageMatcher(rules.urgentSigns) };
    return this.triage.matcher.check(text).urgent;
  }

  /** Marks a received message as read and tells its sender. */
  async markRead(messageId: string): Promise<void> {
    const message = this.ctx.store.message(messageId);
    if (!message || message.outgoing) return;
    this.ctx.outbox.enqueueReceipt(messageId, 'read');
    await this.ctx.outbox.flush().catch(() => undefined);
  }

  /** Marks every unread patient message of a conversation read and tells the patient. */
  async markConversationRead(patientId: string): Promise<number> {
    const { store } = this.ctx;
    const ids = store.inbox.markConversationRead(patientId, this.ctx.now());
    for (const messageId of ids) this.ctx.outbox.enqueueReceipt(messageId, 'read');
    if (ids.length > 0) {
      this.ctx.changed();
      // The whole care team sees them read: a mark up to the newest message read here.
      const upTo = Math.max(...ids.map((messageId) => store.message(messageId)?.sentAt ?? 0));
      await this.ctx.team.markRead(patientId, upTo).catch(() => undefined);
      await this.ctx.outbox.flush().catch(() => undefined);
    }
    return ids.length;
  }

  /** Patient cards this device could open, by patient id (parsed once, until a card changes). */
  patientCards(): ReadonlyMap<string, PatientCard> {
    if (this.cards) return this.cards;
    const cards = new Map<string, PatientCard>();
    for (const [patientId, json] of this.ctx.store.cards()) {
      const card = parsePatientCard(json);
      if (card) cards.set(patientId, card);
    }
    this.cards = cards;
    return cards;
  }

  /** A card was stored: parse them again when next asked. */
  forgetCards(): void {
    this.cards = null;
  }

  /** Fetches cards newer than the stored cursor; keeps those that verify and open here. */
  private async syncCards(id: Identity, connection: RelayConnection): Promise<void> {
    const { store } = this.ctx;
    let changed = false;
    for (;;) {
      const after = store.get<number>('card-cursor') ?? 0;
      const { cards, more } = await connection.request('card.list', { after, limit: 500 });
      if (cards.length === 0) break;
      let directory = await this.ctx.directory.verified();
      for (const { card } of cards) {
        let parsed;
        try {
          parsed = parseEnvelope(card);
        } catch {
          continue;
        }
        if (parsed.header.scope !== CARD_SCOPE || parsed.header.conversationId !== parsed.header.patientId) continue;
        let sender = directory.devices.get(parsed.header.senderDeviceId);
        if (!sender) {
          directory = await this.ctx.directory.verified(true);
          sender = directory.devices.get(parsed.header.senderDeviceId);
        }
        // Only a registrar's card counts; the relay is not trusted to have checked.
        if (!sender || sender.kind !== 'staff' || (sender.role !== 'front-desk' && sender.role !== 'it-admin')) continue;
        const text = this.openCard(id, parsed, sender.signingKey);
        if (text !== null && parsePatientCard(text) && store.putCard(parsed.header.patientId, parsed.header.sentAt, text)) changed = true;
      }
      store.put('card-cursor', (cards[cards.length - 1] as { cardSeq: number }).cardSeq);
      if (!more) break;
    }
    if (changed) {
      this.cards = null;
      this.ctx.changed();
    }
  }

  private openCard(id: Identity, parsed: ParsedEnvelope, signingKey: Uint8Array): string | null {
    try {
      const records = this.ctx.store.recordsKey(parsed.header.recordsEpoch);
      const opened =
        records && parsed.sealedKeys.has(`records:${parsed.header.recordsEpoch}`)
          ? openEnvelope(this.ctx.sodium, parsed, { recipientId: `records:${parsed.header.recordsEpoch}`, boxKeyPair: records, senderSigningPublicKey: signingKey })
          : openEnvelope(this.ctx.sodium, parsed, { recipientId: id.deviceId, boxKeyPair: this.ctx.identity.keys().box, senderSigningPublicKey: signingKey });
      return decodeUtf8(opened.body);
    } catch {
      return null;
    }
  }
}
