// Runs in the portal (browser; Node 22 in tests): what the patient's client shows and keeps,
// the messages, the outbox's items, the connection and the problems the screen explains.
import { type AttachmentRef } from '../../shared/protocol/attachments';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { type MessageState } from '../../shared/protocol/delivery';
import { decodeChecked } from '../../shared/protocol/fields';
import { type SodiumKeyPair } from '../../shared/protocol/sodium-api';
import { type PatientDirectory, type RawDirectory, type TrustMemory } from './directory';
import { type PatientIdentity } from './identity';
import { type ConsentedRules, type OutOfHoursNotice } from './out-of-hours';

export type { MessageState };

export type PortalMessage = {
  readonly messageId: string;
  /** Written by the patient (on this or another of their devices). */
  readonly outgoing: boolean;
  readonly body: string;
  readonly sentAt: number;
  readonly seq: number | null;
  readonly state: MessageState;
  /** For a failed message: the relay's refusal code. */
  readonly failure: string | null;
  /** For a received message: whether this device has sent its "read" receipt. */
  readonly readSent: boolean;
  /** Sent past the emergency screen ("Send it anyway"): marked urgent inside the encryption. */
  readonly urgent?: boolean;
  /** Written while the clinic was closed: the automatic notice shown with it (the clinic is told, encrypted). */
  readonly outOfHours?: OutOfHoursNotice;
  /** An appointment reminder or a newsletter from the clinic (absent: the care conversation). */
  readonly scope?: 'reminders' | 'newsletters';
  /** Files sent with the message (ADR 19): each one's key and hash, kept in the vault. */
  readonly attachments?: readonly AttachmentRef[];
  /** The message's header and body disagree about its files: none of them is offered. */
  readonly attachmentsUnverified?: true;
  /** The clinic marked this message "sent in error" (ADR 20): its text and files are gone from this device. */
  readonly sentInError?: { readonly at: number };
  /** This item is the clinic's "sent in error" notice for that message, not a message to show. */
  readonly retracts?: string;
};

export type OutboxItem = {
  readonly id: string;
  readonly kind: 'message' | 'receipt';
  readonly payload: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
};

export type StoredState = {
  readonly cursor: number;
  readonly memory: TrustMemory;
  readonly directoryRaw: RawDirectory | null;
  /** The rules the patient agreed to (absent in a vault written before they were kept). */
  readonly consented?: ConsentedRules | null;
  /** The closed periods (their reopening instants) that already had an out-of-hours notice. */
  readonly outOfHoursShown?: readonly number[];
};

export type ConnectionState = 'connecting' | 'online' | 'offline';
/** Why the portal cannot go on as usual: the relay's answers do not verify, or this device was removed. */
export type Problem = 'untrusted' | 'removed' | null;

export type PortalSnapshot = {
  readonly connection: ConnectionState;
  readonly problem: Problem;
  readonly messages: readonly PortalMessage[];
  readonly directory: PatientDirectory | null;
  /** The rules the patient agreed to: what the portal states and promises (else the directory's). */
  readonly rules: ClinicRules | null;
  /** The policy version those rules came from. */
  readonly rulesVersion: number | null;
  readonly fingerprint: string;
  readonly patientId: string;
};

export type FileRefusal = 'not-accepted' | 'no-consent' | 'too-big' | 'too-many' | 'wrong-type' | 'empty' | 'unreadable' | 'refused' | 'gone' | 'not-decodable';

export class PortalError extends Error {
  constructor(
    readonly code: 'empty' | 'too-long' | 'no-consent' | 'not-ready' | 'offline' | 'file' | 'unverified',
    message: string,
    /** For a file: what was wrong with it. */
    readonly file?: FileRefusal,
  ) {
    super(message);
    this.name = 'PortalError';
  }
}

export type VaultSecrets = { readonly identity: PatientIdentity };



export const keyPair = (text: { publicKey: string; privateKey: string }): SodiumKeyPair => ({ publicKey: decodeChecked(text.publicKey), privateKey: decodeChecked(text.privateKey) });

export const byConversationOrder = (a: PortalMessage, b: PortalMessage): number => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || a.sentAt - b.sentAt;
