// This device's membership of its clinic: setting up a clinic (the first IT admin creates the
// root), the root's recovery file, staff invites, approving and removing devices, the records
// key epochs and the signed clinic policy.
import { signStaffCertificate } from '../../../shared/protocol/certificate';
import { type ClinicRules, clinicRulesSchema, defaultClinicRules } from '../../../shared/protocol/clinic-rules';
import { checkCodeClinic, codeKeys, createCode, formatCode, parseCode } from '../../../shared/protocol/codes';
import { looksShort, openShortCode, parseShortCode } from '../../../shared/protocol/short-code';
import { deriveShortCodeKey } from '../../crypto/kdf';
import { PREFIX, createRecordsEpoch, inviteRedemptionSchema, recordsEpochSchema, revocationSchema, type revocationReasons, staffInviteSchema } from '../../../shared/protocol/documents';
import { bytesEqual, toBase64 } from '../../../shared/protocol/encoding';
import { decodeChecked } from '../../../shared/protocol/fields';
import { generateDeviceKeys, generateRootKeys, rootFingerprintBytes } from '../../../shared/protocol/keys';
import { type ClinicPolicy, signClinicPolicy } from '../../../shared/protocol/policy';
import { type AnswerBody } from '../../../shared/protocol/relay-frames';
import { hasValidSignature, signDocument } from '../../../shared/protocol/signed';
import { type StaffRole } from '../../../shared/roles';
import { readRecoveryFile, writeRecoveryFile } from '../recovery-file';
import { RelayError, connectRelay } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext, DAY } from './context';
import { type Identity, keyText, randomId } from './identity';
import { sendWithShortCode } from './short-issue';

const CERT_LIFETIME = 2 * 365 * DAY;

export type SetUpClinicInput = {
  readonly relayUrl: string;
  readonly setupToken: string;
  readonly clinicName: string;
  readonly staffId: string;
  /** The clinic's stated rules, signed into policy v1; defaults for the name when omitted. */
  readonly rules?: ClinicRules;
};

type Pending = AnswerBody<'invite.pending'>['pending'][number];

export class Membership {
  constructor(private readonly ctx: ClientContext) {}

  private get sodium() {
    return this.ctx.sodium;
  }

  private async relay() {
    return this.ctx.session.relay();
  }

  /**
   * Creates the clinic root and this device's keys, binds the relay to the root with its
   * one-time setup token, and creates records key epoch 0. Returns the root fingerprint.
   */
  async setUpClinic(input: SetUpClinicInput): Promise<{ clinicId: string; fingerprint: string }> {
    const { sodium, store } = this.ctx;
    if (this.ctx.identity.joined) fail('already-joined', 'This device already belongs to a clinic.');
    const root = generateRootKeys(sodium);
    const device = generateDeviceKeys(sodium);
    const clinicId = randomId(sodium, 'c');
    const deviceId = randomId(sodium, 'd');
    const issuedAt = this.ctx.now();
    const certificate = signStaffCertificate(
      sodium,
      { clinicId, deviceId, staffId: input.staffId, role: 'it-admin', signingKey: device.signing.publicKey, boxKey: device.box.publicKey, issuedAt, notAfter: issuedAt + CERT_LIFETIME },
      root.privateKey,
    );
    const rules = clinicRulesSchema.parse(input.rules ?? defaultClinicRules(input.clinicName));
    const policy = signClinicPolicy(sodium, { clinicId, version: 1, issuedAt, rules: rules as ClinicPolicy['rules'] }, root.privateKey);
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.ctx.timeoutMs });
    try {
      await connection.request('clinic.setup', { setupToken: input.setupToken, clinicId, rootPublicKey: toBase64(root.publicKey), policy, adminCertificate: certificate });
    } finally {
      await connection.close();
    }
    store.transaction(() => {
      this.ctx.identity.save({
        deviceId,
        kind: 'staff',
        role: 'it-admin',
        staffId: input.staffId,
        clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: toBase64(root.publicKey),
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'active',
      } satisfies Identity);
      store.put('root-secret', toBase64(root.privateKey));
      store.put('certificate', certificate);
    });
    root.privateKey.fill(0);
    await this.rotateRecordsKey();
    return { clinicId, fingerprint: this.ctx.identity.fingerprint() };
  }

  /** The clinic root, encrypted under a passphrase: the only copy that may leave this device. */
  async exportRecoveryFile(passphrase: string): Promise<string> {
    const secret = this.ctx.identity.rootSecret();
    try {
      return await writeRecoveryFile({ clinicId: this.ctx.identity.current().clinicId, rootSecretKey: secret, passphrase, now: this.ctx.now() });
    } finally {
      secret.fill(0);
    }
  }

  /** Puts the clinic root on this IT admin device from a recovery file (e.g. after a lost laptop). */
  async importRecoveryFile(text: string, passphrase: string): Promise<void> {
    const id = this.ctx.identity.current();
    if (id.role !== 'it-admin') fail('not-allowed', 'Only an IT admin device can hold the clinic root.');
    const { rootSecretKey } = await readRecoveryFile(text, passphrase, id.clinicId);
    try {
      if (!bytesEqual(this.sodium.crypto_sign_ed25519_sk_to_pk(rootSecretKey), this.ctx.identity.root())) {
        fail('wrong-clinic', 'This recovery file holds another clinic root than the one this device trusts.');
      }
      this.ctx.store.put('root-secret', toBase64(rootSecretKey));
    } finally {
      rootSecretKey.fill(0);
    }
  }

  /** An IT admin invites a person with a role; returns the code to hand them. */
  async createInvite(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }): Promise<string> {
    return (await this.issueInvite(input, false)).code;
  }

  /** The same, with the short form a person can type (ADR 15); IT still approves the computer. */
  async createInviteCodes(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }): Promise<{ code: string; shortCode: string }> {
    const { code, shortCode } = await this.issueInvite(input, true);
    return { code, shortCode: shortCode as string };
  }

  private async issueInvite(input: { staffId: string; displayName: string; role: StaffRole; validForMs?: number }, withShort: boolean): Promise<{ code: string; shortCode: string | null }> {
    const { sodium } = this;
    const id = this.ctx.identity.current();
    if (id.role !== 'it-admin') fail('not-allowed', 'Only IT admins can invite staff.');
    const code = createCode(sodium, 'invite', rootFingerprintBytes(sodium, this.ctx.identity.root()));
    const issuedAt = this.ctx.now();
    const invite = signDocument(
      sodium,
      PREFIX.staffInvite,
      staffInviteSchema,
      {
        v: 1,
        clinicId: id.clinicId,
        inviteId: code.id,
        staffId: input.staffId,
        role: input.role,
        displayName: input.displayName,
        inviteKey: toBase64(codeKeys(sodium, code).publicKey),
        issuedBy: id.deviceId,
        issuedAt,
        expiresAt: issuedAt + (input.validForMs ?? 7 * DAY),
      },
      this.ctx.identity.keys().signing.privateKey,
    );
    const longCode = formatCode(sodium, code);
    const shortCode = await sendWithShortCode(sodium, { kind: 'invite', withShort, birthDate: null, targetId: code.id, longCode }, async (short) => {
      await (await this.relay()).request('invite.create', { invite, ...(short ? { short } : {}) });
    });
    return { code: longCode, shortCode };
  }

  /**
   * A new staff device redeems an invite code: it checks the relay serves the clinic the code
   * names, pins that clinic root, generates its keys and waits for an IT admin's approval.
   */
  async redeemInvite(input: { relayUrl: string; code: string }): Promise<{ role: StaffRole; fingerprint: string }> {
    const { sodium } = this;
    if (this.ctx.identity.joined) fail('already-joined', 'This device already belongs to a clinic.');
    // A short code is read first, so a typo is named before the network is used.
    const short = looksShort(input.code) ? parseShortCode(input.code, 'invite') : null;
    let code = short ? null : parseCode(sodium, input.code, 'invite');
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.ctx.timeoutMs });
    try {
      const { clinic } = await connection.request('clinic.info', {});
      if (!clinic) return fail('wrong-clinic', 'This relay has not been set up for a clinic.');
      if (short) code = parseCode(sodium, await openShortCode(sodium, deriveShortCodeKey, connection, { code: short, birthDate: null, clinicId: clinic.clinicId }), 'invite');
      if (!code) return fail('untrusted', 'The invite code could not be read.');
      checkCodeClinic(code, rootFingerprintBytes(sodium, decodeChecked(clinic.rootPublicKey)));
      const device = generateDeviceKeys(sodium);
      const deviceId = randomId(sodium, 'd');
      const redemption = signDocument(
        sodium,
        PREFIX.inviteRedemption,
        inviteRedemptionSchema,
        { v: 1, clinicId: clinic.clinicId, inviteId: code.id, deviceId, signingKey: toBase64(device.signing.publicKey), boxKey: toBase64(device.box.publicKey), redeemedAt: this.ctx.now() },
        codeKeys(sodium, code).privateKey,
      );
      const { invite } = await connection.request('invite.redeem', { redemption });
      if (invite.document.inviteId !== code.id || invite.document.clinicId !== clinic.clinicId) fail('untrusted', 'The relay answered with another invite.');
      this.ctx.identity.save({
        deviceId,
        kind: 'staff',
        role: invite.document.role,
        staffId: invite.document.staffId,
        clinicId: clinic.clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: clinic.rootPublicKey,
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'pending',
      } satisfies Identity);
      return { role: invite.document.role, fingerprint: this.ctx.identity.fingerprint() };
    } finally {
      await connection.close();
    }
  }

  /** A redeemed invite that verifies: issued by a certified IT admin, redeemed with the invite's code. */
  private verifiedPending(pending: readonly Pending[], devices: ReadonlyMap<string, { role: StaffRole | null; signingKey: Uint8Array }>): Pending[] {
    return pending.filter(({ invite, redemption }) => {
      const issuer = devices.get(invite.document.issuedBy);
      return (
        issuer?.role === 'it-admin' &&
        hasValidSignature(this.sodium, PREFIX.staffInvite, invite, issuer.signingKey) &&
        hasValidSignature(this.sodium, PREFIX.inviteRedemption, redemption, decodeChecked(invite.document.inviteKey)) &&
        redemption.document.inviteId === invite.document.inviteId
      );
    });
  }

  /** The root holder approves every redeemed invite, then gives the new readers the records key. */
  async approvePendingDevices(): Promise<string[]> {
    const id = this.ctx.identity.current();
    const rootSecret = this.ctx.identity.rootSecret();
    const connection = await this.relay();
    const { pending } = await connection.request('invite.pending', {});
    const approved: string[] = [];
    const names: { deviceId: string; displayName: string; role: StaffRole }[] = [];
    const admins = await this.ctx.directory.verified(true);
    for (const { invite, redemption } of this.verifiedPending(pending, admins.devices)) {
      if (redemption.document.clinicId !== id.clinicId) continue;
      const issuedAt = this.ctx.now();
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
      names.push({ deviceId: redemption.document.deviceId, displayName: invite.document.displayName, role: invite.document.role });
    }
    rootSecret.fill(0);
    if (approved.length > 0) {
      this.ctx.directory.forget();
      await this.rotateRecordsKey();
      // The care team learns the new colleagues' names from the invites IT issued (ADR 17).
      for (const n of names) {
        if (n.role === 'front-desk') continue;
        await this.ctx.team.publish({ v: 1, kind: 'roster', deviceId: n.deviceId, displayName: n.displayName }).catch(() => undefined);
      }
    }
    return approved;
  }

  /** Devices waiting for approval (redeemed invites), as an IT admin sees them; only verified ones. */
  async pendingDevices(): Promise<{ inviteId: string; deviceId: string; role: StaffRole; displayName: string; staffId: string; redeemedAt: number }[]> {
    const id = this.ctx.identity.current();
    if (id.role !== 'it-admin') fail('not-allowed', 'Only IT admins see devices waiting for approval.');
    const { pending } = await (await this.relay()).request('invite.pending', {});
    const directory = await this.ctx.directory.verified(true);
    return this.verifiedPending(pending, directory.devices).map(({ invite, redemption }) => ({
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
    const id = this.ctx.identity.current();
    const verified = (await this.ctx.directory.verified(true)).devices;
    const raw = this.ctx.store.get<AnswerBody<'directory.get'>>('directory-raw');
    return (raw?.staff ?? [])
      .filter((c) => verified.has(c.certificate.deviceId))
      .map((c) => ({ deviceId: c.certificate.deviceId, role: c.certificate.role, staffId: c.certificate.staffId, self: c.certificate.deviceId === id.deviceId }));
  }

  /** A pending staff device checks whether it was approved; true once it can log in. */
  async completeJoin(): Promise<boolean> {
    const id = this.ctx.identity.current();
    if (id.status === 'active') return true;
    try {
      await this.relay();
    } catch (error) {
      if (error instanceof RelayError && error.code === 'pending-approval') return false;
      throw error;
    }
    const directory = await this.ctx.directory.verified(true);
    const me = directory.devices.get(id.deviceId);
    if (!me || me.kind !== 'staff' || me.role !== id.role || !bytesEqual(me.signingKey, this.ctx.identity.keys().signing.publicKey)) {
      fail('untrusted', 'The clinic certified keys other than this device’s.');
    }
    this.ctx.identity.save({ ...id, status: 'active' } satisfies Identity);
    return true;
  }

  /** Removes a device (lost laptop): root-signed revocation, then a new records key it never gets. */
  async revokeDevice(deviceId: string, reason: (typeof revocationReasons)[number]): Promise<void> {
    const id = this.ctx.identity.current();
    const rootSecret = this.ctx.identity.rootSecret();
    const revocation = signDocument(this.sodium, PREFIX.revocation, revocationSchema, { v: 1, clinicId: id.clinicId, deviceId, reason, revokedAt: this.ctx.now() }, rootSecret);
    rootSecret.fill(0);
    await (await this.relay()).request('device.revoke', { revocation });
    this.ctx.directory.forget();
    await this.rotateRecordsKey();
  }

  /** Publishes a new records key epoch sealed to every active clinician and IT admin device. */
  async rotateRecordsKey(): Promise<number> {
    const { store } = this.ctx;
    const id = this.ctx.identity.current();
    if (id.role !== 'it-admin') fail('not-allowed', 'Only IT admins can change the records key.');
    const directory = await this.ctx.directory.verified(true);
    const readers = [...directory.devices.values()].filter((d) => d.kind === 'staff' && (d.role === 'clinician' || d.role === 'it-admin'));
    const current = directory.epoch;
    const previous = current ? store.recordsKey(current.epoch) : null;
    if (current && !previous) fail('not-allowed', 'This device does not hold the current records key.');
    const epochNumber = current ? current.epoch + 1 : 0;
    const { document, keyPair: pair } = createRecordsEpoch(this.sodium, {
      clinicId: id.clinicId,
      epoch: epochNumber,
      issuedBy: id.deviceId,
      issuedAt: this.ctx.now(),
      recipients: readers.map((d) => ({ deviceId: d.deviceId, boxKey: d.boxKey })),
      previousSecret: previous?.privateKey ?? null,
    });
    const signed = signDocument(this.sodium, PREFIX.recordsEpoch, recordsEpochSchema, document, this.ctx.identity.keys().signing.privateKey);
    await (await this.relay()).request('records.publish', { epoch: signed });
    store.putRecordsKey(epochNumber, pair.publicKey, pair.privateKey);
    this.ctx.directory.forget();
    return epochNumber;
  }

  /** Publishes a new version of the clinic policy, signed by the root. */
  async publishPolicy(rules: ClinicRules): Promise<number> {
    const id = this.ctx.identity.current();
    const parsed = clinicRulesSchema.safeParse(rules);
    if (!parsed.success) fail('not-allowed', 'The clinic’s stated rules are incomplete or not valid.');
    const rootSecret = this.ctx.identity.rootSecret();
    const held = (await this.ctx.directory.verified(true)).policy;
    const version = (held?.version ?? 0) + 1;
    const signed = signClinicPolicy(this.sodium, { clinicId: id.clinicId, version, issuedAt: this.ctx.now(), rules: rules as ClinicPolicy['rules'] }, rootSecret);
    rootSecret.fill(0);
    await (await this.relay()).request('policy.publish', { policy: signed });
    this.ctx.directory.forget();
    return version;
  }
}
