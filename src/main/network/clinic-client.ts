// Runs in main (Node): one device of the clinic network, without any UI (ADR 10). The
// desktop app, the integration tests and `npm run demo` all drive this same class. It
// trusts nothing the relay says that it cannot check: every certificate is checked against
// the clinic root pinned when this device joined, every document against its signer, every
// message against its sender's verified key.
import { signStaffCertificate } from '../../shared/protocol/certificate';
import { type ClinicRules, clinicRulesSchema, defaultClinicRules } from '../../shared/protocol/clinic-rules';
import { checkCodeClinic, codeKeys, createCode, formatCode, parseCode } from '../../shared/protocol/codes';
import {
  type ConsentScope,
  type ConsentStatus,
  PREFIX,
  effectiveConsent,
  patientWithdrawalSchema,
  type RecordsEpoch,
  consentAllows,
  consentStatusSchema,
  createRecordsEpoch,
  enrollmentRedemptionSchema,
  enrollmentSchema,
  inviteRedemptionSchema,
  openPreviousEpoch,
  openRecordsEpoch,
  recordsEpochSchema,
  relayAuthSchema,
  revocationSchema,
  staffInviteSchema,
  type revocationReasons,
} from '../../shared/protocol/documents';
import { signingInput } from '../../shared/protocol/canonical';
import { bytesEqual, toBase64 } from '../../shared/protocol/encoding';
import { type Coalesced, coalesce } from '../../shared/protocol/coalesce';
import { MAX_BODY_CHARS, bodyProblem, isFinalRefusal, openIncoming, retryDelayMs, sealMessage } from '../../shared/protocol/delivery';
import { DirectoryTrustError, type DirectoryMemory, type VerifiedDirectory, verifyDirectory } from '../../shared/protocol/directory';
import { type Envelope, type EnvelopeRecipient, openEnvelope, parseEnvelope, sealEnvelope } from '../../shared/protocol/envelope';
import { decodeChecked } from '../../shared/protocol/fields';
import { generateDeviceKeys, generateRootKeys, rootFingerprint, rootFingerprintBytes } from '../../shared/protocol/keys';
import { type ClinicPolicy, signClinicPolicy } from '../../shared/protocol/policy';
import { type AnswerBody, type SyncItem } from '../../shared/protocol/relay-frames';
import { CARD_SCOPE, type PatientCard, cardMessageId, parsePatientCard } from '../../shared/protocol/patient-card';
import { type Signed, hasValidSignature, signDocument } from '../../shared/protocol/signed';
import { type SodiumApi, type SodiumKeyPair } from '../../shared/protocol/sodium-api';
import { type StaffRole } from '../../shared/roles';
import { type ClientMessage, type ClientStore } from './client-store';
import { readRecoveryFile, writeRecoveryFile } from './recovery-file';
import { RelayError, type RelayConnection, connectRelay } from './relay-connection';

export type ClientErrorCode =
  | 'not-joined'
  | 'already-joined'
  | 'wrong-clinic'
  | 'untrusted'
  | 'no-consent'
  | 'not-allowed'
  | 'unknown-patient'
  | 'pending-approval'
  | 'too-long'
  | 'empty';

/** A refusal on this device, before anything reached the relay. */
export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

type KeyPairText = { publicKey: string; privateKey: string };
type Identity = {
  deviceId: string;
  kind: 'staff' | 'patient';
  role: StaffRole | null;
  staffId: string | null;
  patientId: string | null;
  clinicId: string;
  relayUrl: string;
  rootPublicKey: string;
  signing: KeyPairText;
  box: KeyPairText;
  /** pending: redeemed an invite, waiting for an IT admin's approval. */
  status: 'pending' | 'active';
};

/** The directory as this device verified it (src/shared/protocol/directory.ts). */
export type Directory = VerifiedDirectory;

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
};

export type SetUpClinicInput = {
  readonly relayUrl: string;
  readonly setupToken: string;
  readonly clinicName: string;
  readonly staffId: string;
  /** The clinic's stated rules, signed into policy v1; defaults for the name when omitted. */
  readonly rules?: ClinicRules;
};

const DAY = 86_400_000;
const CERT_LIFETIME = 2 * 365 * DAY;
/** Codes after which retrying the same envelope cannot succeed. */

const randomId = (sodium: SodiumApi, prefix: string): string => `${prefix}${toBase64(sodium.randombytes_buf(12)).replace(/\+/g, '-').replace(/\//g, '_')}`;
const keyText = (pair: SodiumKeyPair): KeyPairText => ({ publicKey: toBase64(pair.publicKey), privateKey: toBase64(pair.privateKey) });
const keyPair = (text: KeyPairText): SodiumKeyPair => ({ publicKey: decodeChecked(text.publicKey), privateKey: decodeChecked(text.privateKey) });


export class ClinicClient {
  private readonly store: ClientStore;
  private readonly sodium: SodiumApi;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private connection: RelayConnection | null = null;
  private connecting: Promise<RelayConnection> | null = null;
  private directory: Directory | null = null;
  /** A receipt moved one of this device's messages during the running sync. */
  private receiptsArrived = false;
  private cards: ReadonlyMap<string, PatientCard> | null = null;
  private readonly verifiedSignatures = new Set<string>();
  private everConnected = false;
  private readonly onChange: () => void;
  private readonly onMessages: (messages: readonly ClientMessage[]) => void;

  constructor(options: ClinicClientOptions) {
    this.store = options.store;
    this.sodium = options.sodium;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.onChange = options.onChange ?? (() => undefined);
    this.onMessages = options.onMessages ?? (() => undefined);
  }

  // ---------------------------------------------------------------- identity

  private identity(): Identity {
    return this.store.get<Identity>('identity') ?? this.fail('not-joined', 'This device has not joined a clinic yet.');
  }

  private fail(code: ClientErrorCode, message: string): never {
    throw new ClientError(code, message);
  }

  get joined(): boolean {
    return this.store.get<Identity>('identity') !== null;
  }

  get deviceId(): string {
    return this.identity().deviceId;
  }

  get patientId(): string | null {
    return this.identity().patientId;
  }

  /** What this device is in its clinic, without any secret; null before it joins. */
  summary(): { deviceId: string; kind: 'staff' | 'patient'; role: StaffRole | null; staffId: string | null; clinicId: string; relayUrl: string; pending: boolean; holdsRoot: boolean } | null {
    const id = this.store.get<Identity>('identity');
    if (!id) return null;
    return {
      deviceId: id.deviceId,
      kind: id.kind,
      role: id.role,
      staffId: id.staffId,
      clinicId: id.clinicId,
      relayUrl: id.relayUrl,
      pending: id.status === 'pending',
      holdsRoot: this.store.get<string>('root-secret') !== null,
    };
  }

  /** Signs a document with this device's certified key (e.g. a consent record). */
  signAsDevice(prefix: string, value: unknown): { signature: Uint8Array; signingKey: Uint8Array; boxKey: Uint8Array } {
    const id = this.identity();
    const signing = keyPair(id.signing);
    return {
      signature: this.sodium.crypto_sign_detached(signingInput(prefix, value), signing.privateKey),
      signingKey: signing.publicKey,
      boxKey: decodeChecked(id.box.publicKey),
    };
  }

  /** This device's certificate as the directory holds it (JSON), or null before approval. */
  ownCertificateJson(): string | null {
    const id = this.identity();
    const raw = this.store.get<AnswerBody<'directory.get'>>('directory-raw');
    const mine = raw?.staff.find((c) => c.certificate.deviceId === id.deviceId);
    return mine ? JSON.stringify(mine) : (this.store.get<unknown>('certificate') ? JSON.stringify(this.store.get<unknown>('certificate')) : null);
  }

  /** Whether a patient has connected at least one device (from the last verified directory). */
  patientEnrolled(patientId: string): boolean {
    for (const d of this.directory?.devices.values() ?? []) if (d.kind === 'patient' && d.patientId === patientId) return true;
    return false;
  }

  /** The pinned clinic root fingerprint, as printed on receipts. */
  get fingerprint(): string {
    return rootFingerprint(this.sodium, decodeChecked(this.identity().rootPublicKey));
  }

  private rootSecret(): Uint8Array {
    const text = this.store.get<string>('root-secret');
    return text ? decodeChecked(text) : this.fail('not-allowed', 'Only the device holding the clinic root can approve or remove devices.');
  }

  // ---------------------------------------------------------------- connection

  private async connection$(): Promise<RelayConnection> {
    if (this.connection?.open) return this.connection;
    this.connecting ??= (async () => {
      try {
        const id = this.identity();
        const connection = await connectRelay(id.relayUrl, {
          timeoutMs: this.timeoutMs,
          onPush: (kind) => {
            if (kind === 'directory') {
              // Consents, devices or cards changed: whoever shows them fetches again.
              this.directory = null;
              this.onChange();
            }
            void this.sync().catch(() => undefined);
          },
          onClose: () => {
            if (this.connection === connection) this.connection = null;
          },
        });
        try {
          await this.login(connection, id);
        } catch (error) {
          await connection.close();
          throw error;
        }
        // Pushes missed while disconnected are lost: what was held may be out of date.
        if (this.connection !== null || this.everConnected) this.directory = null;
        this.everConnected = true;
        this.connection = connection;
        return connection;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  private async login(connection: RelayConnection, id: Identity): Promise<void> {
    const { challenge } = await connection.request('auth.challenge', {});
    const proof = signDocument(this.sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: id.clinicId, deviceId: id.deviceId, challenge }, keyPair(id.signing).privateKey);
    await connection.request('auth.login', { proof });
  }

  /** Closes the connection; the store stays open. */
  async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }

  // ---------------------------------------------------------------- clinic setup (first IT admin)

  /**
   * Creates the clinic root and this device's keys, binds the relay to the root with its
   * one-time setup token, and creates records key epoch 0. Returns the root fingerprint.
   */
  async setUpClinic(input: SetUpClinicInput): Promise<{ clinicId: string; fingerprint: string }> {
    if (this.joined) this.fail('already-joined', 'This device already belongs to a clinic.');
    const root = generateRootKeys(this.sodium);
    const device = generateDeviceKeys(this.sodium);
    const clinicId = randomId(this.sodium, 'c');
    const deviceId = randomId(this.sodium, 'd');
    const issuedAt = this.now();
    const certificate = signStaffCertificate(
      this.sodium,
      { clinicId, deviceId, staffId: input.staffId, role: 'it-admin', signingKey: device.signing.publicKey, boxKey: device.box.publicKey, issuedAt, notAfter: issuedAt + CERT_LIFETIME },
      root.privateKey,
    );
    const rules = clinicRulesSchema.parse(input.rules ?? defaultClinicRules(input.clinicName));
    const policy = signClinicPolicy(this.sodium, { clinicId, version: 1, issuedAt, rules: rules as ClinicPolicy['rules'] }, root.privateKey);
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.timeoutMs });
    try {
      await connection.request('clinic.setup', { setupToken: input.setupToken, clinicId, rootPublicKey: toBase64(root.publicKey), policy, adminCertificate: certificate });
    } finally {
      await connection.close();
    }
    this.store.transaction(() => {
      this.store.put('identity', {
        deviceId,
        kind: 'staff',
        role: 'it-admin',
        staffId: input.staffId,
        patientId: null,
        clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: toBase64(root.publicKey),
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'active',
      } satisfies Identity);
      this.store.put('root-secret', toBase64(root.privateKey));
      this.store.put('certificate', certificate);
    });
    root.privateKey.fill(0);
    await this.rotateRecordsKey();
    return { clinicId, fingerprint: this.fingerprint };
  }

  /** The clinic root, encrypted under a passphrase: the only copy that may leave this device. */
  async exportRecoveryFile(passphrase: string): Promise<string> {
    const secret = this.rootSecret();
    try {
      return await writeRecoveryFile({ clinicId: this.identity().clinicId, rootSecretKey: secret, passphrase, now: this.now() });
    } finally {
      secret.fill(0);
    }
  }

  /** Puts the clinic root on this IT admin device from a recovery file (e.g. after a lost laptop). */
  async importRecoveryFile(text: string, passphrase: string): Promise<void> {
    const id = this.identity();
    if (id.role !== 'it-admin') this.fail('not-allowed', 'Only an IT admin device can hold the clinic root.');
    const { rootSecretKey } = await readRecoveryFile(text, passphrase, id.clinicId);
    try {
      if (!bytesEqual(this.sodium.crypto_sign_ed25519_sk_to_pk(rootSecretKey), decodeChecked(id.rootPublicKey))) {
        this.fail('wrong-clinic', 'This recovery file holds another clinic root than the one this device trusts.');
      }
      this.store.put('root-secret', toBase64(rootSecretKey));
    } finally {
      rootSecretKey.fill(0);
    }
  }

  // ---------------------------------------------------------------- staff invites

  /** An IT admin invites a person with a role; returns the code to hand them. */
  async createInvite(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }): Promise<string> {
    const id = this.identity();
    if (id.role !== 'it-admin') this.fail('not-allowed', 'Only IT admins can invite staff.');
    const code = createCode(this.sodium, 'invite', rootFingerprintBytes(this.sodium, decodeChecked(id.rootPublicKey)));
    const issuedAt = this.now();
    const invite = signDocument(
      this.sodium,
      PREFIX.staffInvite,
      staffInviteSchema,
      {
        v: 1,
        clinicId: id.clinicId,
        inviteId: code.id,
        staffId: input.staffId,
        role: input.role,
        displayName: input.displayName,
        inviteKey: toBase64(codeKeys(this.sodium, code).publicKey),
        issuedBy: id.deviceId,
        issuedAt,
        expiresAt: issuedAt + (input.validForMs ?? 7 * DAY),
      },
      keyPair(id.signing).privateKey,
    );
    await (await this.connection$()).request('invite.create', { invite });
    return formatCode(this.sodium, code);
  }

  /**
   * A new staff device redeems an invite code: it checks the relay serves the clinic the code
   * names, pins that clinic root, generates its keys and waits for an IT admin's approval.
   */
  async redeemInvite(input: { relayUrl: string; code: string }): Promise<{ role: StaffRole; fingerprint: string }> {
    if (this.joined) this.fail('already-joined', 'This device already belongs to a clinic.');
    const code = parseCode(this.sodium, input.code, 'invite');
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.timeoutMs });
    try {
      const { clinic } = await connection.request('clinic.info', {});
      if (!clinic) this.fail('wrong-clinic', 'This relay has not been set up for a clinic.');
      const rootPublicKey = decodeChecked(clinic.rootPublicKey);
      checkCodeClinic(code, rootFingerprintBytes(this.sodium, rootPublicKey));
      const device = generateDeviceKeys(this.sodium);
      const deviceId = randomId(this.sodium, 'd');
      const redemption = signDocument(
        this.sodium,
        PREFIX.inviteRedemption,
        inviteRedemptionSchema,
        { v: 1, clinicId: clinic.clinicId, inviteId: code.id, deviceId, signingKey: toBase64(device.signing.publicKey), boxKey: toBase64(device.box.publicKey), redeemedAt: this.now() },
        codeKeys(this.sodium, code).privateKey,
      );
      const { invite } = await connection.request('invite.redeem', { redemption });
      if (invite.document.inviteId !== code.id || invite.document.clinicId !== clinic.clinicId) this.fail('untrusted', 'The relay answered with another invite.');
      this.store.put('identity', {
        deviceId,
        kind: 'staff',
        role: invite.document.role,
        staffId: invite.document.staffId,
        patientId: null,
        clinicId: clinic.clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: clinic.rootPublicKey,
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'pending',
      } satisfies Identity);
      return { role: invite.document.role, fingerprint: this.fingerprint };
    } finally {
      await connection.close();
    }
  }

  /** The root holder approves every redeemed invite, then gives the new readers the records key. */
  async approvePendingDevices(): Promise<string[]> {
    const id = this.identity();
    const rootSecret = this.rootSecret();
    const connection = await this.connection$();
    const { pending } = await connection.request('invite.pending', {});
    const approved: string[] = [];
    const admins = await this.verifiedDirectory(true);
    for (const { invite, redemption } of pending) {
      // The invite must come from a certified IT admin, the redemption from the invite's code.
      const issuer = admins.devices.get(invite.document.issuedBy);
      if (!issuer || issuer.role !== 'it-admin' || !hasValidSignature(this.sodium, PREFIX.staffInvite, invite, issuer.signingKey)) continue;
      if (!hasValidSignature(this.sodium, PREFIX.inviteRedemption, redemption, decodeChecked(invite.document.inviteKey))) continue;
      if (redemption.document.inviteId !== invite.document.inviteId || redemption.document.clinicId !== id.clinicId) continue;
      const issuedAt = this.now();
      const certificate = signStaffCertificate(
        this.sodium,
        {
          clinicId: id.clinicId,
          deviceId: redemption.document.deviceId,
          staffId: invite.document.staffId,
          role: invite.document.role,
          signingKey: decodeChecked(redemption.document.signingKey),
          boxKey: decodeChecked(redemption.document.boxKey),
          issuedAt,
          notAfter: issuedAt + CERT_LIFETIME,
        },
        rootSecret,
      );
      await connection.request('device.certify', { inviteId: invite.document.inviteId, certificate });
      approved.push(redemption.document.deviceId);
    }
    rootSecret.fill(0);
    if (approved.length > 0) {
      this.directory = null;
      await this.rotateRecordsKey();
    }
    return approved;
  }

  /** Devices waiting for approval (redeemed invites), as an IT admin sees them; only verified ones. */
  async pendingDevices(): Promise<{ inviteId: string; deviceId: string; role: StaffRole; displayName: string; staffId: string; redeemedAt: number }[]> {
    const id = this.identity();
    if (id.role !== 'it-admin') this.fail('not-allowed', 'Only IT admins see devices waiting for approval.');
    const { pending } = await (await this.connection$()).request('invite.pending', {});
    const directory = await this.verifiedDirectory(true);
    return pending
      .filter(({ invite, redemption }) => {
        const issuer = directory.devices.get(invite.document.issuedBy);
        return (
          issuer?.role === 'it-admin' &&
          hasValidSignature(this.sodium, PREFIX.staffInvite, invite, issuer.signingKey) &&
          hasValidSignature(this.sodium, PREFIX.inviteRedemption, redemption, decodeChecked(invite.document.inviteKey)) &&
          redemption.document.inviteId === invite.document.inviteId
        );
      })
      .map(({ invite, redemption }) => ({
        inviteId: invite.document.inviteId,
        deviceId: redemption.document.deviceId,
        role: invite.document.role,
        displayName: invite.document.displayName,
        staffId: invite.document.staffId,
        redeemedAt: redemption.document.redeemedAt,
      }));
  }

  /** The clinic's active staff devices, from the verified directory. */
  async staffDevices(): Promise<{ deviceId: string; role: StaffRole; staffId: string; self: boolean }[]> {
    const id = this.identity();
    const verified = (await this.verifiedDirectory(true)).devices;
    const raw = this.store.get<AnswerBody<'directory.get'>>('directory-raw');
    return (raw?.staff ?? [])
      .filter((c) => verified.has(c.certificate.deviceId))
      .map((c) => ({ deviceId: c.certificate.deviceId, role: c.certificate.role, staffId: c.certificate.staffId, self: c.certificate.deviceId === id.deviceId }));
  }

  /** A pending staff device checks whether it was approved; true once it can log in. */
  async completeJoin(): Promise<boolean> {
    const id = this.identity();
    if (id.status === 'active') return true;
    try {
      await this.connection$();
    } catch (error) {
      if (error instanceof RelayError && error.code === 'pending-approval') return false;
      throw error;
    }
    const directory = await this.verifiedDirectory(true);
    const me = directory.devices.get(id.deviceId);
    if (!me || me.kind !== 'staff' || me.role !== id.role || !bytesEqual(me.signingKey, decodeChecked(id.signing.publicKey))) {
      this.fail('untrusted', 'The clinic certified keys other than this device’s.');
    }
    this.store.put('identity', { ...id, status: 'active' } satisfies Identity);
    return true;
  }

  /** Removes a device (lost laptop): root-signed revocation, then a new records key it never gets. */
  async revokeDevice(deviceId: string, reason: (typeof revocationReasons)[number]): Promise<void> {
    const id = this.identity();
    const rootSecret = this.rootSecret();
    const revocation = signDocument(this.sodium, PREFIX.revocation, revocationSchema, { v: 1, clinicId: id.clinicId, deviceId, reason, revokedAt: this.now() }, rootSecret);
    rootSecret.fill(0);
    await (await this.connection$()).request('device.revoke', { revocation });
    this.directory = null;
    await this.rotateRecordsKey();
  }

  /** Publishes a new records key epoch sealed to every active clinician and IT admin device. */
  async rotateRecordsKey(): Promise<number> {
    const id = this.identity();
    if (id.role !== 'it-admin') this.fail('not-allowed', 'Only IT admins can change the records key.');
    const directory = await this.verifiedDirectory(true);
    const readers = [...directory.devices.values()].filter((d) => d.kind === 'staff' && (d.role === 'clinician' || d.role === 'it-admin'));
    const current = directory.epoch;
    const previous = current ? this.store.recordsKey(current.epoch) : null;
    if (current && !previous) this.fail('not-allowed', 'This device does not hold the current records key.');
    const epochNumber = current ? current.epoch + 1 : 0;
    const { document, keyPair: pair } = createRecordsEpoch(this.sodium, {
      clinicId: id.clinicId,
      epoch: epochNumber,
      issuedBy: id.deviceId,
      issuedAt: this.now(),
      recipients: readers.map((d) => ({ deviceId: d.deviceId, boxKey: d.boxKey })),
      previousSecret: previous?.privateKey ?? null,
    });
    const signed = signDocument(this.sodium, PREFIX.recordsEpoch, recordsEpochSchema, document, keyPair(id.signing).privateKey);
    await (await this.connection$()).request('records.publish', { epoch: signed });
    this.store.putRecordsKey(epochNumber, pair.publicKey, pair.privateKey);
    this.directory = null;
    return epochNumber;
  }

  /** Publishes a new version of the clinic policy, signed by the root. */
  async publishPolicy(rules: ClinicRules): Promise<number> {
    const id = this.identity();
    const parsed = clinicRulesSchema.safeParse(rules);
    if (!parsed.success) this.fail('not-allowed', 'The clinic’s stated rules are incomplete or not valid.');
    const rootSecret = this.rootSecret();
    const held = (await this.verifiedDirectory(true)).policy;
    const version = (held?.version ?? 0) + 1;
    const signed = signClinicPolicy(this.sodium, { clinicId: id.clinicId, version, issuedAt: this.now(), rules: rules as ClinicPolicy['rules'] }, rootSecret);
    rootSecret.fill(0);
    await (await this.connection$()).request('policy.publish', { policy: signed });
    this.directory = null;
    return version;
  }

  // ---------------------------------------------------------------- patients

  /**
   * Front desk (or IT admin) records a patient's consent and creates their one-time
   * enrollment code, bound to the patient and to this clinic's root.
   */
  async enrollPatient(input: { patientId: string; scopes: readonly ConsentScope[]; consentExpiresAt?: number | null; validForMs?: number }): Promise<{ code: string; fingerprint: string; expiresAt: number }> {
    const id = this.identity();
    if (id.role !== 'front-desk' && id.role !== 'it-admin') this.fail('not-allowed', 'Only front desk and IT admins enroll patients.');
    if (input.scopes.length === 0) this.fail('no-consent', 'A patient needs at least one consent to be enrolled.');
    const code = createCode(this.sodium, 'enrollment', rootFingerprintBytes(this.sodium, decodeChecked(id.rootPublicKey)));
    const issuedAt = this.now();
    const expiresAt = issuedAt + (input.validForMs ?? 30 * DAY);
    const signing = keyPair(id.signing).privateKey;
    const enrollment = signDocument(
      this.sodium,
      PREFIX.enrollment,
      enrollmentSchema,
      { v: 1, clinicId: id.clinicId, enrollmentId: code.id, patientId: input.patientId, enrollmentKey: toBase64(codeKeys(this.sodium, code).publicKey), issuedBy: id.deviceId, issuedAt, expiresAt },
      signing,
    );
    await this.withConsentVersion(input.patientId, async (version) => {
      const consent = this.signConsent(input.patientId, input.scopes, input.consentExpiresAt ?? null, version);
      await (await this.connection$()).request('enroll.create', { enrollment, consent });
      return consent;
    });
    return { code: formatCode(this.sodium, code), fingerprint: this.fingerprint, expiresAt };
  }

  /** Records a consent change (a scope added or withdrawn, everything withdrawn, a renewal). */
  async publishConsent(patientId: string, scopes: readonly ConsentScope[], expiresAt: number | null = null): Promise<number> {
    const id = this.identity();
    if (id.role !== 'front-desk' && id.role !== 'it-admin') this.fail('not-allowed', 'Only front desk and IT admins record consent.');
    const consent = await this.withConsentVersion(patientId, async (version) => {
      const signed = this.signConsent(patientId, scopes, expiresAt, version);
      await (await this.connection$()).request('consent.publish', { consent: signed });
      return signed;
    });
    return consent.document.version;
  }

  /**
   * Publishes the next consent version of a patient: numbered from the directory this device
   * holds (fetching all of it per consent would make a large clinic's front desk slow), and
   * once more from a fresh directory if another registrar published in between (`conflict`).
   * The directory held here then learns the new status without being fetched again.
   */
  private async withConsentVersion(patientId: string, publish: (version: number) => Promise<Signed<ConsentStatus>>): Promise<Signed<ConsentStatus>> {
    let published: Signed<ConsentStatus>;
    try {
      published = await publish(((await this.verifiedDirectory()).consents.get(patientId)?.version ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof RelayError && error.code === 'conflict')) throw error;
      published = await publish(((await this.verifiedDirectory(true)).consents.get(patientId)?.version ?? 0) + 1);
    }
    const directory = this.directory;
    if (directory) {
      const consents = new Map(directory.consents);
      const withdrawal = directory.withdrawals.get(patientId) ?? null;
      consents.set(patientId, effectiveConsent(published.document, withdrawal) ?? published.document);
      this.directory = { ...directory, consents };
    }
    return published;
  }

  private signConsent(patientId: string, scopes: readonly ConsentScope[], expiresAt: number | null, version: number): Signed<ConsentStatus> {
    const id = this.identity();
    return signDocument(
      this.sodium,
      PREFIX.consentStatus,
      consentStatusSchema,
      { v: 1, clinicId: id.clinicId, patientId, version, activeScopes: [...scopes], expiresAt, issuedBy: id.deviceId, issuedAt: this.now() },
      keyPair(id.signing).privateKey,
    );
  }

  /**
   * A patient's device redeems the code from their receipt: it checks the relay serves the
   * clinic whose fingerprint the code carries, then binds its new keys to the patient.
   */
  async redeemEnrollment(input: { relayUrl: string; code: string }): Promise<{ fingerprint: string; patientId: string }> {
    if (this.joined) this.fail('already-joined', 'This device already belongs to a clinic.');
    const code = parseCode(this.sodium, input.code, 'enrollment');
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.timeoutMs });
    try {
      const { clinic } = await connection.request('clinic.info', {});
      if (!clinic) this.fail('wrong-clinic', 'This relay has not been set up for a clinic.');
      checkCodeClinic(code, rootFingerprintBytes(this.sodium, decodeChecked(clinic.rootPublicKey)));
      const device = generateDeviceKeys(this.sodium);
      const deviceId = randomId(this.sodium, 'p');
      const derived = codeKeys(this.sodium, code);
      const redemption = signDocument(
        this.sodium,
        PREFIX.enrollmentRedemption,
        enrollmentRedemptionSchema,
        { v: 1, clinicId: clinic.clinicId, enrollmentId: code.id, deviceId, signingKey: toBase64(device.signing.publicKey), boxKey: toBase64(device.box.publicKey), redeemedAt: this.now() },
        derived.privateKey,
      );
      const { enrollment } = await connection.request('enroll.redeem', { redemption });
      if (enrollment.document.enrollmentId !== code.id || enrollment.document.enrollmentKey !== toBase64(derived.publicKey)) {
        this.fail('untrusted', 'The relay answered with another enrollment.');
      }
      this.store.put('identity', {
        deviceId,
        kind: 'patient',
        role: null,
        staffId: null,
        patientId: enrollment.document.patientId,
        clinicId: clinic.clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: clinic.rootPublicKey,
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'active',
      } satisfies Identity);
      // The issuer's certificate is checked with the directory, as soon as it is fetched.
      await this.verifiedDirectory(true);
      return { fingerprint: this.fingerprint, patientId: enrollment.document.patientId };
    } finally {
      await connection.close();
    }
  }

  /** A patient withdraws their own consent from their device; the clinic stops writing at once. */
  async requestWithdrawal(): Promise<void> {
    const id = this.identity();
    if (id.kind !== 'patient') this.fail('not-allowed', 'Only a patient’s device can withdraw this way.');
    const withdrawal = signDocument(
      this.sodium,
      PREFIX.patientWithdrawal,
      patientWithdrawalSchema,
      { v: 1, clinicId: id.clinicId, patientId: id.patientId as string, deviceId: id.deviceId, requestedAt: this.now() },
      keyPair(id.signing).privateKey,
    );
    await (await this.connection$()).request('consent.withdraw-request', { withdrawal });
    this.directory = null;
  }

  // ---------------------------------------------------------------- directory

  /**
   * Fetches the directory and keeps only what verifies against the pinned root: staff
   * certificates, root-signed revocations, patient devices whose enrollment was issued by a
   * certified front desk or IT admin, consents issued by them, the records epoch issued by
   * a certified IT admin (never older than one already held), and the root-signed policy.
   */
  async verifiedDirectory(refresh = false): Promise<Directory> {
    if (this.directory && !refresh) return this.directory;
    const id = this.identity();
    const raw = await (await this.connection$()).request('directory.get', {});
    this.directory = this.verifyDirectory(id, raw);
    this.store.put('directory-raw', raw);
    await this.learnRecordsKeys(id, this.directory);
    this.onChange();
    return this.directory;
  }

  /** Whether the relay answers now (connecting and logging in if needed). */
  async ping(): Promise<void> {
    await (await this.connection$()).request('ping', {});
  }

  /** The directory last verified, without asking the relay (null when never fetched). */
  cachedDirectory(): Directory | null {
    if (this.directory) return this.directory;
    const raw = this.store.get<AnswerBody<'directory.get'>>('directory-raw');
    if (!raw || !this.joined) return null;
    try {
      return this.verifyDirectory(this.identity(), raw);
    } catch {
      return null;
    }
  }

  /**
   * A signature check that remembers what it verified: the directory is fetched again after
   * every change, and re-verifying thousands of unchanged consents each time would make a
   * large clinic slow. The key holds the exact document, so a changed one is checked again.
   */
  private signedBy(prefix: string, signed: Signed<unknown>, key: Uint8Array): boolean {
    const cacheKey = `${prefix}\n${toBase64(key)}\n${signed.signature}\n${JSON.stringify(signed.document)}`;
    if (this.verifiedSignatures.has(cacheKey)) return true;
    const ok = hasValidSignature(this.sodium, prefix, signed, key);
    if (ok) {
      if (this.verifiedSignatures.size >= 500_000) this.verifiedSignatures.clear();
      this.verifiedSignatures.add(cacheKey);
    }
    return ok;
  }

  /** The clinic's one directory verifier, with what this device remembers against rollback. */
  private verifyDirectory(id: Identity, raw: AnswerBody<'directory.get'>): Directory {
    const viewer = { clinicId: id.clinicId, rootPublicKey: decodeChecked(id.rootPublicKey), ...(id.kind === 'patient' && id.patientId ? { patient: { patientId: id.patientId, deviceId: id.deviceId, signingPublicKey: decodeChecked(id.signing.publicKey) } } : {}) };
    const remembered: DirectoryMemory = {
      consentVersions: this.store.get<Record<string, number>>('consent-versions') ?? {},
      policyVersion: this.store.get<number>('policy-version') ?? 0,
      epochSeen: this.store.get<number>('records-epoch-seen') ?? -1,
    };
    let verified;
    try {
      verified = verifyDirectory(this.sodium, viewer, raw, remembered, this.now(), (prefix, signed, key) => this.signedBy(prefix, signed, key));
    } catch (error) {
      if (error instanceof DirectoryTrustError) this.fail('untrusted', error.message);
      throw error;
    }
    const { memory } = verified;
    this.store.transaction(() => {
      this.store.put('consent-versions', memory.consentVersions);
      if (memory.epochSeen >= 0) this.store.put('records-epoch-seen', memory.epochSeen);
      if (raw.policy) this.store.put('policy-version', memory.policyVersion);
    });
    return verified.directory;
  }

  /** Clinicians and IT admins open their copy of the newest records key, then walk back. */
  private async learnRecordsKeys(id: Identity, directory: Directory): Promise<void> {
    if (id.kind !== 'staff' || (id.role !== 'clinician' && id.role !== 'it-admin') || !directory.epoch) return;
    if (this.store.recordsKey(directory.epoch.epoch)) return;
    const { epochs } = await (await this.connection$()).request('records.get', {});
    const byEpoch = new Map<number, RecordsEpoch>();
    for (const e of epochs) {
      const issuer = directory.devices.get(e.document.issuedBy);
      // Older epochs may come from admins since removed; their chain is checked by the keys themselves.
      if (issuer && !hasValidSignature(this.sodium, PREFIX.recordsEpoch, e, issuer.signingKey)) continue;
      byEpoch.set(e.document.epoch, e.document);
    }
    let pair = openRecordsEpoch(this.sodium, directory.epoch, id.deviceId, keyPair(id.box));
    let current = directory.epoch;
    this.store.putRecordsKey(current.epoch, pair.publicKey, pair.privateKey);
    while (current.epoch > 0 && !this.store.recordsKey(current.epoch - 1)) {
      const previous = byEpoch.get(current.epoch - 1);
      if (!previous) break;
      pair = openPreviousEpoch(this.sodium, current, pair, previous);
      this.store.putRecordsKey(previous.epoch, pair.publicKey, pair.privateKey);
      current = previous;
    }
  }

  // ---------------------------------------------------------------- messages

  /**
   * Writes a message. Staff write to a patient (`patientId`); a patient writes to the
   * clinic. The message is sealed and stored in the outbox in one step, then sent; if the
   * relay is out of reach it stays queued and is retried with backoff, across restarts.
   */
  async send(input: { patientId?: string; body: string; scope?: ConsentScope; messageId?: string }): Promise<ClientMessage> {
    const id = this.identity();
    if (id.status !== 'active') this.fail('pending-approval', 'This device is waiting for an IT admin’s approval.');
    const problem = bodyProblem(input.body);
    if (problem === 'empty') this.fail('empty', 'Write something before sending.');
    if (problem === 'too-long') this.fail('too-long', `A message holds at most ${MAX_BODY_CHARS} characters.`);
    const scope = input.scope ?? 'clinical';
    const patientId = id.kind === 'patient' ? (id.patientId as string) : (input.patientId ?? this.fail('unknown-patient', 'Choose a patient to write to.'));
    if (id.kind === 'staff' && id.role === 'front-desk') this.fail('not-allowed', 'Front desk devices do not send messages.');
    if (id.kind === 'patient' && input.patientId !== undefined && input.patientId !== id.patientId) this.fail('not-allowed', 'You can only write to your clinic.');
    let directory = this.directory;
    if (!directory) {
      try {
        directory = await this.verifiedDirectory(true);
      } catch (error) {
        // Offline: seal with the last directory this device verified; the outbox sends later.
        const raw = this.store.get<AnswerBody<'directory.get'>>('directory-raw');
        if (!(error instanceof RelayError && error.transient) || !raw) throw error;
        directory = this.verifyDirectory(id, raw);
      }
    }
    if (!consentAllows(directory.consents.get(patientId) ?? null, scope, this.now())) {
      this.fail('no-consent', id.kind === 'patient' ? 'Messaging is not active for you; please call the clinic.' : 'This patient has not agreed to these messages, or has withdrawn or let that consent expire.');
    }
    const messageId = input.messageId ?? this.newMessageId();
    if (this.store.hasMessage(messageId)) return this.store.message(messageId) as ClientMessage;
    const envelope = this.seal(id, directory, { messageId, patientId, scope, body: input.body, sentAt: this.now() });
    const message = {
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
      state: 'queued' as const,
      fromPatient: id.kind === 'patient',
    };
    this.store.addMessage(message, this.now(), JSON.stringify(envelope));
    this.onChange();
    await this.flushOutbox().catch(() => undefined);
    return this.store.message(messageId) as ClientMessage;
  }

  private seal(id: Identity, directory: Directory, m: { messageId: string; patientId: string; scope: string; body: string; sentAt: number }): Envelope {
    const sealed = sealMessage(this.sodium, directory, { ...m, senderDeviceId: id.deviceId }, keyPair(id.signing).privateKey) ?? this.fail('untrusted', 'The clinic has no records key yet.');
    if (id.kind === 'staff' && sealed.patientDevices === 0) this.fail('unknown-patient', 'This patient has not connected a device yet.');
    return sealed.envelope;
  }

  /** Sends what is due in the outbox. Transient failures are retried later with backoff. */
  readonly flushOutbox: Coalesced<void> = coalesce(() => this.flushOnce());

  private async flushOnce(): Promise<void> {
    const due = this.store.dueOutbox(this.now());
    if (due.length === 0) return;
    let connection: RelayConnection;
    try {
      connection = await this.connection$();
    } catch (error) {
      for (const item of due) this.store.deferOutbox(item.id, this.now() + retryDelayMs(item.attempts), error instanceof RelayError ? error.code : 'offline');
      throw error;
    }
    for (const [index, item] of due.entries()) {
      try {
        if (item.kind === 'message') {
          const answer = await connection.request('message.send', { envelope: JSON.parse(item.payloadJson) as Envelope });
          this.store.transaction(() => {
            this.store.removeOutbox(item.id);
            this.store.advanceState(item.id, 'sent', { seq: answer.seq, relaySeq: answer.relaySeq });
          });
        } else {
          const receipt = JSON.parse(item.payloadJson) as { messageId: string; kind: 'delivered' | 'read' };
          await connection.request('receipt.send', receipt);
          this.store.removeOutbox(item.id);
        }
      } catch (error) {
        const retryLater = await this.handleSendFailure(item, error);
        if (retryLater) {
          // Keep the order people wrote in: what follows waits behind the message that failed.
          for (const rest of due.slice(index + 1)) this.store.deferOutbox(rest.id, this.now() + retryDelayMs(rest.attempts), 'waiting');
          break;
        }
      }
    }
    this.onChange();
  }

  /** Returns true when the item stays queued for a later attempt. */
  private async handleSendFailure(item: { id: string; kind: 'message' | 'receipt'; payloadJson: string; attempts: number }, error: unknown): Promise<boolean> {
    const code = error instanceof RelayError || error instanceof ClientError ? error.code : 'internal';
    if (item.kind === 'message' && code === 'stale-records-key') {
      // Nothing was stored: seal the same message again to the new records key.
      const message = this.store.message(item.id);
      if (message) {
        const directory = await this.verifiedDirectory(true);
        const envelope = this.seal(this.identity(), directory, { messageId: message.messageId, patientId: message.patientId, scope: message.scope, body: message.body, sentAt: message.sentAt });
        this.store.replaceOutboxPayload(item.id, JSON.stringify(envelope));
        this.store.deferOutbox(item.id, this.now(), code);
        return true;
      }
    }
    if (isFinalRefusal(code, item.kind)) {
      this.store.transaction(() => {
        this.store.removeOutbox(item.id);
        if (item.kind === 'message') this.store.advanceState(item.id, 'failed', { failure: error instanceof Error ? error.message : 'The relay refused this message.' });
      });
      return false;
    }
    this.store.deferOutbox(item.id, this.now() + retryDelayMs(item.attempts), code);
    return true;
  }

  /**
   * Fetches everything new since the stored cursor: messages are verified, decrypted,
   * de-duplicated by id and acknowledged with a "delivered" receipt; receipts move the
   * state of this device's own messages. Returns how many new messages arrived.
   */
  readonly sync: Coalesced<number> = coalesce(() => this.syncOnce(), { combine: (a, b) => a + b });

  private async syncOnce(): Promise<number> {
    const id = this.identity();
    const connection = await this.connection$();
    if (id.kind === 'staff') await this.syncCards(id, connection);
    if (id.kind === 'staff' && id.role === 'front-desk') return 0;
    let received = 0;
    const arrived: ClientMessage[] = [];
    for (;;) {
      const cursor = this.store.get<number>('cursor') ?? 0;
      const { items, more } = await connection.request('sync', { after: cursor, limit: 200 });
      for (const item of items) received += await this.accept(id, item, arrived);
      if (items.length > 0) this.store.put('cursor', (items[items.length - 1] as SyncItem).relaySeq);
      if (!more) break;
    }
    if (received > 0 || this.receiptsArrived) this.onChange();
    this.receiptsArrived = false;
    if (arrived.length > 0) this.onMessages(arrived);
    await this.flushOutbox().catch(() => undefined);
    return received;
  }

  private async accept(id: Identity, item: SyncItem, arrived: ClientMessage[] = []): Promise<number> {
    if (item.kind === 'receipt') {
      const own = this.store.message(item.messageId);
      if (own?.outgoing && item.deviceId !== id.deviceId) {
        this.store.transaction(() => {
          this.store.addReceipt(item.messageId, item.deviceId, item.receipt, item.at);
          this.store.advanceState(item.messageId, item.receipt);
        });
        this.receiptsArrived = true;
      }
      return 0;
    }
    const messageId = item.envelope.header.messageId;
    if (this.store.hasMessage(messageId)) return 0; // at-least-once delivery: drop the repeat
    // The sender is looked up in the verified directory (fetched again for one not known yet).
    const lookup = async (deviceId: string) => (await this.verifiedDirectory()).devices.get(deviceId) ?? (await this.verifiedDirectory(true)).devices.get(deviceId) ?? null;
    const as = id.kind === 'patient' ? { kind: 'patient' as const, patientId: id.patientId as string, deviceId: id.deviceId, boxKeyPair: keyPair(id.box) } : { kind: 'records' as const, recordsKey: (epoch: number) => this.store.recordsKey(epoch) };
    const opened = await openIncoming(this.sodium, item.envelope, lookup, as);
    if (!opened) return 0;
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(opened.body);
    } catch {
      return 0;
    }
    const { header, sender } = opened;
    const outgoing = header.senderDeviceId === id.deviceId;
    const inserted = this.store.addMessage(
      {
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
        state: outgoing ? 'sent' : 'received',
        fromPatient: sender.kind === 'patient',
      },
      this.now(),
    );
    if (!inserted || outgoing) return 0;
    const stored = this.store.message(messageId);
    if (stored) arrived.push(stored);
    // Only the patient's side and clinicians acknowledge; a colleague's reply is not "delivered" by me.
    if (sender.kind !== id.kind) this.store.enqueue(`delivered:${messageId}`, 'receipt', JSON.stringify({ messageId, kind: 'delivered' }), this.now());
    return 1;
  }

  /** Marks a received message as read and tells its sender. */
  async markRead(messageId: string): Promise<void> {
    const message = this.store.message(messageId);
    if (!message || message.outgoing) return;
    this.store.enqueue(`read:${messageId}`, 'receipt', JSON.stringify({ messageId, kind: 'read' }), this.now());
    await this.flushOutbox().catch(() => undefined);
  }

  /** Marks every unread patient message of a conversation read and tells the patient. */
  async markConversationRead(patientId: string): Promise<number> {
    const ids = this.store.markConversationRead(patientId, this.now());
    for (const messageId of ids) this.store.enqueue(`read:${messageId}`, 'receipt', JSON.stringify({ messageId, kind: 'read' }), this.now());
    if (ids.length > 0) {
      this.onChange();
      await this.flushOutbox().catch(() => undefined);
    }
    return ids.length;
  }

  messages(conversationId?: string): ClientMessage[] {
    return this.store.messages(conversationId);
  }

  /** A new message id, for a message written now and sent later (undo-send). */
  newMessageId(): string {
    return randomId(this.sodium, 'm');
  }

  /** The client's store, for the app's services built on this device (inbox, drafts). */
  get local(): ClientStore {
    return this.store;
  }

  // ---------------------------------------------------------------- patient cards

  /**
   * Publishes a patient's card (names as registered) sealed to the records key and to every
   * active front desk and IT admin device; the newest card per patient wins everywhere.
   */
  async publishCard(patientId: string, card: Omit<PatientCard, 'v'>): Promise<void> {
    const id = this.identity();
    if (id.kind !== 'staff' || (id.role !== 'front-desk' && id.role !== 'it-admin') || id.status !== 'active') this.fail('not-allowed', 'Only front desk and IT admin devices publish patient cards.');
    const body = JSON.stringify({ v: 1, ...card } satisfies PatientCard);
    const sentAt = this.now();
    for (let attempt = 0; ; attempt += 1) {
      const directory = await this.verifiedDirectory(attempt > 0);
      const epoch = directory.epoch ?? this.fail('untrusted', 'The clinic has no records key yet.');
      const recipients: EnvelopeRecipient[] = [{ to: `records:${epoch.epoch}`, boxPublicKey: decodeChecked(epoch.publicKey) }];
      for (const d of directory.devices.values()) {
        if (d.kind === 'staff' && (d.role === 'front-desk' || d.role === 'it-admin')) recipients.push({ to: d.deviceId, boxPublicKey: d.boxKey });
      }
      const envelope = sealEnvelope(this.sodium, {
        messageId: cardMessageId(patientId, sentAt),
        conversationId: patientId,
        patientId,
        senderDeviceId: id.deviceId,
        sentAt,
        scope: CARD_SCOPE,
        recordsEpoch: epoch.epoch,
        body: new TextEncoder().encode(body),
        recipients: recipients.slice(0, 64),
        senderSigningKey: keyPair(id.signing).privateKey,
      });
      try {
        await (await this.connection$()).request('card.publish', { card: envelope });
        this.store.putCard(patientId, sentAt, body);
        this.cards = null;
        this.onChange();
        return;
      } catch (error) {
        if (error instanceof RelayError && error.code === 'conflict') return; // a newer card is already there
        if (!(error instanceof RelayError && error.code === 'stale-records-key') || attempt > 0) throw error;
      }
    }
  }

  /** Patient cards this device could open, by patient id (parsed once, until a card changes). */
  patientCards(): ReadonlyMap<string, PatientCard> {
    if (this.cards) return this.cards;
    const cards = new Map<string, PatientCard>();
    for (const [patientId, json] of this.store.cards()) {
      const card = parsePatientCard(json);
      if (card) cards.set(patientId, card);
    }
    this.cards = cards;
    return cards;
  }

  /** Fetches cards newer than the stored cursor; keeps those that verify and open here. */
  private async syncCards(id: Identity, connection: RelayConnection): Promise<void> {
    let changed = false;
    for (;;) {
      const after = this.store.get<number>('card-cursor') ?? 0;
      const { cards, more } = await connection.request('card.list', { after, limit: 500 });
      if (cards.length === 0) break;
      let directory = await this.verifiedDirectory();
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
          directory = await this.verifiedDirectory(true);
          sender = directory.devices.get(parsed.header.senderDeviceId);
        }
        // Only a registrar's card counts; the relay is not trusted to have checked.
        if (!sender || sender.kind !== 'staff' || (sender.role !== 'front-desk' && sender.role !== 'it-admin')) continue;
        const text = this.openCard(id, parsed, sender.signingKey);
        if (text !== null && parsePatientCard(text) && this.store.putCard(parsed.header.patientId, parsed.header.sentAt, text)) changed = true;
      }
      this.store.put('card-cursor', (cards[cards.length - 1] as { cardSeq: number }).cardSeq);
      if (!more) break;
    }
    if (changed) {
      this.cards = null;
      this.onChange();
    }
  }

  private openCard(id: Identity, parsed: ReturnType<typeof parseEnvelope>, signingKey: Uint8Array): string | null {
    try {
      const records = this.store.recordsKey(parsed.header.recordsEpoch);
      const opened =
        records && parsed.sealedKeys.has(`records:${parsed.header.recordsEpoch}`)
          ? openEnvelope(this.sodium, parsed, { recipientId: `records:${parsed.header.recordsEpoch}`, boxKeyPair: records, senderSigningPublicKey: signingKey })
          : openEnvelope(this.sodium, parsed, { recipientId: id.deviceId, boxKeyPair: keyPair(id.box), senderSigningPublicKey: signingKey });
      return new TextDecoder('utf-8', { fatal: true }).decode(opened.body);
    } catch {
      return null;
    }
  }

  message(messageId: string): ClientMessage | null {
    return this.store.message(messageId);
  }

  outboxSize(): number {
    return this.store.outboxSize();
  }

  async close(): Promise<void> {
    await this.flushOutbox.running?.catch(() => undefined);
    await this.sync.running?.catch(() => undefined);
    await this.disconnect();
    this.store.close();
  }
}
