import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { canonicalJson } from './canonical';
import { toBase64 } from './encoding';
import {
  ENVELOPE_PREFIX,
  EnvelopeError,
  MAX_BODY_BYTES,
  MAX_RECIPIENTS,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  type Envelope,
  type SealEnvelopeInput,
} from './envelope';
import { generateDeviceKeys, type DeviceKeys } from './keys';

let sender: DeviceKeys;
let devices: DeviceKeys[];

beforeAll(async () => {
  await sodium.ready;
  sender = generateDeviceKeys(sodium);
  devices = Array.from({ length: 10 }, () => generateDeviceKeys(sodium));
});

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function input(count: number, body: Uint8Array = random(300)): SealEnvelopeInput {
  return {
    messageId: 'msg-1',
    conversationId: 'conv-1',
    patientId: 'pat-1',
    senderDeviceId: 'dev-sender',
    sentAt: 1_763_900_000_000,
    scope: 'care',
    recordsEpoch: 3,
    body,
    recipients: devices.slice(0, count).map((d, i) => ({ to: `dev-${i}`, boxPublicKey: d.box.publicKey })),
    senderSigningKey: sender.signing.privateKey,
  };
}

const open = (wire: unknown, index = 0, keys: DeviceKeys = devices[index]!, senderKey: Uint8Array = sender.signing.publicKey) =>
  openEnvelope(sodium, parseEnvelope(wire), { recipientId: `dev-${index}`, boxKeyPair: keys.box, senderSigningPublicKey: senderKey });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvelopeError) return error.code;
    throw error;
  }
  return 'ok';
}

/** Re-signs a (tampered) envelope with the real sender key, to reach the checks behind the signature. */
function resign(envelope: Envelope): Envelope {
  const ciphertext = Buffer.from(envelope.ciphertext, 'base64');
  const message = Buffer.concat([Buffer.from(ENVELOPE_PREFIX), Buffer.of(0), Buffer.from(canonicalJson(envelope.header)), ciphertext]);
  return { ...envelope, signature: toBase64(sodium.crypto_sign_detached(message, sender.signing.privateKey)) };
}

function flipBase64(text: string): string {
  const bytes = Buffer.from(text, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString('base64');
}

describe('envelope v1 round trip', () => {
  it('opens for a single recipient, after a JSON round trip', () => {
    const body = new TextEncoder().encode('Bonjour, vos résultats sont prêts 🙂');
    const wire = clone(sealEnvelope(sodium, input(1, body)));
    const opened = open(wire);
    expect(opened.body).toEqual(body);
    expect(opened.header.messageId).toBe('msg-1');
  });

  it('opens for each of 10 recipients, with distinct sealed keys', () => {
    const data = input(10);
    const wire = clone(sealEnvelope(sodium, data));
    expect(new Set(wire.header.recipients.map((r) => r.key)).size).toBe(10);
    for (let i = 0; i < 10; i += 1) expect(open(wire, i).body).toEqual(data.body);
  });

  it('opens for the records key and an empty body', () => {
    const records = generateDeviceKeys(sodium).box;
    const data = { ...input(1, new Uint8Array(0)), recipients: [{ to: 'records:3', boxPublicKey: records.publicKey }] };
    const parsed = parseEnvelope(clone(sealEnvelope(sodium, data)));
    const opened = openEnvelope(sodium, parsed, { recipientId: 'records:3', boxKeyPair: records, senderSigningPublicKey: sender.signing.publicKey });
    expect(opened.body).toHaveLength(0);
  });

  it('uses a fresh nonce and content key per message', () => {
    const data = input(1);
    const a = sealEnvelope(sodium, data);
    const b = sealEnvelope(sodium, data);
    expect(a.header.nonce).not.toBe(b.header.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });
});

describe('envelope v1 failures', () => {
  let wire: Envelope;
  beforeAll(() => {
    wire = clone(sealEnvelope(sodium, input(2)));
  });

  it('refuses tampered ciphertext: bad-signature, and decrypt-failed even if re-signed', () => {
    const tampered = { ...wire, ciphertext: flipBase64(wire.ciphertext) };
    expect(codeOf(() => open(tampered))).toBe('bad-signature');
    expect(codeOf(() => open(resign(tampered)))).toBe('decrypt-failed');
  });

  it('refuses a tampered header field: bad-signature, and decrypt-failed even if re-signed (header is AD)', () => {
    const tampered = { ...wire, header: { ...wire.header, patientId: 'pat-2' } };
    expect(codeOf(() => open(tampered))).toBe('bad-signature');
    expect(codeOf(() => open(resign(tampered)))).toBe('decrypt-failed');
  });

  it('refuses a signature swapped in from another envelope', () => {
    const other = sealEnvelope(sodium, input(2));
    expect(codeOf(() => open({ ...wire, signature: other.signature }))).toBe('bad-signature');
  });

  it('refuses a valid envelope checked against the wrong sender key', () => {
    expect(codeOf(() => open(wire, 0, devices[0], devices[1]!.signing.publicKey))).toBe('bad-signature');
  });

  it('refuses a recipient that is not listed', () => {
    expect(codeOf(() => open(wire, 5))).toBe('not-a-recipient');
  });

  it('refuses a listed recipient id opened with another key pair', () => {
    expect(codeOf(() => open(wire, 0, devices[1]))).toBe('bad-key');
  });

  it('refuses truncated base64 in every binary field', () => {
    const cut = (s: string) => s.slice(0, -1);
    expect(codeOf(() => parseEnvelope({ ...wire, ciphertext: cut(wire.ciphertext) }))).toBe('bad-base64');
    expect(codeOf(() => parseEnvelope({ ...wire, signature: cut(wire.signature) }))).toBe('bad-base64');
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, nonce: cut(wire.header.nonce) } }))).toBe('bad-base64');
    const recipients = wire.header.recipients.map((r, i) => (i === 1 ? { ...r, key: cut(r.key) } : r));
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, recipients } }))).toBe('bad-base64');
  });

  it('refuses well-formed base64 of the wrong length', () => {
    expect(codeOf(() => parseEnvelope({ ...wire, signature: wire.signature.slice(0, -4) }))).toBe('bad-length');
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, nonce: toBase64(random(12)) } }))).toBe('bad-length');
    expect(codeOf(() => parseEnvelope({ ...wire, ciphertext: toBase64(random(15)) }))).toBe('bad-length');
  });

  it('refuses unknown fields, missing fields, bad ids, duplicate recipients and a records key of another epoch', () => {
    expect(codeOf(() => parseEnvelope({ ...wire, extra: 1 }))).toBe('malformed');
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, seq: 1 } }))).toBe('malformed');
    expect(codeOf(() => parseEnvelope({ header: wire.header, ciphertext: wire.ciphertext }))).toBe('malformed');
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, messageId: 'a b' } }))).toBe('malformed');
    const [first] = wire.header.recipients;
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, recipients: [first, first] } }))).toBe('malformed');
    const records = [{ to: 'records:2', key: first!.key }];
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, recipients: records } }))).toBe('malformed');
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, recipients: [] } }))).toBe('malformed');
  });

  it('reports another version as unsupported', () => {
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, v: 2 } }))).toBe('unsupported-version');
  });

  it('enforces the size limits when parsing and sealing', () => {
    expect(codeOf(() => parseEnvelope({ ...wire, ciphertext: 'A'.repeat(4 * 60_000) }))).toBe('too-large');
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => ({ to: `d${i}`, key: wire.header.recipients[0]!.key }));
    expect(codeOf(() => parseEnvelope({ ...wire, header: { ...wire.header, recipients: many } }))).toBe('too-large');
    expect(codeOf(() => sealEnvelope(sodium, input(1, new Uint8Array(MAX_BODY_BYTES + 1))))).toBe('too-large');
    expect(open(clone(sealEnvelope(sodium, input(1, new Uint8Array(MAX_BODY_BYTES))))).body).toHaveLength(MAX_BODY_BYTES);
  });

  it('refuses to seal invalid input with a typed error', () => {
    expect(codeOf(() => sealEnvelope(sodium, { ...input(1), scope: 'Not A Scope' }))).toBe('malformed');
    expect(codeOf(() => sealEnvelope(sodium, { ...input(1), recipients: [] }))).toBe('malformed');
    const twice = input(1);
    expect(codeOf(() => sealEnvelope(sodium, { ...twice, recipients: [...twice.recipients, ...twice.recipients] }))).toBe('malformed');
    expect(codeOf(() => sealEnvelope(sodium, { ...input(1), senderSigningKey: new Uint8Array(32) }))).toBe('bad-length');
  });
});

describe('envelope v1 properties', () => {
  /** Every path (array of keys/indices) to a value inside a JSON value, the root included. */
  function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    const out = [at];
    if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...at, i])));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
    return out;
  }

  type Mutation = { kind: 'replace'; value: unknown } | { kind: 'delete' } | { kind: 'add'; key: string; value: unknown } | { kind: 'flip'; index: number };

  function mutate(original: unknown, path: (string | number)[], mutation: Mutation): unknown {
    const root = clone({ root: original }) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = root;
    let key: string | number = 'root';
    for (const step of path) {
      parent = parent[key] as Record<string | number, unknown>;
      key = step;
    }
    const current = parent[key];
    if (mutation.kind === 'replace') parent[key] = mutation.value;
    else if (mutation.kind === 'delete') Reflect.deleteProperty(parent, key);
    else if (mutation.kind === 'add' && current && typeof current === 'object' && !Array.isArray(current)) (current as Record<string, unknown>)[mutation.key] = mutation.value;
    else if (mutation.kind === 'flip' && typeof current === 'string' && current.length > 0) {
      const i = mutation.index % current.length;
      parent[key] = current.slice(0, i) + String.fromCharCode(current.charCodeAt(i) ^ 1) + current.slice(i + 1);
    } else if (mutation.kind === 'flip' && typeof current === 'number') parent[key] = current + 1;
    return root.root;
  }

  const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue() }),
    fc.record({ kind: fc.constant('delete' as const) }),
    fc.record({ kind: fc.constant('add' as const), key: fc.string({ maxLength: 8 }), value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ kind: fc.constant('flip' as const), index: fc.nat() }),
  );

  it('parseEnvelope and openEnvelope only ever succeed or throw EnvelopeError, for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const code = codeOf(() => open(value));
        expect(code).not.toBe('ok');
      }),
      { numRuns: 500 },
    );
  });

  it('parseEnvelope survives non-JSON input too', () => {
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withDate: true, withTypedArray: true, withBigInt: true }), (value) => {
        expect(codeOf(() => parseEnvelope(value))).not.toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated valid envelope either opens to exactly the original or throws EnvelopeError', () => {
    const data = input(3, random(64));
    const wire = clone(sealEnvelope(sodium, data));
    const all = paths(wire);
    const original = canonicalJson(wire.header);
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), mutationArb, fc.integer({ min: 0, max: 3 }), (pathIndex, mutation, reader) => {
        const mutated = mutate(wire, all[pathIndex]!, mutation);
        let opened;
        try {
          opened = openEnvelope(sodium, parseEnvelope(mutated), {
            recipientId: `dev-${reader}`,
            boxKeyPair: devices[reader]!.box,
            senderSigningPublicKey: sender.signing.publicKey,
          });
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
          return;
        }
        expect(reader).toBeLessThan(3);
        expect(canonicalJson(opened.header)).toBe(original);
        expect(opened.body).toEqual(data.body);
      }),
      { numRuns: 1000 },
    );
  });

  it('openEnvelope turns a hand-built, broken ParsedEnvelope into EnvelopeError', () => {
    const broken = { header: {}, nonce: new Uint8Array(0), ciphertext: new Uint8Array(0), signature: new Uint8Array(0) } as unknown as ReturnType<typeof parseEnvelope>;
    expect(codeOf(() => openEnvelope(sodium, broken, { recipientId: 'x', boxKeyPair: devices[0]!.box, senderSigningPublicKey: new Uint8Array(3) }))).toBe('bad-signature');
  });
});

describe('envelope v1 hostile input', () => {
  it('turns a throwing getter into EnvelopeError', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    expect(codeOf(() => parseEnvelope(hostile))).toBe('malformed');
  });
});
