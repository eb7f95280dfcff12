// Runs in main (Node): the unlocked profile's membership of a clinic. While a profile is
// unlocked, its network store (encrypted with a key derived from the profile key) and its
// ClinicClient are open; locking closes both. The profile's clinic role decides which IPC
// channels answer. A clinic that works from this one computer runs the relay inside the app.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type ClinicSetUpDetails, type ClinicStatus } from '../../shared/clinic';
import { type ClinicRules, defaultClinicRules } from '../../shared/protocol/clinic-rules';
import { type StaffRole } from '../../shared/roles';
import { AppError } from '../router/app-error';
import { type Logger } from '../log';
import { loadSodium } from '../crypto/sodium';
import { subkeys } from '../profiles/key-file';
import { securityFrom } from '../profiles/applied-security';
import { type OpenedProfile } from '../profiles/profile-manager';
import { type Session } from '../profiles/session';
import { ClinicClient, ClientError } from '../network/clinic-client';
import { type ClientMessage, openClientStore } from '../network/client-store';
import { EMBEDDED_RELAY_DIR, type EmbeddedRelay, startEmbeddedRelay } from '../network/embedded-relay';
import { RelayError } from '../network/relay-connection';
import { CodeError } from '../../shared/protocol/codes';
import { ShortCodeError } from '../../shared/protocol/short-code';

const EMBEDDED_STATE = 'embedded.json';

export type ClinicServiceOptions = {
  readonly dataDir: string;
  readonly session: Session;
  readonly log: Logger;
  readonly now?: () => number;
};

/** Turns network and protocol failures into the app's typed errors with plain messages. */
export function clinicError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof RelayError) {
    if (error.transient) return new AppError('clinic-offline', 'The clinic’s server cannot be reached right now. Check the address and the network, then try again.');
    return new AppError('clinic-refused', error.message, undefined, undefined, error.code);
  }
  if (error instanceof ClientError) return new AppError('clinic-refused', error.message, undefined, undefined, error.code);
  if (error instanceof CodeError) return new AppError('invalid-code', error.message, undefined, undefined, error.code);
  if (error instanceof ShortCodeError) return new AppError('invalid-code', error.message, error.group ? { group: String(error.group) } : undefined, undefined, `short-${error.code}${error.group ? '-group' : ''}`);
  return new AppError('internal', 'Something went wrong while talking to the clinic.');
}

/** What the services built on the client want to hear about. */
export type ClientHooks = {
  /** Something new was stored (messages, receipts, directory, cards). */
  readonly changed?: () => void;
  /** Messages from others arrived in a sync. */
  readonly arrived?: (messages: readonly ClientMessage[]) => void;
  /** A profile's client is open (after unlock). */
  readonly attached?: () => void;
  /** The client is about to close (lock, quit). */
  readonly detached?: () => void;
  /** The relay told this IT admin's computer that a staff computer raised an alert. */
  readonly alerted?: () => void;
};

export function createClinicService(options: ClinicServiceOptions) {
  const { session, log } = options;
  let client: ClinicClient | null = null;
  let hooks: ClientHooks = {};
  let embedded: EmbeddedRelay | null = null;
  let online = false;

  const embeddedDir = join(options.dataDir, EMBEDDED_RELAY_DIR);
  const embeddedStateFile = join(embeddedDir, EMBEDDED_STATE);
  const embeddedPort = (): number | null => {
    try {
      const parsed = JSON.parse(readFileSync(embeddedStateFile, 'utf8')) as { port?: unknown };
      return typeof parsed.port === 'number' && Number.isInteger(parsed.port) ? parsed.port : null;
    } catch {
      return null;
    }
  };

  /** Starts the relay of this computer, on the port it had before when there is one. */
  async function ensureEmbeddedRelay(): Promise<EmbeddedRelay> {
    if (embedded) return embedded;
    const port = embeddedPort();
    embedded = await startEmbeddedRelay({ dataDir: options.dataDir, ...(port !== null ? { port } : {}), ...(options.now ? { now: options.now } : {}) });
    if (port === null) writeFileSync(embeddedStateFile, `${JSON.stringify({ port: embedded.port })}\n`, { mode: 0o600 });
    log.info('clinic.embedded-relay-started');
    return embedded;
  }

  const isEmbeddedUrl = (url: string): boolean => {
    const port = embeddedPort();
    return port !== null && (url === `http://127.0.0.1:${port}` || url.startsWith(`http://127.0.0.1:${port}/`));
  };

  async function attach(profile: OpenedProfile | null): Promise<void> {
    const previous = client;
    client = null;
    online = false;
    if (previous) {
      hooks.detached?.();
      await previous.close().catch(() => undefined);
    }
    if (!profile) return;
    const keys = await subkeys(profile.profileKey);
    const sodium = await loadSodium();
    try {
      const store = openClientStore(profile.paths.network, keys.network);
      client = new ClinicClient({
        store,
        sodium,
        onChange: () => hooks.changed?.(),
        onMessages: (messages) => hooks.arrived?.(messages),
        // Each verified policy is put in force at once; one that fails verification never gets here.
        onRules: (verified) => void session.applySecurity(securityFrom(verified)),
        onAlerts: () => hooks.alerted?.(),
        ...(options.now ? { now: options.now } : {}),
      });
    } finally {
      sodium.memzero(keys.database);
      sodium.memzero(keys.blobs);
      sodium.memzero(keys.backup);
      sodium.memzero(keys.network);
    }
    // At each unlock, the rules last verified apply before anything else happens.
    await session.applySecurity(securityFrom(client.storedRules()));
    const summary = client.summary();
    if (summary && isEmbeddedUrl(summary.relayUrl)) await ensureEmbeddedRelay().catch(() => undefined);
    hooks.attached?.();
  }

  session.onProfile(attach);
  session.setRoleSource(() => {
    const summary = client?.summary();
    return summary && !summary.pending ? summary.role : null;
  });

  const current = (): ClinicClient => client ?? (() => {
    throw new AppError('locked', 'Unlock your account first.');
  })();

  async function status(): Promise<ClinicStatus> {
    const c = current();
    const summary = c.summary();
    if (!summary) {
      const port = existsSync(join(embeddedDir, 'relay.db')) ? embeddedPort() : null;
      return { state: 'none', localServer: port === null ? null : `http://127.0.0.1:${port}` };
    }
    if (summary.pending) return { state: 'pending', role: summary.role, fingerprint: c.fingerprint, relayUrl: summary.relayUrl };
    let rules: ClinicRules | null = null;
    try {
      // The directory held is kept current by the relay's pushes (and dropped on reconnect):
      // fetching and checking all of it on every call would make a large clinic slow.
      await c.ping();
      rules = (await c.verifiedDirectory()).rules;
      online = true;
    } catch (error) {
      online = false;
      if (!(error instanceof RelayError && error.transient)) throw clinicError(error);
      rules = c.cachedDirectory()?.rules ?? null;
    }
    return {
      state: 'member',
      role: summary.role,
      fingerprint: c.fingerprint,
      relayUrl: summary.relayUrl,
      embeddedRelay: isEmbeddedUrl(summary.relayUrl),
      holdsRoot: summary.holdsRoot,
      rules,
      online,
    };
  }

  async function setUp(input: {
    where: 'this-computer' | 'relay';
    relayUrl?: string | undefined;
    setupToken?: string | undefined;
    clinicName: string;
    yourName: string;
    timeZone: string;
    details?: ClinicSetUpDetails | undefined;
  }): Promise<ClinicStatus> {
    const c = current();
    if (c.summary()) throw new AppError('clinic-refused', 'This account already belongs to a clinic.');
    let relayUrl: string;
    let setupToken: string;
    if (input.where === 'this-computer') {
      if (existsSync(join(embeddedDir, 'relay.db')) && embeddedPort() !== null) {
        throw new AppError('clinic-refused', 'This computer already runs a clinic’s server. Join that clinic with an invite instead.');
      }
      const relay = await ensureEmbeddedRelay();
      if (!relay.setupToken) throw new AppError('clinic-refused', 'This computer’s clinic server was set up before. Join that clinic with an invite instead.');
      relayUrl = relay.url;
      setupToken = relay.setupToken;
    } else {
      if (!input.relayUrl || !input.setupToken) throw new AppError('invalid-request', 'Enter the server address and its setup token.');
      relayUrl = input.relayUrl.trim();
      setupToken = input.setupToken.trim();
    }
    try {
      await c.setUpClinic({ relayUrl, setupToken, clinicName: input.clinicName, staffId: staffIdFor(input.yourName), rules: defaultClinicRules(input.clinicName, input.timeZone, input.details) });
    } catch (error) {
      throw clinicError(error);
    }
    log.info('clinic.set-up', { where: input.where });
    session.refresh();
    return status();
  }

  async function joinClinic(input: { relayUrl: string; inviteCode: string }): Promise<ClinicStatus> {
    const c = current();
    if (c.summary()) throw new AppError('clinic-refused', 'This account already belongs to a clinic.');
    try {
      // The clinic of this very computer: its server runs in this app, started on demand.
      if (isEmbeddedUrl(input.relayUrl.trim())) await ensureEmbeddedRelay();
      await c.redeemInvite({ relayUrl: input.relayUrl.trim(), code: input.inviteCode });
    } catch (error) {
      throw clinicError(error);
    }
    log.info('clinic.joined');
    return checkApproval();
  }

  async function checkApproval(): Promise<ClinicStatus> {
    const c = current();
    try {
      if (await c.completeJoin()) {
      session.refresh();
      hooks.attached?.();
    }
    } catch (error) {
      throw clinicError(error);
    }
    return status();
  }

  /**
   * Publishes new rules as the next policy version, signed by the clinic root (this computer
   * must hold it). A change to the consent text additions starts a new template version.
   */
  async function updateRules(next: ClinicRules): Promise<ClinicStatus> {
    const c = current();
    const summary = c.summary();
    if (!summary?.holdsRoot) throw new AppError('forbidden', 'Only the computer that holds the clinic’s master key can change its rules.');
    let held: ClinicRules | null;
    try {
      held = (await c.verifiedDirectory(true)).rules;
    } catch (error) {
      throw clinicError(error);
    }
    const editsChanged = JSON.stringify(held?.consentText.edits ?? null) !== JSON.stringify(next.consentText.edits);
    const templateVersion = Math.max(held?.consentText.templateVersion ?? 1, next.consentText.templateVersion) + (editsChanged ? 1 : 0);
    // The portal vouch is set only by vouching (ADR 16): the rules form never changes it.
    const { portal: _ignored, ...edited } = next;
    const rules: ClinicRules = held?.portal ? { ...edited, portal: held.portal } : edited;
    try {
      await c.publishPolicy({ ...rules, consentText: { ...next.consentText, templateVersion } });
    } catch (error) {
      throw clinicError(error);
    }
    log.info('clinic.rules-updated', { templateChanged: editsChanged });
    return status();
  }

  const asAdmin = async <T>(work: (c: ClinicClient) => Promise<T>): Promise<T> => {
    try {
      return await work(current());
    } catch (error) {
      throw clinicError(error);
    }
  };

  /** People and computers of the clinic, as its IT administrator manages them. */
  const people = {
    async list() {
      return asAdmin(async (c) => {
        const [devices, pending] = [await c.staffDevices(), await c.pendingDevices()];
        return { devices, pending, holdsRoot: c.summary()?.holdsRoot ?? false };
      });
    },
    async invite(input: { displayName: string; role: StaffRole; validDays: number }) {
      return asAdmin(async (c) => {
        const expiresAt = (options.now ?? Date.now)() + input.validDays * 86_400_000;
        const { code, shortCode } = await c.createInviteCodes({ staffId: staffIdFor(input.displayName), displayName: input.displayName, role: input.role, validForMs: input.validDays * 86_400_000 });
        log.info('clinic.invited', { role: input.role });
        return { code, shortCode, relayUrl: c.summary()?.relayUrl ?? '', expiresAt };
      });
    },
    async approve() {
      return asAdmin(async (c) => {
        const approved = await c.approvePendingDevices();
        log.info('clinic.approved', { count: approved.length });
        return { approved: approved.length };
      });
    },
    async revoke(input: { deviceId: string; reason: 'lost' | 'stolen' | 'left' | 'replaced' | 'other' }) {
      return asAdmin(async (c) => {
        if (input.deviceId === c.summary()?.deviceId) throw new AppError('invalid-request', 'This computer cannot remove itself.');
        await c.revokeDevice(input.deviceId, input.reason);
        log.info('clinic.revoked', { reason: input.reason });
        return { revoked: true as const };
      });
    },
  };

  return {
    status,
    updateRules,
    people,
    setUp,
    join: joinClinic,
    checkApproval,
    /** Who hears about the client's changes (one listener set: the inbox). */
    setHooks(next: ClientHooks): void {
      hooks = next;
    },
    /** The open client of the unlocked profile, for the services built on it. */
    client: current,
    role: (): StaffRole | null => client?.summary()?.role ?? null,
    /** The security settings in force for the unlocked account. */
    security: () => session.security(),
    async close(): Promise<void> {
      await attach(null);
      await embedded?.close();
      embedded = null;
    },
  };
}

/** A stable staff id from a name and randomness; people are never identified by it. */
function staffIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()
    .slice(0, 24);
  return `${slug || 'staff'}-${Math.random().toString(36).slice(2, 10)}`;
}

export type ClinicService = ReturnType<typeof createClinicService>;
