// The clinic's directory as this device verified it (src/shared/protocol/directory.ts), held
// in memory until a change is announced, with what the device remembers against rollback in
// its encrypted store. Clinicians and IT admins also learn the records keys here.
import { type ConsentStatus, PREFIX, type RecordsEpoch, effectiveConsent, openPreviousEpoch, openRecordsEpoch } from '../../../shared/protocol/documents';
import { DirectoryTrustError, type DirectoryMemory, type VerifiedDirectory, verifyDirectory, verifyPolicyRules } from '../../../shared/protocol/directory';
import { toBase64 } from '../../../shared/protocol/encoding';
import { type AnswerBody } from '../../../shared/protocol/relay-frames';
import { type Signed, hasValidSignature } from '../../../shared/protocol/signed';
import { RelayError } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext, type VerifiedRules } from './context';

const withDevices = new WeakMap<Directory, Set<string>>();

/** The directory as this device verified it. */
export type Directory = VerifiedDirectory;
type RawDirectory = AnswerBody<'directory.get'>;

export class DirectoryView {
  private held: Directory | null = null;

  private readonly verifiedSignatures = new Set<string>();

  constructor(private readonly ctx: ClientContext) {}

  /**
   * The verified directory: the one held, or fetched and verified again (`refresh`, or when a
   * change made the device forget it). Then the records keys it may now open.
   */
  async verified(refresh = false): Promise<Directory> {
    if (this.held && !refresh) return this.held;
    const raw = await (await this.ctx.session.relay()).request('directory.get', {});
    this.held = this.verify(raw);
    this.ctx.store.put('directory-raw', raw);
    await this.learnRecordsKeys(this.held);
    this.ctx.changed();
    return this.held;
  }

  /** The directory to seal with: the one held, else a fresh one; offline, the last one verified here (what was sealed leaves later). */
  async forSealing(): Promise<Directory> {
    if (this.held) return this.held;
    try {
      return await this.verified(true);
    } catch (error) {
      const stored = error instanceof RelayError && error.transient ? this.stored() : null;
      if (!stored) throw error;
      return stored;
    }
  }

  /** The patients with at least one connected device, once per verified directory. */
  patientsWithDevices(directory: Directory): ReadonlySet<string> {
    let set = withDevices.get(directory);
    if (!set) {
      set = new Set<string>();
      for (const d of directory.devices.values()) if (d.kind === 'patient' && d.patientId) set.add(d.patientId);
      withDevices.set(directory, set);
    }
    return set;
  }

  /** The directory held in memory, if any (null after a change made the device forget it). */
  inMemory(): Directory | null {
    return this.held;
  }

  /** The directory last verified, without asking the relay (null when never fetched, or if it no longer verifies). */
  cached(): Directory | null {
    if (this.held) return this.held;
    if (!this.ctx.identity.joined) return null;
    try {
      return this.stored();
    } catch {
      return null;
    }
  }

  /** The directory last fetched, verified again (to seal while offline); null when none is stored. */
  stored(): Directory | null {
    const raw = this.ctx.store.get<RawDirectory>('directory-raw');
    return raw ? this.verify(raw) : null;
  }

  /**
   * The rules of the directory last stored, their policy checked again against the pinned
   * root (not the whole directory: this runs at every unlock). Null when none is stored or
   * it does not verify.
   */
  storedRules(): VerifiedRules | null {
    if (!this.ctx.identity.joined) return null;
    const raw = this.ctx.store.get<RawDirectory>('directory-raw');
    if (!raw?.policy) return null;
    try {
      const { policy, rules } = verifyPolicyRules(this.ctx.sodium, raw.policy, {
        rootPublicKey: this.ctx.identity.root(),
        clinicId: this.ctx.identity.current().clinicId,
        knownVersion: this.ctx.store.get<number>('policy-version') ?? 0,
      });
      return { rules, version: policy.version };
    } catch {
      return null;
    }
  }

  /** The held directory is out of date (a push, a reconnection, a change this device made). */
  forget(): void {
    this.held = null;
  }

  /** The held directory learns a consent this device just published, without a fetch. */
  learnConsent(published: ConsentStatus): void {
    const directory = this.held;
    if (!directory) return;
    const consents = new Map(directory.consents);
    const withdrawal = directory.withdrawals.get(published.patientId) ?? null;
    consents.set(published.patientId, effectiveConsent(published, withdrawal) ?? published);
    this.held = { ...directory, consents };
  }

  /** Whether a patient has connected at least one device (from the held directory). */
  patientEnrolled(patientId: string): boolean {
    for (const d of this.held?.devices.values() ?? []) if (d.kind === 'patient' && d.patientId === patientId) return true;
    return false;
  }

  /**
   * A signature check that remembers what it verified: the directory is fetched again after
   * every change, and re-verifying thousands of unchanged consents each time would make a
   * large clinic slow. The key holds the exact document, so a changed one is checked again.
   */
  private signedBy(prefix: string, signed: Signed<unknown>, key: Uint8Array): boolean {
    const cacheKey = `${prefix}\n${toBase64(key)}\n${signed.signature}\n${JSON.stringify(signed.document)}`;
    if (this.verifiedSignatures.has(cacheKey)) return true;
    const ok = hasValidSignature(this.ctx.sodium, prefix, signed, key);
    if (ok) {
      if (this.verifiedSignatures.size >= 500_000) this.verifiedSignatures.clear();
      this.verifiedSignatures.add(cacheKey);
    }
    return ok;
  }

  private verify(raw: RawDirectory): Directory {
    const { store } = this.ctx;
    const id = this.ctx.identity.current();
    const viewer = { clinicId: id.clinicId, rootPublicKey: this.ctx.identity.root() };
    const remembered: DirectoryMemory = {
      consentVersions: store.get<Record<string, number>>('consent-versions') ?? {},
      policyVersion: store.get<number>('policy-version') ?? 0,
      epochSeen: store.get<number>('records-epoch-seen') ?? -1,
    };
    let verified;
    try {
      verified = verifyDirectory(this.ctx.sodium, viewer, raw, remembered, this.ctx.now(), (prefix, signed, key) => this.signedBy(prefix, signed, key));
    } catch (error) {
      if (error instanceof DirectoryTrustError) fail('untrusted', error.message);
      throw error;
    }
    const { memory } = verified;
    store.transaction(() => {
      store.put('consent-versions', memory.consentVersions);
      if (memory.epochSeen >= 0) store.put('records-epoch-seen', memory.epochSeen);
      if (raw.policy) store.put('policy-version', memory.policyVersion);
    });
    const { rules, policy } = verified.directory;
    this.ctx.rulesVerified(rules && policy ? { rules, version: policy.version } : null);
    return verified.directory;
  }

  /** Clinicians and IT admins open their copy of the newest records key, then walk back. */
  private async learnRecordsKeys(directory: Directory): Promise<void> {
    const { store, sodium } = this.ctx;
    const id = this.ctx.identity.current();
    if ((id.role !== 'clinician' && id.role !== 'it-admin') || !directory.epoch) return;
    if (store.recordsKey(directory.epoch.epoch)) return;
    const { epochs } = await (await this.ctx.session.relay()).request('records.get', {});
    const byEpoch = new Map<number, RecordsEpoch>();
    for (const e of epochs) {
      const issuer = directory.devices.get(e.document.issuedBy);
      // Older epochs may come from admins since removed; their chain is checked by the keys themselves.
      if (issuer && !hasValidSignature(sodium, PREFIX.recordsEpoch, e, issuer.signingKey)) continue;
      byEpoch.set(e.document.epoch, e.document);
    }
    let pair = openRecordsEpoch(sodium, directory.epoch, id.deviceId, this.ctx.identity.keys().box);
    let current = directory.epoch;
    store.putRecordsKey(current.epoch, pair.publicKey, pair.privateKey);
    while (current.epoch > 0 && !store.recordsKey(current.epoch - 1)) {
      const previous = byEpoch.get(current.epoch - 1);
      if (!previous) break;
      pair = openPreviousEpoch(sodium, current, pair, previous);
      store.putRecordsKey(previous.epoch, pair.publicKey, pair.privateKey);
      current = previous;
    }
  }
}
