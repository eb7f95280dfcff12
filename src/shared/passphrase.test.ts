import { describe, expect, it } from 'vitest';

import { judgePassphrase, passphraseRules } from './passphrase';

describe('passphrase rules', () => {
  it('accepts a long passphrase of unrelated words', () => {
    expect(judgePassphrase('copper lantern orbit meadow 47')).toMatchObject({ ok: true, problems: [] });
  });

  it('reports a short passphrase, and every other problem at the same time', () => {
    const verdict = judgePassphrase('password1');
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toEqual(expect.arrayContaining(['too-short', 'common', 'weak']));
  });

  it.each(['password1234', 'qwertyuiop123', 'iloveyou2024!', 'motdepasse123', '123456789012'])(
    'refuses the common or patterned passphrase %s',
    (weak) => {
      const verdict = judgePassphrase(weak);
      expect(verdict.ok).toBe(false);
      expect(verdict.problems.some((p) => p === 'common' || p === 'weak')).toBe(true);
    },
  );

  it('refuses a passphrase built on the profile’s own name', () => {
    const verdict = judgePassphrase('Tremblay Tremblay 2024', ['Dr Tremblay']);
    expect(verdict.problems).toContain('contains-name');
  });

  it('counts characters, not UTF-16 units, and caps the length', () => {
    expect(judgePassphrase('é'.repeat(passphraseRules.minLength)).problems).not.toContain('too-short');
    expect(judgePassphrase('🙂'.repeat(passphraseRules.minLength - 1)).problems).toContain('too-short');
    expect(judgePassphrase('a b'.repeat(400)).problems).toContain('too-long');
  });

  it('handles the empty string', () => {
    expect(judgePassphrase('')).toEqual({ ok: false, score: 0, problems: ['too-short'] });
  });
});
