// A device's own keys driving the relay frame by frame, for tests that play a replaying,
// forging or misbehaving client. For a staff device it opens the device's store read-only in
// spirit: a second handle on the same encrypted file, used to read the device identity. A
// patient's device (the portal's client) holds its identity in its unlocked vault.
import sodium from 'libsodium-wrappers-sumo';

import { openClientStore } from '../../src/main/network/client-store';
import { type HeadlessDevice, HeadlessPatient } from '../../tools/headless';
import { type RelayConnection, connectRelay } from '../../src/main/network/relay-connection';
import { PREFIX, relayAuthSchema } from '../../src/shared/protocol/documents';
import { signDocument } from '../../src/shared/protocol/signed';

export type RawIdentity = {
  deviceId: string;
  clinicId: string;
  patientId: string | null;
  signing: { publicKey: string; privateKey: string };
  box: { publicKey: string; privateKey: string };
};

export function identityOf(device: HeadlessDevice | HeadlessPatient): RawIdentity {
  if (device instanceof HeadlessPatient) return device.identity;
  const store = openClientStore(device.file, device.key);
  try {
    const identity = store.get<RawIdentity>('identity');
    if (!identity) throw new Error(`${device.name} has no identity`);
    return identity;
  } finally {
    store.close();
  }
}

export const secretKeyOf = (identity: RawIdentity): Uint8Array => Uint8Array.from(Buffer.from(identity.signing.privateKey, 'base64'));

/** Connects and logs in as `device`, without its client. */
export async function rawLogin(relayUrl: string, device: HeadlessDevice | HeadlessPatient): Promise<{ connection: RelayConnection; identity: RawIdentity }> {
  await sodium.ready;
  const identity = identityOf(device);
  const connection = await connectRelay(relayUrl, { timeoutMs: 5000 });
  const { challenge } = await connection.request('auth.challenge', {});
  const proof = signDocument(sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: identity.clinicId, deviceId: identity.deviceId, challenge }, secretKeyOf(identity));
  await connection.request('auth.login', { proof });
  return { connection, identity };
}
