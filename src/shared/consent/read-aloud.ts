// Runs anywhere: a short code spelled out for reading over the phone (ADR 15), one word per
// character, in the patient's language: the NATO alphabet in English, the French telephone
// alphabet in French. Digits are said as numbers.
import { type ConsentLanguage } from './types';

const LETTERS: Record<ConsentLanguage, readonly string[]> = {
  en: ['Alfa', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel', 'India', 'Juliett', 'Kilo', 'Lima', 'Mike', 'November', 'Oscar', 'Papa', 'Quebec', 'Romeo', 'Sierra', 'Tango', 'Uniform', 'Victor', 'Whiskey', 'X-ray', 'Yankee', 'Zulu'],
  fr: ['Anatole', 'Berthe', 'Célestin', 'Désiré', 'Eugène', 'François', 'Gaston', 'Henri', 'Irma', 'Joseph', 'Kléber', 'Louis', 'Marcel', 'Nicolas', 'Oscar', 'Pierre', 'Quintal', 'Raoul', 'Suzanne', 'Thérèse', 'Ursule', 'Victor', 'William', 'Xavier', 'Yvonne', 'Zoé'],
};
const DIGITS: Record<ConsentLanguage, readonly string[]> = {
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  fr: ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'],
};

export type SpokenGroup = { readonly group: string; readonly words: readonly string[] };

/** `K7PQ-…` → [{ group: 'K7PQ', words: ['Kilo', 'seven', 'Papa', 'Quebec'] }, …]. */
export function spellOut(code: string, language: ConsentLanguage): SpokenGroup[] {
  return code
    .toUpperCase()
    .split(/[-\s]+/)
    .filter((g) => g.length > 0)
    .map((group) => ({
      group,
      words: [...group].map((ch) => {
        if (ch >= 'A' && ch <= 'Z') return LETTERS[language][ch.charCodeAt(0) - 65] as string;
        if (ch >= '0' && ch <= '9') return DIGITS[language][Number(ch)] as string;
        return ch;
      }),
    }));
}
