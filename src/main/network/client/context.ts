// What the parts of one clinic device share: its store, libsodium, the clock, the events it
// raises, and each other (looked up when called, so the parts can be built one by one).
import { type ClinicRules } from '../../../shared/protocol/clinic-rules';
import { type SodiumApi } from '../../../shared/protocol/sodium-api';
import { type ClientMessage, type ClientStore } from '../client-store';
import { type Attachments } from './attachments';
import { type CareTeam } from './care-team';
import { type DirectoryView } from './directory-view';
import { type DeviceIdentity } from './identity';
import { type Outbox } from './outbox';
import { type Receiver } from './receiver';
import { type RelaySession } from './relay-session';

export const DAY = 86_400_000;

export type ClientContext = {
  readonly store: ClientStore;
  readonly sodium: SodiumApi;
  readonly now: () => number;
  /** Connect timeout and per-request timeout. */
  readonly timeoutMs: number;
  /** Something new was stored (messages, receipts, directory, cards). */
  readonly changed: () => void;
  /** A sync brought in messages from others (after they were stored). */
  readonly arrived: (messages: readonly ClientMessage[]) => void;
  /** The clinic's rules were verified (null: the clinic has published none). */
  readonly rulesVerified: (verified: VerifiedRules | null) => void;
  /** The relay told an IT admin's device that a staff device raised an alert. */
  readonly alerted: () => void;
  readonly identity: DeviceIdentity;
  readonly session: RelaySession;
  readonly directory: DirectoryView;
  readonly outbox: Outbox;
  readonly receiver: Receiver;
  readonly team: CareTeam;
  readonly attachments: Attachments;
};

/** The clinic's rules from a policy whose signature and version were checked, with that version. */
export type VerifiedRules = { readonly rules: ClinicRules; readonly version: number };
