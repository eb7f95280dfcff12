// Runs in main (Node): one staff device of the clinic network, without any UI (ADR 10, ADR 13).
// A patient's device is the portal's PatientClient (src/portal/client/), never this class.
// The desktop app, the integration tests and the tools all drive this class. It is a thin
// facade over one part per concept (src/main/network/client/): identity, relay session,
// verified directory, membership, registrar, outbox, receiver. It trusts nothing the relay
// says that it cannot check: every certificate against the clinic root pinned when this
// device joined, every document against its signer, every message against its sender's key.
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { type ConsentScope, type revocationReasons } from '../../shared/protocol/documents';
import { type PatientCard } from '../../shared/protocol/patient-card';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type StaffRole } from '../../shared/roles';
import { type ClientMessage, type ClientStore } from './client-store';
import { StaffAlerts } from './client/alerts';
import { Attachments } from './client/attachments';
import { AuditTrail } from './client/audit-trail';
import { CareTeam } from './client/care-team';
import { Notices } from './client/notices';
import { type ClientContext, type VerifiedRules } from './client/context';
import { type Directory, DirectoryView } from './client/directory-view';
import { DeviceIdentity, type DeviceSummary } from './client/identity';
import { Membership, type SetUpClinicInput } from './client/membership';
import { Outbox } from './client/outbox';
import { Receiver } from './client/receiver';
import { Registrar } from './client/registrar';
import { RelaySession } from './client/relay-session';

export { ClientError, type ClientErrorCode } from './client/client-error';
export type { Directory, SetUpClinicInput, VerifiedRules };

export type ClinicClientOptions = {
  readonly store: ClientStore;
  readonly sodium: SodiumApi;
  readonly now?: () => number;
  /** Connect timeout and per-request timeout. */
  readonly timeoutMs?: number;
  /** Called when something new was stored (messages, receipts, directory, cards). */
  readonly onChange?: () => void;
  /** Called with the messages a sync brought in from others (after they were stored). */
  readonly onMessages?: (messages: readonly ClientMessage[]) => void;
  /** Called each time the clinic's rules are verified (with a fetched or a stored directory). */
  readonly onRules?: (verified: VerifiedRules | null) => void;
  /** Called when the relay tells this (IT admin's) device that a staff device raised an alert. */
  readonly onAlerts?: () => void;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class ClinicClient {
  private readonly ctx: ClientContext;
  private readonly membership: Membership;
  private readonly registrar: Registrar;
  /** Sending and the outbox (its `flush` is the one runner every send and receipt goes through). */
  readonly outbox: Outbox;
  /** Receiving (its `sync` is the one runner every push and poll goes through). */
  readonly receiver: Receiver;
  /** Alerts for IT: raised by any staff device, listed by IT admins' (ADR 16). */
  readonly alerts: StaffAlerts;
  /** The care team: assignments, absences, shared read state, "handled another way" (ADR 17). */
  readonly team: CareTeam;
  /** Reminders and newsletters, by consent scope (ADR 18). */
  readonly notices: Notices;
  /** Files in messages (ADR 19). */
  readonly attachments: Attachments;
  /** The clinic-wide audit trail: this device's sent on, every device's checked by IT admins (ADR 20). */
  readonly audit: AuditTrail;

  constructor(options: ClinicClientOptions) {
    // The parts look each other up through the context when called, so it is filled in order.
    const ctx = {
      store: options.store,
      sodium: options.sodium,
      now: options.now ?? Date.now,
      timeoutMs: options.timeoutMs ?? 15_000,
      changed: options.onChange ?? (() => undefined),
      arrived: options.onMessages ?? (() => undefined),
      rulesVerified: options.onRules ?? (() => undefined),
      alerted: options.onAlerts ?? (() => undefined),
      identity: new DeviceIdentity(options.store, options.sodium),
    } as Mutable<ClientContext>;
    ctx.session = new RelaySession(ctx);
    ctx.directory = new DirectoryView(ctx);
    ctx.outbox = new Outbox(ctx);
    ctx.receiver = new Receiver(ctx);
    ctx.team = new CareTeam(ctx);
    ctx.attachments = new Attachments(ctx);
    const parts: ClientContext = ctx;
    this.ctx = parts;
    this.outbox = parts.outbox;
    this.receiver = parts.receiver;
    this.membership = new Membership(parts);
    this.registrar = new Registrar(parts);
    this.alerts = new StaffAlerts(parts);
    this.team = parts.team;
    this.notices = new Notices(parts);
    this.attachments = parts.attachments;
    this.audit = new AuditTrail(parts);
  }

  // ---------------------------------------------------------------- identity

  get joined(): boolean {
    return this.ctx.identity.joined;
  }
  get deviceId(): string {
    return this.ctx.identity.current().deviceId;
  }
  /** The pinned clinic root fingerprint, as printed on receipts. */
  get fingerprint(): string {
    return this.ctx.identity.fingerprint();
  }
  /** What this device is in its clinic, without any secret; null before it joins. */
  summary(): DeviceSummary | null {
    return this.ctx.identity.summary();
  }
  /** Signs a document with this device's certified key (e.g. a consent record). */
  signAsDevice(prefix: string, value: unknown): { signature: Uint8Array; signingKey: Uint8Array; boxKey: Uint8Array } {
    return this.ctx.identity.signAsDevice(prefix, value);
  }
  /** This device's certificate as the directory holds it (JSON), or null before approval. */
  ownCertificateJson(): string | null {
    return this.ctx.identity.ownCertificateJson();
  }

  // ---------------------------------------------------------------- relay and directory

  /** Whether the relay answers now (connecting and logging in if needed). */
  async ping(): Promise<void> {
    await (await this.ctx.session.relay()).request('ping', {});
  }
  /** Closes the connection; the store stays open. */
  disconnect(): Promise<void> {
    return this.ctx.session.disconnect();
  }
  /** The verified directory (fetched again with `refresh`, or after a change). */
  verifiedDirectory(refresh = false): Promise<Directory> {
    return this.ctx.directory.verified(refresh);
  }
  /** The directory last verified, without asking the relay (null when never fetched). */
  cachedDirectory(): Directory | null {
    return this.ctx.directory.cached();
  }
  /** The rules of the stored directory, their signature checked again (cheap: for each unlock). */
  storedRules(): VerifiedRules | null {
    return this.ctx.directory.storedRules();
  }
  /** Whether a patient has connected at least one device (from the last verified directory). */
  patientEnrolled(patientId: string): boolean {
    return this.ctx.directory.patientEnrolled(patientId);
  }

  // ---------------------------------------------------------------- membership

  setUpClinic(input: SetUpClinicInput): Promise<{ clinicId: string; fingerprint: string }> {
    return this.membership.setUpClinic(input);
  }
  exportRecoveryFile(passphrase: string): Promise<string> {
    return this.membership.exportRecoveryFile(passphrase);
  }
  importRecoveryFile(text: string, passphrase: string): Promise<void> {
    return this.membership.importRecoveryFile(text, passphrase);
  }
  createInvite(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }): Promise<string> {
    return this.membership.createInvite(input);
  }
  createInviteCodes(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }): Promise<{ code: string; shortCode: string }> {
    return this.membership.createInviteCodes(input);
  }
  redeemInvite(input: { relayUrl: string; code: string }): Promise<{ role: StaffRole; fingerprint: string }> {
    return this.membership.redeemInvite(input);
  }
  approvePendingDevices(): Promise<string[]> {
    return this.membership.approvePendingDevices();
  }
  pendingDevices(): ReturnType<Membership['pendingDevices']> {
    return this.membership.pendingDevices();
  }
  staffDevices(): ReturnType<Membership['staffDevices']> {
    return this.membership.staffDevices();
  }
  completeJoin(): Promise<boolean> {
    return this.membership.completeJoin();
  }
  revokeDevice(deviceId: string, reason: (typeof revocationReasons)[number]): Promise<void> {
    return this.membership.revokeDevice(deviceId, reason);
  }
  rotateRecordsKey(): Promise<number> {
    return this.membership.rotateRecordsKey();
  }
  publishPolicy(rules: ClinicRules): Promise<number> {
    return this.membership.publishPolicy(rules);
  }

  // ---------------------------------------------------------------- registrar

  enrollPatient(input: Parameters<Registrar['enrollPatient']>[0]): ReturnType<Registrar['enrollPatient']> {
    return this.registrar.enrollPatient(input);
  }
  publishConsent(patientId: string, scopes: readonly ConsentScope[], expiresAt: number | null = null): Promise<number> {
    return this.registrar.publishConsent(patientId, scopes, expiresAt);
  }
  endEnrollment(patientId: string, longCode: string): Promise<boolean> {
    return this.registrar.endEnrollment(patientId, longCode);
  }
  publishCard(patientId: string, card: Omit<PatientCard, 'v'>): Promise<void> {
    return this.registrar.publishCard(patientId, card);
  }

  // ---------------------------------------------------------------- messages

  send(input: { patientId: string; body: string; scope?: ConsentScope; messageId?: string; attachments?: readonly string[] }): Promise<ClientMessage> {
    return this.outbox.send(input);
  }
  /** Sends what is due in the outbox. */
  async flushOutbox(): Promise<void> {
    await this.outbox.flush();
  }
  /** Fetches everything new since the stored cursor; returns how many messages arrived. */
  sync(): Promise<number> {
    return this.receiver.sync();
  }
  markRead(messageId: string): Promise<void> {
    return this.receiver.markRead(messageId);
  }
  markConversationRead(patientId: string): Promise<number> {
    return this.receiver.markConversationRead(patientId);
  }
  patientCards(): ReadonlyMap<string, PatientCard> {
    return this.receiver.patientCards();
  }
  /** A new message id, for a message written now and sent later (undo-send). */
  newMessageId(): string {
    return this.outbox.newMessageId();
  }
  messages(conversationId?: string): ClientMessage[] {
    return this.ctx.store.messages(conversationId);
  }
  message(messageId: string): ClientMessage | null {
    return this.ctx.store.message(messageId);
  }
  outboxSize(): number {
    return this.ctx.store.outboxSize();
  }
  /** The client's store, for the app's services built on this device (inbox, drafts). */
  get local(): ClientStore {
    return this.ctx.store;
  }

  async close(): Promise<void> {
    await this.outbox.flush.running?.catch(() => undefined);
    await this.receiver.sync.running?.catch(() => undefined);
    await this.team.flush.running?.catch(() => undefined);
    await this.ctx.session.disconnect();
    this.ctx.store.close();
  }
}
