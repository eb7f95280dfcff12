import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import { CodeError, checkCodeClinic, codeKeys, createCode, formatCode, parseCode } from './codes';

let fingerprint: Uint8Array;
beforeAll(async () => {
  await sodium.ready;
  fingerprint = sodium.randombytes_buf(32);
});

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CodeError);
    return (error as CodeError).code;
  }
  return 'no error';
};

describe('one-time codes', () => {
  it('round-trips through the printed form, ignoring case, spaces and dashes', () => {
    const code = createCode(sodium, 'enrollment', fingerprint);
    const text = formatCode(sodium, code);
    expect(text).toMatch(/^([A-Z2-7]{4}-){17}[A-Z2-7]{4}$/);
    const typed = text.toLowerCase().replace(/-/g, ' ');
    const back = parseCode(sodium, typed, 'enrollment');
    expect(back.id).toBe(code.id);
    expect(back.secret).toEqual(code.secret);
    expect(() => checkCodeClinic(back, fingerprint)).not.toThrow();
  });

  it('catches a typing mistake in any position', () => {
    const text = formatCode(sodium, createCode(sodium, 'invite', fingerprint)).replace(/-/g, '');
    let caught = 0;
    for (let i = 0; i < text.length - 1; i += 1) {
      // Change one character to another base32 letter (the last one carries padding bits).
      const swapped = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
      if (codeOf(() => parseCode(sodium, swapped, 'invite')) === 'typo') caught += 1;
    }
    // A 16-bit check misses a change with probability 1/65536: allow at most one miss.
    expect(caught).toBeGreaterThanOrEqual(text.length - 2);
  });

  it('refuses the wrong kind, another clinic, and text that is not a code', () => {
    const invite = formatCode(sodium, createCode(sodium, 'invite', fingerprint));
    expect(codeOf(() => parseCode(sodium, invite, 'enrollment'))).toBe('wrong-kind');
    const other = parseCode(sodium, formatCode(sodium, createCode(sodium, 'enrollment', sodium.randombytes_buf(32))), 'enrollment');
    expect(codeOf(() => checkCodeClinic(other, fingerprint))).toBe('wrong-clinic');
    expect(codeOf(() => parseCode(sodium, 'hello', 'invite'))).toBe('malformed');
    expect(codeOf(() => parseCode(sodium, '0'.repeat(72), 'invite'))).toBe('malformed');
    expect(codeOf(() => parseCode(sodium, '', 'invite'))).toBe('malformed');
  });

  it('derives the same key pair on both sides, and a different one per code and per kind', () => {
    const code = createCode(sodium, 'enrollment', fingerprint);
    const again = parseCode(sodium, formatCode(sodium, code), 'enrollment');
    expect(codeKeys(sodium, again).publicKey).toEqual(codeKeys(sodium, code).publicKey);
    expect(codeKeys(sodium, createCode(sodium, 'enrollment', fingerprint)).publicKey).not.toEqual(codeKeys(sodium, code).publicKey);
    expect(codeKeys(sodium, { ...code, kind: 'invite' }).publicKey).not.toEqual(codeKeys(sodium, code).publicKey);
  });
});
