import { describe, expect, it } from 'vitest';

import { type JsonValue, canonicalJson } from './canonical';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
  });

  it('gives equal values equal text whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it('keeps non-ASCII text as UTF-8 characters and escapes what JSON must', () => {
    expect(canonicalJson({ name: 'Zoë Brûlé-Tremblay', note: 'line\nbreak "quoted" \u0001' })).toBe(
      '{"name":"Zoë Brûlé-Tremblay","note":"line\\nbreak \\"quoted\\" \\u0001"}',
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 does', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '€': 4, '😀': 5 })).toBe('{"Z":3,"z":2,"é":1,"€":4,"😀":5}');
  });

  it('writes numbers the ECMAScript way (-0 as 0, no trailing zeros, exponents for large values)', () => {
    expect(canonicalJson([-0, 1.5, 100, 1e21, 0.000001])).toBe('[0,1.5,100,1e+21,0.000001]');
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [undefined], [() => 1]])('refuses %s instead of dropping it', (value) => {
    expect(() => canonicalJson({ value } as unknown as JsonValue)).toThrow(TypeError);
  });
});
