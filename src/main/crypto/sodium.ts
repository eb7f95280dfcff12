import sodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodium;

/** The one way main reaches libsodium: the sumo build, because only it has Argon2id. */
export async function loadSodium(): Promise<Sodium> {
  await sodium.ready;
  return sodium;
}

/** Random bytes from the platform's CSPRNG; much faster than the wasm `randombytes_buf`. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  return out;
}
