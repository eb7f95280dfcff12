// Runs in the portal (browser; Node 22 in tests): the patient's side of the clinic network,
// a browser counterpart of the patient paths of ClinicClient (src/main/network). It keeps one
// WebSocket open (reconnecting with backoff), logs in by signing the relay's challenge,
// verifies the directory against the pinned clinic root, seals and queues messages in an
// outbox that survives reloads and leaves in writing order, fetches new items on the
// relay's push hints, and sends "delivered" and "read" receipts. Everything it keeps goes
// through the encrypted vault.
import { type AttachmentRef, type AttachmentRules, defaultAttachmentRules, fileProblem } from '../../shared/protocol/attachments';
import { type Coalesced, coalesce } from '../../shared/protocol/coalesce';
import { MAX_BODY_CHARS, type MessageState, bodyProblem, isFinalRefusal, nextState, retryDelayMs } from '../../shared/protocol/delivery';
import { consentAllows } from '../../shared/protocol/documents';
import { type Envelope } from '../../shared/protocol/envelope';
import { decodeChecked } from '../../shared/protocol/fields';
import { rootFingerprint } from '../../shared/protocol/keys';
import { type SyncItem } from '../../shared/protocol/relay-frames';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type Vault } from '../storage/vault';
import { type PatientDirectory, UntrustedError, freshTrustMemory, verifyPatientDirectory } from './directory';
import { type PatientIdentity } from './identity';
import { outOfHoursNotice, pinConsented, rememberShown } from './out-of-hours';
import { PortalConnection } from './portal-connection';
import { RelayError, type RelaySocket } from './relay-socket';
import { newMessageId, openPortalMessage, sealPortalMessage, withdrawalRequest } from './patient-envelopes';
import { type Link, type OutgoingFile, fetchFile, uploadFile } from './attachments';
import { type ConnectionState, type OutboxItem, type PortalMessage, type PortalSnapshot, type Problem, type StoredState, type VaultSecrets, PortalError, byConversationOrder } from './portal-types';

export { PortalError };
export type { OutgoingFile };
export type { ConnectionState, MessageState, PortalMessage, PortalSnapshot, Problem, VaultSecrets };

export type PatientClientOptions = {
  readonly sodium: SodiumApi;
  readonly vault: Vault<VaultSecrets>;
  readonly now?: () => number;
  readonly timeoutMs?: number;
};

export class PatientClient {
  private readonly sodium: SodiumApi;
  private readonly vault: Vault<VaultSecrets>;
  private readonly id: PatientIdentity;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private messages = new Map<string, PortalMessage>();
  private outbox: OutboxItem[] = [];
  private state: StoredState = { cursor: 0, memory: freshTrustMemory, directoryRaw: null };
  private directory: PatientDirectory | null = null;
  private connection: ConnectionState = 'offline';
  private problem: Problem = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private saving: Promise<void> = Promise.resolve();
  private listeners = new Set<() => void>();
  private current: PortalSnapshot;
  private readonly link: PortalConnection;

  private constructor(options: PatientClientOptions) {
    this.sodium = options.sodium;
    this.vault = options.vault;
    this.id = options.vault.secrets.identity;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.current = this.buildSnapshot();
    this.link = new PortalConnection(this.sodium, this.id, this.timeoutMs, {
      onState: (state) => this.setConnection(state),
      onPush: (kind) => {
        if (kind === 'directory') void this.refreshDirectory().then(() => this.sync()).catch(() => undefined);
        else void this.sync().catch(() => undefined);
      },
      onOnline: async () => {
        await this.refreshDirectory();
        await this.sync();
      },
      onRemoved: () => {
        this.problem = 'removed';
      },
      onChanged: () => this.changed(),
    });
  }

  /** Loads what the vault holds; verifies the stored directory again before using it. */
  static async open(options: PatientClientOptions): Promise<PatientClient> {
    const client = new PatientClient(options);
    const [state, messages, outbox] = await Promise.all([
      options.vault.read<StoredState>('state'),
      options.vault.read<PortalMessage[]>('messages'),
      options.vault.read<OutboxItem[]>('outbox'),
    ]);
    if (state) client.state = state;
    for (const m of messages ?? []) client.messages.set(m.messageId, m);
    client.outbox = outbox ?? [];
    if (client.state.directoryRaw) {
      try {
        client.directory = verifyPatientDirectory(client.sodium, client.id, client.state.directoryRaw, client.state.memory, client.now()).directory;
        client.state = { ...client.state, consented: pinConsented(client.state.consented ?? null, client.directory) };
      } catch {
        client.directory = null;
      }
    }
    client.changed();
    return client;
  }

  // ------------------------------------------------------------ observing

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): PortalSnapshot {
    return this.current;
  }

  private buildSnapshot(): PortalSnapshot {
    return {
      connection: this.connection,
      problem: this.problem,
      messages: [...this.messages.values()].sort(byConversationOrder),
      directory: this.directory,
      rules: this.state.consented?.rules ?? this.directory?.rules ?? null,
      rulesVersion: this.state.consented?.policyVersion ?? this.directory?.policy?.version ?? null,
      fingerprint: rootFingerprint(this.sodium, decodeChecked(this.id.rootPublicKey)),
      patientId: this.id.patientId,
    };
  }

  private changed(): void {
    this.current = this.buildSnapshot();
    for (const listener of this.listeners) listener();
  }

  private setConnection(state: ConnectionState): void {
    if (this.connection === state) return;
    this.connection = state;
    this.changed();
  }

  /** Writes the whole state, in order; the last write always holds the newest state. */
  private save(): Promise<void> {
    if (this.link.stopped) return this.saving;
    const records = { state: this.state, messages: [...this.messages.values()], outbox: this.outbox };
    this.saving = this.saving.then(() => this.vault.write(records)).catch(() => undefined);
    return this.saving;
  }

  // ------------------------------------------------------------ connection

  /** Starts connecting, and keeps reconnecting with backoff until stop(). */
  start(): void {
    this.link.start();
  }

  /** Tries at once (e.g. when the browser says it is back online). */
  reconnectNow(): void {
    this.link.reconnectNow();
  }

  async stop(): Promise<void> {
    this.link.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.saving;
    this.vault.close();
  }

  private get socket(): RelaySocket | null {
    return this.link.socket;
  }

  // ------------------------------------------------------------ directory

  /** Fetches and verifies the directory; an answer that does not verify is never used. */
  async refreshDirectory(): Promise<PatientDirectory | null> {
    const socket = this.socket;
    if (!socket?.open) return this.directory;
    const raw = await socket.request('directory.get', {});
    try {
      const { directory, memory } = verifyPatientDirectory(this.sodium, this.id, raw, this.state.memory, this.now());
      this.directory = directory;
      this.state = { ...this.state, memory, directoryRaw: raw, consented: pinConsented(this.state.consented ?? null, directory) };
      this.problem = null;
    } catch (error) {
      if (!(error instanceof UntrustedError)) throw error;
      this.problem = 'untrusted';
    }
    this.changed();
    await this.save();
    return this.directory;
  }

  /** How many messages and receipts wait to leave. */
  outboxSize(): number {
    return this.outbox.length;
  }

  /** Whether the clinic may currently receive messages from this patient. */
  canWrite(): boolean {
    return consentAllows(this.directory?.consent ?? null, 'clinical', this.now());
  }

  /**
   * Whether this patient may attach files (ADR 19): the clinic's signed rules accept files
   * from patients and the patient agreed to the `attachments` scope. With the limits in force.
   */
  attachments(): { readonly allowed: boolean; readonly rules: AttachmentRules } {
    const rules = this.directory?.rules ?? null;
    const allowed = rules?.security.patientAttachments === true && this.canWrite() && consentAllows(this.directory?.consent ?? null, 'attachments', this.now());
    return { allowed, rules: rules?.attachments ?? defaultAttachmentRules };
  }

  private readonly transfer: Link = {
    socket: () => this.socket,
    waitOnline: async (ms) => {
      const until = Date.now() + ms;
      while (Date.now() < until && !this.link.stopped) {
        if (this.socket?.open) return true;
        this.link.reconnectNow();
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      return this.socket?.open === true;
    },
  };

  // ------------------------------------------------------------ sending

  /**
   * Seals a message and queues it; it leaves now if online, else when the connection returns.
   * `urgent`: the patient sent it past the emergency screen; the mark travels encrypted.
   * `files` are uploaded first (online only); the message is queued once every one is at the
   * relay, so a file that fails leaves the conversation as it was.
   */
  async send(body: string, options: { urgent?: boolean; files?: readonly OutgoingFile[]; onProgress?: (doneBytes: number, totalBytes: number) => void } = {}): Promise<PortalMessage> {
    const files = options.files ?? [];
    const problem = bodyProblem(body);
    if (problem === 'empty' && files.length === 0) throw new PortalError('empty', 'Write something before sending.');
    if (problem === 'too-long') throw new PortalError('too-long', `A message holds at most ${MAX_BODY_CHARS} characters.`);
    const directory = this.directory;
    if (!directory?.epoch) throw new PortalError('not-ready', 'The clinic’s keys are not known yet.');
    if (!this.canWrite()) throw new PortalError('no-consent', 'Messaging is not active; please call the clinic.');
    const attachments = files.length > 0 ? await this.upload(files, options.onProgress) : undefined;
    const messageId = newMessageId(this.sodium);
    const sentAt = this.now();
    const urgent = options.urgent === true;
    // Written while the clinic is closed: the automatic notice, once per closed period, from the rules agreed to.
    const rules = this.state.consented?.rules ?? directory.rules;
    const outOfHours = rules ? outOfHoursNotice(sentAt, rules, this.state.outOfHoursShown ?? []) : null;
    if (outOfHours) this.state = { ...this.state, outOfHoursShown: rememberShown(this.state.outOfHoursShown ?? [], outOfHours, sentAt) };
    const extra = { ...(urgent ? { urgent } : {}), ...(outOfHours ? { outOfHours } : {}), ...(attachments ? { attachments } : {}) };
    const envelope = this.seal(directory, { messageId, body, sentAt, ...extra });
    const message: PortalMessage = { messageId, outgoing: true, body, sentAt, seq: null, state: 'queued', failure: null, readSent: true, ...extra };
    this.messages.set(messageId, message);
    this.outbox = [...this.outbox, { id: messageId, kind: 'message', payload: JSON.stringify(envelope), attempts: 0, nextAttemptAt: sentAt }];
    this.changed();
    await this.save();
    void this.flush();
    return message;
  }

  private seal(directory: PatientDirectory, message: Pick<PortalMessage, 'messageId' | 'body' | 'sentAt' | 'urgent' | 'outOfHours' | 'attachments'>): Envelope {
    return sealPortalMessage(this.sodium, this.id, directory, message);
  }

  /** Checks the files against the rules, then uploads them one after the other. */
  private async upload(files: readonly OutgoingFile[], onProgress?: (doneBytes: number, totalBytes: number) => void): Promise<AttachmentRef[]> {
    const { allowed, rules } = this.attachments();
    if (!allowed) throw new PortalError('file', 'Photos and files cannot be sent to this clinic.', 'not-accepted');
    for (const [index, file] of files.entries()) {
      const reason = fileProblem(rules, file, index);
      if (reason) throw new PortalError('file', `This file cannot be sent (${reason}).`, reason);
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    const refs: AttachmentRef[] = [];
    let before = 0;
    for (const file of files) {
      refs.push(await uploadFile(this.sodium, this.transfer, this.id.patientId, file, (done) => onProgress?.(before + done, total)));
      before += file.size;
    }
    return refs;
  }

  /** The bytes of a file of a message, fetched, opened and checked; in parts, for a Blob. */
  async openAttachment(messageId: string, blobId: string, onProgress?: (doneBytes: number) => void): Promise<{ readonly ref: AttachmentRef; readonly parts: Uint8Array[] }> {
    const message = this.messages.get(messageId);
    const ref = message?.attachments?.find((a) => a.blobId === blobId);
    if (!message || !ref) throw new PortalError('file', 'This file is not part of your conversation.', 'gone');
    if (message.attachmentsUnverified) throw new PortalError('unverified', 'The attachment could not be verified.');
    return { ref, parts: await fetchFile(this.sodium, this.transfer, ref, onProgress) };
  }

  private update(messageId: string, state: MessageState, fields: Partial<Pick<PortalMessage, 'seq' | 'failure' | 'readSent'>> = {}): void {
    const m = this.messages.get(messageId);
    if (!m) return;
    this.messages.set(messageId, { ...m, ...fields, state: nextState(m.state, state), failure: state === 'failed' ? (fields.failure ?? 'refused') : m.failure });
  }

  /** Sends what is due in the outbox, oldest first; a transient failure holds back the rest. */
  readonly flush: Coalesced<void> = coalesce(() => this.flushOnce(), { worthAnother: () => this.socket?.open === true });

  private async flushOnce(): Promise<void> {
    const socket = this.socket;
    if (!socket?.open || this.outbox.length === 0) return;
    const first = this.outbox[0];
    if (first && first.nextAttemptAt > this.now()) return this.scheduleFlush(first.nextAttemptAt);
    const resealed = new Set<string>();
    while (this.outbox.length > 0 && socket.open) {
      const item = this.outbox[0] as OutboxItem;
      try {
        if (item.kind === 'message') {
          const answer = await socket.request('message.send', { envelope: JSON.parse(item.payload) as Envelope });
          this.update(item.id, 'sent', { seq: answer.seq });
        } else {
          await socket.request('receipt.send', JSON.parse(item.payload) as { messageId: string; kind: 'delivered' | 'read' });
        }
        this.outbox = this.outbox.filter((o) => o.id !== item.id);
      } catch (error) {
        const code = error instanceof RelayError ? error.code : 'internal';
        if (item.kind === 'message' && code === 'stale-records-key' && !resealed.has(item.id)) {
          resealed.add(item.id);
          const m = this.messages.get(item.id);
          const directory = await this.refreshDirectory().catch(() => null);
          if (m && directory?.epoch) {
            const envelope = this.seal(directory, m);
            this.outbox = this.outbox.map((o) => (o.id === item.id ? { ...o, payload: JSON.stringify(envelope) } : o));
            continue;
          }
        }
        if (isFinalRefusal(code, item.kind)) {
          this.outbox = this.outbox.filter((o) => o.id !== item.id);
          if (item.kind === 'message') this.update(item.id, 'failed', { failure: code });
          continue;
        }
        const at = this.now() + retryDelayMs(item.attempts);
        this.outbox = this.outbox.map((o) => (o.id === item.id ? { ...o, attempts: o.attempts + 1, nextAttemptAt: at } : o));
        this.scheduleFlush(at);
        break;
      } finally {
        this.changed();
      }
    }
    await this.save();
  }

  private scheduleFlush(at: number): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, Math.max(0, at - this.now()));
  }

  // ------------------------------------------------------------ receiving

  /** Fetches everything new since the stored cursor; a push during a pass causes one more. */
  readonly sync: Coalesced<void> = coalesce(() => this.syncOnce());

  private async syncOnce(): Promise<void> {
    const socket = this.socket;
    if (!socket?.open) return;
    for (;;) {
      const { items, more } = await socket.request('sync', { after: this.state.cursor, limit: 200 });
      for (const item of items) await this.accept(item);
      if (items.length > 0) this.state = { ...this.state, cursor: (items[items.length - 1] as SyncItem).relaySeq };
      if (!more) break;
    }
    this.changed();
    await this.save();
    await this.flush();
  }

  private async accept(item: SyncItem): Promise<void> {
    if (item.kind === 'receipt') {
      const own = this.messages.get(item.messageId);
      if (own?.outgoing && item.deviceId !== this.id.deviceId) this.update(item.messageId, item.receipt);
      return;
    }
    const messageId = item.envelope.header.messageId;
    const known = this.messages.get(messageId);
    if (known) {
      // Our own message coming back: the relay's order number, never a step back.
      if (known.outgoing && known.seq === null) this.messages.set(messageId, { ...known, seq: item.seq });
      return;
    }
    const lookup = async (deviceId: string) => this.directory?.devices.get(deviceId) ?? (await this.refreshDirectory().catch(() => null))?.devices.get(deviceId) ?? null;
    const message = await openPortalMessage(this.sodium, item, lookup, this.id);
    // A sender that does not verify, or a message about another patient, is dropped unseen.
    if (!message) return;
    if (message.retracts !== undefined) {
      // The clinic's "sent in error" notice: the message it names loses its text and files here for good.
      this.messages.set(messageId, message);
      const target = this.messages.get(message.retracts);
      if (target && !target.outgoing) this.messages.set(target.messageId, hidden(target, message.sentAt));
      return;
    }
    // A notice that came before the message it names (another device's order): hidden on arrival.
    const mark = [...this.messages.values()].find((m) => m.retracts === messageId);
    this.messages.set(messageId, mark && !message.outgoing ? hidden(message, mark.sentAt) : message);
    const outgoing = message.outgoing;
    if (!outgoing) this.enqueueReceipt(messageId, 'delivered');
  }

  private enqueueReceipt(messageId: string, kind: 'delivered' | 'read'): void {
    const id = `${kind}:${messageId}`;
    if (this.outbox.some((o) => o.id === id)) return;
    this.outbox = [...this.outbox, { id, kind: 'receipt', payload: JSON.stringify({ messageId, kind }), attempts: 0, nextAttemptAt: this.now() }];
  }

  /** Marks received messages as read (they are on screen) and tells the clinic. */
  async markRead(messageIds: readonly string[]): Promise<void> {
    let any = false;
    for (const messageId of messageIds) {
      const m = this.messages.get(messageId);
      if (!m || m.outgoing || m.readSent) continue;
      this.messages.set(messageId, { ...m, readSent: true });
      this.enqueueReceipt(messageId, 'read');
      any = true;
    }
    if (!any) return;
    this.changed();
    await this.save();
    void this.flush();
  }

  // ------------------------------------------------------------ consent

  /** The patient withdraws their consent from this device; needs the connection. */
  async withdraw(): Promise<void> {
    const socket = this.socket;
    if (!socket?.open) throw new PortalError('offline', 'The clinic’s server cannot be reached right now.');
    const withdrawal = withdrawalRequest(this.sodium, this.id, this.now());
    await socket.request('consent.withdraw-request', { withdrawal });
    await this.refreshDirectory();
  }

  /** Waits for pending writes (tests, and before the page goes away). */
  async settled(): Promise<void> {
    await this.link.connecting;
    await this.sync.running?.catch(() => undefined);
    await this.flush.running?.catch(() => undefined);
    await this.saving;
  }
}

/** A message marked "sent in error": kept as a place in the conversation, with nothing of what it said. */
function hidden(m: PortalMessage, at: number): PortalMessage {
  const { attachments: _files, attachmentsUnverified: _unverified, urgent: _urgent, outOfHours: _ooh, ...rest } = m;
  return { ...rest, body: '', sentInError: { at } };
}
