// This device's identity in its clinic: ids, role, the pinned clinic root and its own keys.
// Read from the encrypted store and decoded once, then again only after it changes.
import { signingInput } from '../../../shared/protocol/canonical';
import { toBase64 } from '../../../shared/protocol/encoding';
import { decodeChecked } from '../../../shared/protocol/fields';
import { rootFingerprint } from '../../../shared/protocol/keys';
import { type AnswerBody } from '../../../shared/protocol/relay-frames';
import { type SodiumApi, type SodiumKeyPair } from '../../../shared/protocol/sodium-api';
import { type StaffRole } from '../../../shared/roles';
import { type ClientStore } from '../client-store';
import { fail } from './client-error';

type KeyPairText = { publicKey: string; privateKey: string };

/** A staff device's identity. (Patients' devices are the portal's PatientClient, ADR 13.) */
export type Identity = {
  deviceId: string;
  kind: 'staff';
  role: StaffRole;
  staffId: string;
  clinicId: string;
  relayUrl: string;
  rootPublicKey: string;
  signing: KeyPairText;
  box: KeyPairText;
  /** pending: redeemed an invite, waiting for an IT admin's approval. */
  status: 'pending' | 'active';
};

export type DeviceSummary = {
  deviceId: string;
  role: StaffRole;
  staffId: string;
  clinicId: string;
  relayUrl: string;
  pending: boolean;
  holdsRoot: boolean;
};

export const randomId = (sodium: SodiumApi, prefix: string, bytes = 12): string => `${prefix}${toBase64(sodium.randombytes_buf(bytes)).replace(/\+/g, '-').replace(/\//g, '_')}`;
export const keyText = (pair: SodiumKeyPair): KeyPairText => ({ publicKey: toBase64(pair.publicKey), privateKey: toBase64(pair.privateKey) });
const keyPair = (text: KeyPairText): SodiumKeyPair => ({ publicKey: decodeChecked(text.publicKey), privateKey: decodeChecked(text.privateKey) });

type Loaded = { readonly id: Identity; readonly signing: SodiumKeyPair; readonly box: SodiumKeyPair; readonly root: Uint8Array };

export class DeviceIdentity {
  /** undefined: not read yet; null: this device has not joined. */
  private loaded: Loaded | null | undefined;

  constructor(
    private readonly store: ClientStore,
    private readonly sodium: SodiumApi,
  ) {}

  private load(): Loaded | null {
    if (this.loaded === undefined) {
      const id = this.store.get<Identity>('identity');
      this.loaded = id ? { id, signing: keyPair(id.signing), box: keyPair(id.box), root: decodeChecked(id.rootPublicKey) } : null;
    }
    return this.loaded;
  }

  private loadedOrFail(): Loaded {
    return this.load() ?? fail('not-joined', 'This device has not joined a clinic yet.');
  }

  get joined(): boolean {
    return this.load() !== null;
  }

  current(): Identity {
    return this.loadedOrFail().id;
  }

  /** This device's signing and box key pairs, decoded. */
  keys(): { readonly signing: SodiumKeyPair; readonly box: SodiumKeyPair } {
    return this.loadedOrFail();
  }

  /** The pinned clinic root public key. */
  root(): Uint8Array {
    return this.loadedOrFail().root;
  }

  /** Stores a new or changed identity (inside the caller's transaction, if any). */
  save(id: Identity): void {
    this.store.put('identity', id);
    this.loaded = undefined;
  }

  summary(): DeviceSummary | null {
    const id = this.load()?.id;
    if (!id) return null;
    return {
      deviceId: id.deviceId,
      role: id.role,
      staffId: id.staffId,
      clinicId: id.clinicId,
      relayUrl: id.relayUrl,
      pending: id.status === 'pending',
      holdsRoot: this.store.get<string>('root-secret') !== null,
    };
  }

  /** The pinned clinic root fingerprint, as printed on receipts. */
  fingerprint(): string {
    return rootFingerprint(this.sodium, this.root());
  }

  /** The clinic root's secret key, on the device that holds it; the caller wipes it after use. */
  rootSecret(): Uint8Array {
    const text = this.store.get<string>('root-secret');
    return text ? decodeChecked(text) : fail('not-allowed', 'Only the device holding the clinic root can approve or remove devices.');
  }

  /** Signs a document with this device's certified key (e.g. a consent record). */
  signAsDevice(prefix: string, value: unknown): { signature: Uint8Array; signingKey: Uint8Array; boxKey: Uint8Array } {
    const { signing, box } = this.loadedOrFail();
    return { signature: this.sodium.crypto_sign_detached(signingInput(prefix, value), signing.privateKey), signingKey: signing.publicKey, boxKey: box.publicKey };
  }

  /** This device's certificate as the directory holds it (JSON), or null before approval. */
  ownCertificateJson(): string | null {
    const id = this.current();
    const raw = this.store.get<AnswerBody<'directory.get'>>('directory-raw');
    const mine = raw?.staff.find((c) => c.certificate.deviceId === id.deviceId);
    const held = this.store.get<unknown>('certificate');
    return mine ? JSON.stringify(mine) : held ? JSON.stringify(held) : null;
  }
}
