// Runs anywhere: pure TypeScript, no Node, no DOM. The renderer uses it to explain a
// passphrase as it is typed; main uses the very same rules to refuse a weak one.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import * as french from '@zxcvbn-ts/language-fr';

export const passphraseRules = {
  minLength: 12,
  maxLength: 1024,
  /** zxcvbn score from 0 (guessable in seconds) to 4; 3 means "safely unguessable" offline with a slow hash. */
  minScore: 3,
} as const;

export type PassphraseProblem = 'too-short' | 'too-long' | 'common' | 'contains-name' | 'weak';
export type PassphraseVerdict = {
  readonly ok: boolean;
  /** 0 to 4, for a meter. */
  readonly score: number;
  readonly problems: readonly PassphraseProblem[];
};

let factory: ZxcvbnFactory | null = null;
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary, ...french.dictionary },
    graphs: common.adjacencyGraphs,
    // Longer input is cut for the estimate only; length itself is checked separately.
    maxLength: 128,
  });
  return factory;
}

/** Lower case without accents, so "Brûlé" and "brule" count as the same word. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Judges a new passphrase. `userInputs` are words the passphrase must not lean on (the
 * profile's display name, the app's name). The verdict lists every problem at once so the
 * screen can explain them all while the user types.
 */
export function judgePassphrase(passphrase: string, userInputs: readonly string[] = []): PassphraseVerdict {
  const problems: PassphraseProblem[] = [];
  const length = [...passphrase].length;
  if (length < passphraseRules.minLength) problems.push('too-short');
  if (length > passphraseRules.maxLength) problems.push('too-long');
  if (passphrase.length === 0) return { ok: false, score: 0, problems };

  const names = [...userInputs, 'clinic messenger'].flatMap((input) => fold(input).split(/[^\p{L}\p{N}]+/u)).filter((w) => w.length >= 4);
  const result = estimator().check(passphrase, names);
  const commonMatch = result.sequence.some(
    (m) =>
      m.pattern === 'dictionary' &&
      String(m.dictionaryName).startsWith('passwords') &&
      m.token.length >= passphrase.length * 0.6,
  );
  if (commonMatch) problems.push('common');
  const folded = fold(passphrase);
  if (names.some((name) => folded.includes(name))) problems.push('contains-name');
  if (result.score < passphraseRules.minScore) problems.push('weak');
  return { ok: problems.length === 0, score: result.score, problems };
}
