// Runs in Node (tests, `npm run demo`, the benchmarks): a patient's device without a browser.
// It is the portal's own code: the enrollment steps of src/portal/client/enroll.ts and the
// PatientClient, over the portal's encrypted vault. Only the vault's backend differs: a file
// (one JSON map of already encrypted records, replaced atomically) instead of IndexedDB, so
// a "restart" can reopen the same device and tests can check the file holds no plaintext.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { toBase64 } from '../src/shared/protocol/encoding';
import { type PortalSodium, loadSodium, randomBytes } from '../src/portal/crypto/sodium';
import { type VaultBackend } from '../src/portal/storage/backend';
import { Vault } from '../src/portal/storage/vault';
import { type PatientDirectory } from '../src/portal/client/directory';
import { checkEnrollmentCode, checkShortEnrollmentCode, redeemEnrollment } from '../src/portal/client/enroll';
import { deriveOnThisThread } from '../src/portal/crypto/key-wrap';
import { type PatientIdentity } from '../src/portal/client/identity';
import { PatientClient, type PortalMessage, type VaultSecrets } from '../src/portal/client/patient-client';
import { wsUrlFor } from '../src/portal/client/relay-socket';

/** A vault backend kept in one file; every put rewrites it through a temporary file and a rename. */
export function fileBackend(file: string): VaultBackend {
  const entries = new Map<string, Uint8Array>();
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    for (const [name, value] of Object.entries(stored)) entries.set(name, Uint8Array.from(Buffer.from(value, 'base64')));
  }
  const persist = (): void => {
    const out: Record<string, string> = {};
    for (const [name, value] of entries) out[name] = Buffer.from(value).toString('base64');
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(out), { mode: 0o600 });
    renameSync(temporary, file);
  };
  return {
    async get(name) {
      return entries.get(name)?.slice() ?? null;
    },
    async put(list) {
      for (const [name, value] of list) entries.set(name, value.slice());
      persist();
    },
    async clear() {
      entries.clear();
      persist();
    },
  };
}

// A headless device's passphrase is random and kept by its owner object; the costs are the
// lowest the vault accepts, since nobody types it and tests open many devices.
const HEADLESS_COSTS = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

export type HeadlessPatientOptions = {
  readonly name: string;
  /** The folder that holds the device's vault file. */
  readonly dir: string;
  readonly now?: () => number;
};

export class HeadlessPatient {
  private constructor(
    readonly name: string,
    /** The vault file: keep it and the passphrase to reopen the same device after a restart. */
    readonly file: string,
    readonly passphrase: string,
    readonly client: PatientClient,
    private readonly vault: Vault<VaultSecrets>,
  ) {}

  /** Redeems the receipt's code the way the portal does, then connects. Throws EnrollError or RelayError. */
  static async enroll(options: HeadlessPatientOptions & { relayUrl: string; code: string; /** With a short code: the date of birth, YYYY-MM-DD. */ birthDate?: string }): Promise<HeadlessPatient> {
    const sodium = await loadSodium();
    const now = options.now ?? Date.now;
    const wsUrl = wsUrlFor(options.relayUrl);
    const checked =
      options.birthDate === undefined ? await checkEnrollmentCode(sodium, wsUrl, options.code) : await checkShortEnrollmentCode(sodium, wsUrl, options.code, options.birthDate, deriveOnThisThread(sodium));
    const identity = await redeemEnrollment(sodium, wsUrl, checked, now());
    const file = join(options.dir, `${options.name}.vault.json`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const passphrase = toBase64(randomBytes(24));
    const vault = await Vault.create<VaultSecrets>(sodium, fileBackend(file), passphrase, { identity }, HEADLESS_COSTS);
    return HeadlessPatient.start(sodium, options.name, file, passphrase, vault, now);
  }

  /**
   * Opens the same device again (after close()), from its vault file. With `connect: false`
   * it only loads what the vault holds, and connects at the first sync, send or flush.
   */
  static async reopen(previous: Pick<HeadlessPatient, 'name' | 'file' | 'passphrase'>, options: { now?: () => number; connect?: boolean } = {}): Promise<HeadlessPatient> {
    const sodium = await loadSodium();
    const vault = await Vault.open<VaultSecrets>(sodium, fileBackend(previous.file), previous.passphrase);
    return HeadlessPatient.start(sodium, previous.name, previous.file, previous.passphrase, vault, options.now ?? Date.now, options.connect ?? true);
  }

  private static async start(sodium: PortalSodium, name: string, file: string, passphrase: string, vault: Vault<VaultSecrets>, now: () => number, connect = true): Promise<HeadlessPatient> {
    const client = await PatientClient.open({ sodium, vault, now, timeoutMs: 10_000 });
    if (connect) {
      client.start();
      await client.settled();
    }
    return new HeadlessPatient(name, file, passphrase, client, vault);
  }

  get identity(): PatientIdentity {
    return this.vault.secrets.identity;
  }

  get deviceId(): string {
    return this.identity.deviceId;
  }

  get patientId(): string {
    return this.identity.patientId;
  }

  /** Connects again at once if the connection dropped (the portal does this when the browser is back online). */
  private async online(): Promise<void> {
    this.client.start();
    if (this.client.snapshot().connection !== 'online') this.client.reconnectNow();
    await this.client.settled();
  }

  /**
   * Writes to the clinic and waits for the outbox pass that takes it: the message comes back
   * 'sent' with its order number, or 'queued' when the relay cannot be reached. Throws PortalError.
   */
  async send(body: string): Promise<PortalMessage> {
    const queued = await this.client.send(body);
    await this.client.flush();
    return this.message(queued.messageId) ?? queued;
  }

  /** Fetches what is new (and sends what waits), reconnecting first if needed. */
  async sync(): Promise<void> {
    await this.online();
    await this.client.sync();
  }

  async flushOutbox(): Promise<void> {
    await this.online();
    await this.client.flush();
  }

  /** Fetches and verifies the directory now. */
  async verifiedDirectory(): Promise<PatientDirectory> {
    await this.online();
    const directory = await this.client.refreshDirectory();
    if (!directory) throw new Error(`${this.name} has no verified directory`);
    return directory;
  }

  messages(): readonly PortalMessage[] {
    return this.client.snapshot().messages;
  }

  message(messageId: string): PortalMessage | null {
    return this.messages().find((m) => m.messageId === messageId) ?? null;
  }

  /** What still waits to leave: messages and receipts. */
  outboxSize(): number {
    return this.client.outboxSize();
  }

  async markRead(messageId: string): Promise<void> {
    await this.client.markRead([messageId]);
    await this.client.flush();
  }

  async withdraw(): Promise<void> {
    await this.online();
    await this.client.withdraw();
  }

  /** Closes the connection and locks the vault; reopen() starts the same device again. */
  async close(): Promise<void> {
    await this.client.settled();
    await this.client.stop();
  }
}
