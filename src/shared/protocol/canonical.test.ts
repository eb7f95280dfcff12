import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalBytes, canonicalJson, signingInput, utf8Encode } from './canonical';
import { fromBase64, portableFromBase64, portableToBase64, toBase32, toBase64, bytesEqual } from './encoding';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: null, c: true }], é: 'x' })).toBe('{"a":[3,{"c":true,"d":null}],"b":1,"é":"x"}');
  });

  it('gives equal values equal bytes whatever the key order', () => {
    expect(canonicalBytes({ x: 1, y: 2 })).toEqual(canonicalBytes({ y: 2, x: 1 }));
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['undefined', undefined],
    ['a nested undefined', { a: undefined }],
    ['a function', () => 1],
    ['a bigint', 1n],
    ['a symbol', Symbol('s')],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a class instance', new (class Thing {
      readonly x = 1;
    })()],
    ['a Uint8Array', new Uint8Array(2)],
    ['a sparse array', [1, , 3]],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses cycles but accepts shared (acyclic) references', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(TypeError);
    const shared = { n: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"n":1},{"n":1}]');
  });

  it('accepts null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as object, { k: 'v' });
    expect(canonicalJson(bare)).toBe('{"k":"v"}');
  });

  it('round-trips through JSON.parse for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('encodes UTF-8 exactly like TextEncoder, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Encode(text)).toEqual(new TextEncoder().encode(text));
      }),
    );
    expect(utf8Encode('\ud800')).toEqual(new TextEncoder().encode('\ud800'));
  });

  it('prefixes signing input with the domain and a zero byte', () => {
    const bytes = signingInput('p', { a: 1 }, Uint8Array.of(9));
    expect(Array.from(bytes)).toEqual([0x70, 0, ...new TextEncoder().encode('{"a":1}'), 9]);
  });
});

describe('encodings', () => {
  it('base64 matches Buffer and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(fromBase64(text)).toEqual(bytes);
      }),
    );
  });

  it('the portable base64 (what a browser runs) gives the same texts and bytes, around every padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const text = portableToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(portableFromBase64(text)).toEqual(bytes);
      }),
    );
  });

  it.each(['A', 'AA', 'AAA', 'AA=', 'AB==', 'AAB=', 'A===', 'AAAA ', 'AA-_', 'QUJD\n', '====', 'QQ==QQ==', 'QQ=A', 'Q===', 'QR==', 'QUI=QUJD', 'QUJ\u00e9', 'QUJD\u0000'])('refuses non-canonical base64 %j', (text) => {
    expect(fromBase64(text)).toBeNull();
    expect(portableFromBase64(text)).toBeNull();
  });

  it('base32 matches RFC 4648 test vectors (unpadded)', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [input, expected] of vectors) expect(toBase32(new TextEncoder().encode(input))).toBe(expected);
  });

  it('compares bytes', () => {
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(bytesEqual(Uint8Array.of(1), Uint8Array.of(1, 2))).toBe(false);
  });
});
