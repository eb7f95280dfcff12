// Runs anywhere (libsodium passed in): an append-only Merkle log as certificate transparency
// defines it (RFC 9162, section 2.1). Leaves and nodes are hashed with SHA-256 under
// different prefixes (0x00 for a leaf, 0x01 for a node), so a leaf can never pass for a node.
// The relay builds the proofs; every verifier (the IT admin's computer, `audit:verify`) checks
// them: an inclusion proof says a leaf is in a tree of a given size and root, a consistency
// proof says a larger tree only appended to a smaller one.
import { bytesEqual } from './encoding';
import { type SodiumApi } from './sodium-api';

export const MERKLE_HASH_BYTES = 32;

type Hasher = Pick<SodiumApi, 'crypto_hash_sha256'>;

function prefixed(sodium: Hasher, prefix: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let length = 1;
  for (const part of parts) length += part.length;
  const input = new Uint8Array(length);
  input[0] = prefix;
  let at = 1;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
  }
  return sodium.crypto_hash_sha256(input);
}

export function leafHash(sodium: Hasher, data: Uint8Array): Uint8Array {
  return prefixed(sodium, 0x00, data);
}

export function nodeHash(sodium: Hasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  return prefixed(sodium, 0x01, left, right);
}

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root of the tree over `leaves` (leaf hashes, in order); the empty tree's root is SHA-256 of nothing. */
export function treeRoot(sodium: Hasher, leaves: readonly Uint8Array[], from = 0, to = leaves.length): Uint8Array {
  const n = to - from;
  if (n === 0) return sodium.crypto_hash_sha256(new Uint8Array(0));
  if (n === 1) return leaves[from] as Uint8Array;
  const k = split(n);
  return nodeHash(sodium, treeRoot(sodium, leaves, from, from + k), treeRoot(sodium, leaves, from + k, to));
}

/** The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162, 2.1.3.1). */
export function inclusionProof(sodium: Hasher, leaves: readonly Uint8Array[], index: number, size = leaves.length): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= size || size > leaves.length) throw new RangeError('The leaf is not in a tree of that size.');
  const path = (m: number, from: number, to: number): Uint8Array[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = split(n);
    return m < k
      ? [...path(m, from, from + k), treeRoot(sodium, leaves, from + k, to)]
      : [...path(m - k, from + k, to), treeRoot(sodium, leaves, from, from + k)];
  };
  return path(index, 0, size);
}

/** The proof that the tree of `newSize` leaves extends the tree of `oldSize` (RFC 9162, 2.1.4.1). */
export function consistencyProof(sodium: Hasher, leaves: readonly Uint8Array[], oldSize: number, newSize = leaves.length): Uint8Array[] {
  if (!Number.isInteger(oldSize) || oldSize < 0 || oldSize > newSize || newSize > leaves.length) throw new RangeError('The sizes do not describe a grown tree.');
  if (oldSize === 0 || oldSize === newSize) return [];
  const subproof = (m: number, from: number, to: number, complete: boolean): Uint8Array[] => {
    const n = to - from;
    if (m === n) return complete ? [] : [treeRoot(sodium, leaves, from, to)];
    const k = split(n);
    return m <= k
      ? [...subproof(m, from, from + k, complete), treeRoot(sodium, leaves, from + k, to)]
      : [...subproof(m - k, from + k, to, false), treeRoot(sodium, leaves, from, from + k)];
  };
  return subproof(oldSize, 0, newSize, true);
}

/** Whether `proof` shows `leaf` (a leaf hash) at `index` in the tree of `size` with `root` (RFC 9162, 2.1.3.2). */
export function verifyInclusion(sodium: Hasher, input: { index: number; size: number; leaf: Uint8Array; proof: readonly Uint8Array[]; root: Uint8Array }): boolean {
  const { index, size, leaf, proof, root } = input;
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== MERKLE_HASH_BYTES || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sodium, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(sodium, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/** Whether `proof` shows the tree (`newSize`, `newRoot`) appends to (`oldSize`, `oldRoot`) (RFC 9162, 2.1.4.2). */
export function verifyConsistency(
  sodium: Hasher,
  input: { oldSize: number; oldRoot: Uint8Array; newSize: number; newRoot: Uint8Array; proof: readonly Uint8Array[] },
): boolean {
  const { oldSize, oldRoot, newSize, newRoot } = input;
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return input.proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (oldSize === 0) return input.proof.length === 0;
  if (input.proof.some((p) => p.length !== MERKLE_HASH_BYTES) || input.proof.length === 0) return false;
  // A power-of-two old tree is itself a node of the new one: its root starts the walk.
  const proof = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...input.proof] : [...input.proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = proof[0] as Uint8Array;
  let sr = fr;
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(sodium, c, fr);
      sr = nodeHash(sodium, c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sodium, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}
