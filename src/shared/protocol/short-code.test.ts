import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  SHORT_ALPHABET,
  SHORT_CODE_MEMLIMIT,
  type ShortCodeDerive,
  ShortCodeError,
  createShortCode,
  formatShortCode,
  normalizeBirthDate,
  parseShortCode,
  proveShortCode,
  sealShortCodeBundle,
  shortCodeProofInput,
} from './short-code';
import { decodeChecked } from './fields';

beforeAll(async () => {
  await sodium.ready;
});

// The real Argon2id at the real 64 MiB: the costs are part of what is tested.
const derive: ShortCodeDerive = async (password, { salt, opslimit, memlimit }) => sodium.crypto_pwhash(32, password, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);

const failure = (fn: () => unknown): { code: string; group: number | null } => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ShortCodeError);
    return { code: (error as ShortCodeError).code, group: (error as ShortCodeError).group };
  }
  return { code: 'no error', group: null };
};

describe('short codes', () => {
  it('are 16 characters in four groups, from an alphabet without look-alikes, and read back', () => {
    expect(SHORT_ALPHABET).toHaveLength(31);
    for (const ch of '01OIL') expect(SHORT_ALPHABET).not.toContain(ch);
    for (let i = 0; i < 200; i += 1) {
      const code = createShortCode(sodium, 'enrollment');
      const text = formatShortCode(code);
      expect(text).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
      expect(parseShortCode(text, 'enrollment')).toEqual(code);
      // Case, spaces and missing dashes do not matter.
      expect(parseShortCode(` ${text.toLowerCase().replace(/-/g, ' ')} `, 'enrollment')).toEqual(code);
      expect(parseShortCode(text.replace(/-/g, ''), 'enrollment')).toEqual(code);
    }
  });

  it('name the group of any single wrong character, and catch two swapped neighbours', () => {
    const text = formatShortCode(createShortCode(sodium, 'enrollment')).replace(/-/g, '');
    for (let position = 0; position < 16; position += 1) {
      for (const replacement of SHORT_ALPHABET) {
        if (replacement === text[position]) continue;
        const typed = text.slice(0, position) + replacement + text.slice(position + 1);
        expect(failure(() => parseShortCode(typed, 'enrollment'))).toEqual({ code: 'typo', group: Math.floor(position / 4) + 1 });
      }
    }
    for (let position = 0; position < 15; position += 1) {
      if (text[position] === text[position + 1]) continue;
      const swapped = text.slice(0, position) + text[position + 1] + text[position] + text.slice(position + 2);
      expect(failure(() => parseShortCode(swapped, 'enrollment')).code).toBe('typo');
    }
  });

  it('say which group holds a character that is never in a code, and refuse a wrong length', () => {
    const text = formatShortCode(createShortCode(sodium, 'invite'));
    expect(failure(() => parseShortCode(`${text.slice(0, 5)}O${text.slice(6)}`, 'invite'))).toEqual({ code: 'character', group: 2 });
    expect(failure(() => parseShortCode(`${text.slice(0, 15)}1${text.slice(16)}`, 'invite'))).toEqual({ code: 'character', group: 4 });
    expect(failure(() => parseShortCode(text.slice(0, 14), 'invite')).code).toBe('length');
    expect(failure(() => parseShortCode(`${text}A`, 'invite')).code).toBe('length');
    expect(failure(() => parseShortCode('', 'invite')).code).toBe('length');
  });

  it('draw every character equally often (no bias from the random bytes)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i += 1) {
      const { lookupId, secret } = createShortCode(sodium, 'enrollment');
      for (const ch of lookupId + secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(31);
    // 42,000 draws: 1,355 expected per character; a biased modulo would push some far off.
    for (const n of counts.values()) expect(Math.abs(n - 42_000 / 31)).toBeLessThan(200);
  });

  it('accept only real dates of birth', () => {
    expect(normalizeBirthDate('1980-04-02')).toBe('1980-04-02');
    expect(normalizeBirthDate(' 2000-02-29 ')).toBe('2000-02-29');
    for (const bad of ['1900-02-29', '1980-13-01', '1980-4-2', '02/04/1980', '', '1980-04-31']) expect(normalizeBirthDate(bad)).toBeNull();
  });
});

describe('short-code bundles', () => {
  it('open with the right code and birth date only; the proof is bound to the challenge', async () => {
    const code = createShortCode(sodium, 'enrollment');
    const longCode = 'AAAA-BBBB-CCCC';
    const bundle = await sealShortCodeBundle(sodium, derive, { code, birthDate: '1980-04-02', targetId: 'E123', longCode });
    expect(bundle.params.memlimit).toBe(SHORT_CODE_MEMLIMIT);
    expect(JSON.stringify(bundle)).not.toContain(code.secret);
    expect(JSON.stringify(bundle)).not.toContain('1980');

    const challenge = sodium.randombytes_buf(32);
    const right = await proveShortCode(sodium, derive, { code, birthDate: '1980-04-02', params: bundle.params, clinicId: 'c1', challenge });
    expect(sodium.crypto_sign_verify_detached(right.signature, shortCodeProofInput('c1', code.lookupId, challenge), decodeChecked(bundle.proofKey))).toBe(true);
    // Another challenge, another clinic: the same signature proves nothing.
    expect(sodium.crypto_sign_verify_detached(right.signature, shortCodeProofInput('c1', code.lookupId, sodium.randombytes_buf(32)), decodeChecked(bundle.proofKey))).toBe(false);
    expect(sodium.crypto_sign_verify_detached(right.signature, shortCodeProofInput('c2', code.lookupId, challenge), decodeChecked(bundle.proofKey))).toBe(false);
    expect(right.open(bundle)).toBe(longCode);

    const wrongBirth = await proveShortCode(sodium, derive, { code, birthDate: '1980-04-03', params: bundle.params, clinicId: 'c1', challenge });
    expect(sodium.crypto_sign_verify_detached(wrongBirth.signature, shortCodeProofInput('c1', code.lookupId, challenge), decodeChecked(bundle.proofKey))).toBe(false);
    expect(() => wrongBirth.open(bundle)).toThrow(ShortCodeError);

    // A bundle whose header was changed (here: its target) does not open.
    const again = await proveShortCode(sodium, derive, { code, birthDate: '1980-04-02', params: bundle.params, clinicId: 'c1', challenge });
    expect(() => again.open({ ...bundle, targetId: 'E999' })).toThrow(ShortCodeError);
  }, 30_000);

  it('keep a staff invite apart from a patient enrollment with the same characters', async () => {
    const code = createShortCode(sodium, 'invite');
    const bundle = await sealShortCodeBundle(sodium, derive, { code, birthDate: null, targetId: 'I1', longCode: 'X' });
    const challenge = sodium.randombytes_buf(32);
    const asEnrollment = await proveShortCode(sodium, derive, { code: { ...code, kind: 'enrollment' }, birthDate: null, params: bundle.params, clinicId: 'c', challenge });
    expect(sodium.crypto_sign_verify_detached(asEnrollment.signature, shortCodeProofInput('c', code.lookupId, challenge), decodeChecked(bundle.proofKey))).toBe(false);
  }, 30_000);
});
