// Runs in main (Node): what a clinic device keeps, as the rest of main sees it. One
// implementation (client-store.ts, an encrypted SQLite file per device), declared here the way
// the relay declares RelayStore, so its users depend on this contract and not on SQL.
import { type MessageState } from '../../shared/protocol/delivery';
import { type ConversationSummary, type InboxState, type PendingSend } from '../inbox/inbox-state';
import { type OutOfHoursMark } from '../../shared/protocol/message-body';
import { type NoticeState } from './notice-state';
import { type TeamState } from './team-state';
import { type AttachmentState } from './attachment-state';

export type { ConversationSummary, MessageState, PendingSend };

export type { OutOfHoursMark };

export type ClientMessage = {
  readonly messageId: string;
  readonly conversationId: string;
  readonly patientId: string;
  readonly senderDeviceId: string;
  readonly outgoing: boolean;
  readonly scope: string;
  readonly body: string;
  readonly sentAt: number;
  readonly seq: number | null;
  readonly relaySeq: number | null;
  readonly state: MessageState;
  /** For a failed message: the relay's or the app's reason, in plain words. */
  readonly failure: string | null;
  /** Written by the patient (not by the clinic). */
  readonly fromPatient: boolean;
  /** When this device marked a patient's message read. */
  readonly readAt: number | null;
  /**
   * A patient's message that shows a sign of an emergency: marked so by the patient ("send it
   * anyway") or found by this computer's own check of the clinic's urgent signs.
   */
  readonly urgent: boolean;
  /** Written while the clinic was closed: the out-of-hours notice the patient's portal showed with it. */
  readonly outOfHours: OutOfHoursMark | null;
};

export type OutboxItem = {
  readonly id: string;
  readonly kind: 'message' | 'receipt';
  readonly payloadJson: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
};

export type ClientStore = {
  /** A small JSON value by key (identity, cursors, trust memory). */
  get<T>(key: string): T | null;
  put(key: string, value: unknown): void;
  /** Runs `fn` in one IMMEDIATE transaction. */
  transaction<T>(fn: () => T): T;

  putRecordsKey(epoch: number, publicKey: Uint8Array, secretKey: Uint8Array): void;
  recordsKey(epoch: number): { publicKey: Uint8Array; privateKey: Uint8Array } | null;
  latestRecordsEpoch(): number | null;

  /** Stores a message once (by id), folds it into its conversation's summary and, for an outgoing one, its outbox entry, atomically. */
  addMessage(message: Omit<ClientMessage, 'failure' | 'readAt'>, now: number, outboxPayload?: string): boolean;
  hasMessage(messageId: string): boolean;
  message(messageId: string): ClientMessage | null;
  messages(conversationId?: string): ClientMessage[];
  /** Moves a message's state forward only (a late "delivered" never undoes "read"). */
  advanceState(messageId: string, state: MessageState, fields?: { seq?: number; relaySeq?: number; failure?: string }): void;
  addReceipt(messageId: string, deviceId: string, kind: 'delivered' | 'read', at: number): void;
  receipts(messageId: string): { deviceId: string; kind: 'delivered' | 'read'; at: number }[];

  /** When the patient's newest message of a conversation was written, or null. */
  newestPatientMessageAt(conversationId: string): number | null;
  /** Conversations with a message containing `text` (case-insensitive for ASCII). */
  conversationsMentioning(text: string): Set<string>;
  /** A page of a conversation, newest last: up to `limit` messages older than `before`. */
  messagePage(conversationId: string, limit: number, before?: string): { messages: ClientMessage[]; hasMore: boolean };
  /** Records a message this device wrote that never left it (refused before sealing). */
  addFailed(message: { messageId: string; patientId: string; senderDeviceId: string; body: string; sentAt: number; failure: string }, now: number): void;
  /** Forgets a failed message (it never reached the relay), before it is written again. */
  removeFailed(messageId: string): ClientMessage | null;

  /** Keeps a patient card if it is newer than the one held; true when it was stored. */
  putCard(patientId: string, sentAt: number, cardJson: string): boolean;
  cards(): Map<string, string>;

  /** The inbox's own state in the same file (summaries, drafts, pending sends): src/main/inbox/inbox-state.ts. */
  readonly inbox: InboxState;
  /** The care-team events held here and their effect (ADR 17): src/main/network/team-state.ts. */
  readonly team: TeamState;
  /** Reminders and newsletters this device sends (ADR 18): src/main/network/notice-state.ts. */
  readonly notices: NoticeState;
  /** The files of messages (ADR 19), kept sealed: src/main/network/attachment-state.ts. */
  readonly attachments: AttachmentState;

  enqueue(id: string, kind: 'message' | 'receipt', payloadJson: string, now: number): void;
  /** The queue, oldest first, once any entry is due (one device's messages leave in writing order). */
  dueOutbox(now: number, limit?: number): OutboxItem[];
  outboxSize(): number;
  nextOutboxAttempt(): number | null;
  removeOutbox(id: string): void;
  replaceOutboxPayload(id: string, payloadJson: string): void;
  deferOutbox(id: string, nextAttemptAt: number, error: string): void;

  close(): void;
};
