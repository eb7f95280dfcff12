import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { consistencyProof, inclusionProof, leafHash, nodeHash, treeRoot, verifyConsistency, verifyInclusion } from './merkle';

beforeAll(async () => {
  await sodium.ready;
});

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sodium, new TextEncoder().encode(`leaf ${i}`)));
const flip = (b: Uint8Array) => {
  const c = b.slice();
  c[0] = (c[0] ?? 0) ^ 1;
  return c;
};

describe('the Merkle log (RFC 9162)', () => {
  it('hashes leaves and nodes under different prefixes, and matches the RFC 6962 empty and one-leaf roots', () => {
    expect(hex(treeRoot(sodium, []))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // The CT test vector: the leaf hash of the empty string.
    expect(hex(leafHash(sodium, new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    const [a, b] = leaves(2) as [Uint8Array, Uint8Array];
    expect(hex(treeRoot(sodium, [a, b]))).toBe(hex(nodeHash(sodium, a, b)));
    expect(hex(nodeHash(sodium, a, b))).not.toBe(hex(leafHash(sodium, new Uint8Array([...a, ...b]))));
  });

  it('proves every leaf of every tree up to 33 leaves, and refuses a wrong leaf, index, size, root or path', () => {
    const all = leaves(33);
    for (let size = 1; size <= all.length; size++) {
      const root = treeRoot(sodium, all.slice(0, size));
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(sodium, all, index, size);
        const leaf = all[index] as Uint8Array;
        expect(verifyInclusion(sodium, { index, size, leaf, proof, root })).toBe(true);
        expect(verifyInclusion(sodium, { index, size, leaf: flip(leaf), proof, root })).toBe(false);
        expect(verifyInclusion(sodium, { index, size, leaf, proof, root: flip(root) })).toBe(false);
        if (size > 1) {
          expect(verifyInclusion(sodium, { index: (index + 1) % size, size, leaf, proof, root })).toBe(false);
          expect(verifyInclusion(sodium, { index, size, leaf, proof: proof.map((p, i) => (i === 0 ? flip(p) : p)), root })).toBe(false);
          expect(verifyInclusion(sodium, { index, size, leaf, proof: proof.slice(1), root })).toBe(false);
        }
        // The root of the tree one leaf larger (a checkpoint signs size and root together).
        if (size < all.length) expect(verifyInclusion(sodium, { index, size: size + 1, leaf, proof, root: treeRoot(sodium, all.slice(0, size + 1)) })).toBe(false);
      }
    }
  });

  it('proves that every larger tree only appended to a smaller one, and refuses a rewritten history', () => {
    const all = leaves(20);
    const other = [...all];
    other[3] = leafHash(sodium, new TextEncoder().encode('rewritten'));
    for (let newSize = 1; newSize <= all.length; newSize++) {
      const newRoot = treeRoot(sodium, all.slice(0, newSize));
      for (let oldSize = 1; oldSize <= newSize; oldSize++) {
        const oldRoot = treeRoot(sodium, all.slice(0, oldSize));
        const proof = consistencyProof(sodium, all, oldSize, newSize);
        expect(verifyConsistency(sodium, { oldSize, oldRoot, newSize, newRoot, proof })).toBe(true);
        expect(verifyConsistency(sodium, { oldSize, oldRoot: flip(oldRoot), newSize, newRoot, proof })).toBe(false);
        if (oldSize < newSize) {
          expect(verifyConsistency(sodium, { oldSize, oldRoot, newSize, newRoot: flip(newRoot), proof })).toBe(false);
          // A relay that rewrote leaf 3 cannot prove its new tree extends the old one.
          if (oldSize > 3) {
            const forged = consistencyProof(sodium, other, oldSize, newSize);
            expect(verifyConsistency(sodium, { oldSize, oldRoot, newSize, newRoot: treeRoot(sodium, other.slice(0, newSize)), proof: forged })).toBe(false);
          }
        }
      }
    }
  });

  it('refuses sizes that do not describe a grown tree', () => {
    const all = leaves(4);
    expect(() => inclusionProof(sodium, all, 4)).toThrow(RangeError);
    expect(() => consistencyProof(sodium, all, 5, 4)).toThrow(RangeError);
    const root = treeRoot(sodium, all);
    expect(verifyConsistency(sodium, { oldSize: 4, oldRoot: root, newSize: 3, newRoot: root, proof: [] })).toBe(false);
    expect(verifyInclusion(sodium, { index: -1, size: 4, leaf: all[0] as Uint8Array, proof: [], root })).toBe(false);
  });
});
