// Runs anywhere: pure TypeScript, no Node, no DOM. Finds the signs of an emergency in a
// patient's message before it is sent (in the portal) and when it arrives (on the clinician's
// computer). The relay never sees the text, so it cannot do this.
//
// A sign is a list of phrases in English and French. A phrase is words separated by spaces:
//   - all its words must appear close together (within a few words), in any order, in one
//     sentence: "chest pain" finds "pain in my chest";
//   - `*` at the end of a word matches any ending: "breath*" finds breathe, breathing;
//   - `a|b` is one word or another: "baby|infant fever*";
//   - a phrase in double quotes must appear word for word: "\"end it\"".
// Case and accents never matter, small typos in longer words are forgiven ("chets", "poitrinne"),
// and simple word forms match ("fainted", "faint"). A sign right after "no", "without",
// "pas de"… ("no chest pain") does not count. When in doubt it matches: a false alarm costs a
// patient one extra screen; a missed emergency can cost far more.

export type TriageLanguage = 'en' | 'fr';

export type UrgentSign = {
  /** A short stable name, e.g. "chest-pain". */
  readonly id: string;
  readonly en: readonly string[];
  readonly fr: readonly string[];
};

export type TriageMatch = { readonly signId: string; readonly phrase: string };
export type TriageResult = { readonly urgent: boolean; readonly matches: readonly TriageMatch[] };

const SENTENCE_END = '|';

/** Lower case, no accents, no punctuation but sentence ends; contractions kept as one word. */
export function normalizeForTriage(text: string): string[] {
  const plain = text
    .slice(0, 20_000)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    // 38.6 and 38,6 stay one number, so their separator ends no sentence.
    .replace(/(\d)[.,](\d)/g, '$1$2')
    .replace(/[’'`´]/g, "'")
    // can't, don't, won't, isn't → cant, dont, wont, isnt; j'ai, d'air → j ai, d air.
    .replace(/n't\b/g, 'nt')
    .replace(/'/g, ' ')
    .replace(/[.!?;:\n]+/g, ` ${SENTENCE_END} `)
    .replace(/[^\p{L}\p{N}|]+/gu, ' ');
  return plain.split(/\s+/).filter((token) => token.length > 0);
}

type Term = { readonly key: string; readonly options: readonly { readonly stem: string; readonly prefix: boolean }[] };
type Phrase = { readonly source: string; readonly signId: string; readonly exact: boolean; readonly terms: readonly Term[] };

function parsePhrase(source: string, signId: string): Phrase | null {
  const trimmed = source.trim();
  const exact = trimmed.length > 2 && trimmed.startsWith('"') && trimmed.endsWith('"');
  const body = exact ? trimmed.slice(1, -1) : trimmed;
  const terms: Term[] = [];
  for (const word of body.split(/\s+/)) {
    const options = word
      .split('|')
      .map((alternative) => {
        const prefix = alternative.endsWith('*');
        const [stem = ''] = normalizeForTriage(prefix ? alternative.slice(0, -1) : alternative).filter((t) => t !== SENTENCE_END);
        return { stem, prefix };
      })
      .filter((option) => option.stem.length > 0);
    if (options.length > 0) terms.push({ key: options.map((o) => `${o.stem}${o.prefix ? '*' : ''}`).join('|'), options });
  }
  return terms.length > 0 ? { source: trimmed, signId, exact, terms } : null;
}

/** Damerau–Levenshtein distance, stopping early once over `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  const first = rows[0] as number[];
  for (let j = 0; j <= b.length; j++) first[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const previous = rows[i - 1] as number[];
    let best = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (rows[i - 2] as number[])[j - 2] as number);
      row[j] = value;
      best = Math.min(best, value);
    }
    if (best > max) return max + 1;
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The word without a common ending (plural, past, gerund, feminine), for word forms. */
function base(word: string): string {
  for (const ending of ['ing', 'ies', 'ed', 'es', 'e', 's']) {
    if (word.endsWith(ending) && word.length - ending.length >= 3) return word.slice(0, -ending.length);
  }
  return word;
}

const typoAllowance = (length: number): number => (length >= 8 ? 2 : length >= 5 ? 1 : 0);

function termMatchesUncached(term: Term, token: string): boolean {
  if (token === SENTENCE_END) return false;
  for (const { stem, prefix } of term.options) {
    if (prefix) {
      if (token.startsWith(stem)) return true;
      // Typos are forgiven only in longer stems: "faint*" must not find "paint".
      const allowed = stem.length >= 6 ? 1 : 0;
      if (allowed > 0 && token.length >= stem.length - 1) {
        for (const cut of [stem.length - 1, stem.length, stem.length + 1]) {
          if (cut <= token.length && distance(token.slice(0, cut), stem, allowed) <= allowed) return true;
        }
      }
      continue;
    }
    if (token === stem || base(token) === base(stem)) return true;
    const allowed = typoAllowance(stem.length);
    if (allowed > 0 && distance(token, stem, allowed) <= allowed) return true;
  }
  return false;
}

const negators = new Set(['no', 'not', 'without', 'never', 'denies', 'deny', 'nothing', 'none', 'sans', 'aucun', 'aucune', 'jamais', 'ni']);
/** Two-word negations: "don't have", "pas de" (but not "can't", "ne peux pas", which are the sign). */
const negatingPairs = new Set(['dont have', 'dont feel', 'didnt have', 'doesnt have', 'havent had', 'no longer', 'pas de', 'pas d', 'plus de', 'plus d', 'pas eu']);

/** "no idea", "not sure": a doubt, not a denial. */
const doubtingPairs = new Set(['no idea', 'not sure', 'not know', 'no clue', 'not certain', 'pas sur', 'pas certain', 'pas certaine', 'sans doute']);

function negated(tokens: readonly string[], start: number): boolean {
  for (let i = start - 1; i >= Math.max(0, start - 5); i--) {
    const token = tokens[i] as string;
    if (token === SENTENCE_END) return false;
    if (doubtingPairs.has(`${token} ${tokens[i + 1] ?? ''}`)) continue;
    if (negators.has(token)) return true;
    if (negatingPairs.has(`${token} ${tokens[i + 1] ?? ''}`)) return true;
  }
  return false;
}

/** Every place the phrase's words all appear (their first word's index). */
function findPhrase(phrase: Phrase, tokens: readonly string[], termMatches: (term: Term, token: string) => boolean): number[] {
  const starts: number[] = [];
  const { terms } = phrase;
  if (phrase.exact) {
    for (let i = 0; i + terms.length <= tokens.length; i++) {
      if (terms.every((term, k) => termMatches(term, tokens[i + k] as string))) starts.push(i);
    }
    return starts;
  }
  const span = Math.max(8, terms.length * 3);
  const positions = terms.map((term) => tokens.flatMap((token, i) => (termMatches(term, token) ? [i] : [])));
  if (positions.some((p) => p.length === 0)) return starts;
  // Each place a first word is found: the other words within the span, in the same sentence.
  const candidates = [...new Set(positions.flat())].sort((a, b) => a - b);
  for (const from of candidates) {
    const to = from + span - 1;
    let end = from;
    while (end < tokens.length && end <= to && tokens[end] !== SENTENCE_END) end++;
    if (positions.every((p) => p.some((i) => i >= from && i < end))) starts.push(from);
  }
  return starts;
}

export type TriageMatcher = { check(text: string): TriageResult };

/**
 * Builds a matcher from the clinic's urgent signs. Both languages are always checked:
 * patients mix them, and a French clinic's patient may write in English.
 */
export function createTriageMatcher(signs: readonly UrgentSign[]): TriageMatcher {
  const phrases = signs.flatMap((sign) => [...sign.en, ...sign.fr].map((p) => parsePhrase(p, sign.id)).filter((p): p is Phrase => p !== null));
  return {
    check(text: string): TriageResult {
      const tokens = normalizeForTriage(text);
      // Phrases share words ("breath*", "baby|infant"): each word is compared with each token once.
      const memo = new Map<string, Map<string, boolean>>();
      const termMatches = (term: Term, token: string): boolean => {
        let byToken = memo.get(term.key);
        if (!byToken) memo.set(term.key, (byToken = new Map()));
        let hit = byToken.get(token);
        if (hit === undefined) byToken.set(token, (hit = termMatchesUncached(term, token)));
        return hit;
      };
      const matches: TriageMatch[] = [];
      const seen = new Set<string>();
      for (const phrase of phrases) {
        if (seen.has(phrase.signId)) continue;
        if (findPhrase(phrase, tokens, termMatches).some((start) => !negated(tokens, start))) {
          seen.add(phrase.signId);
          matches.push({ signId: phrase.signId, phrase: phrase.source });
        }
      }
      return { urgent: matches.length > 0, matches };
    },
  };
}

/** What a labelled set says of a matcher: the share of urgent messages caught, and of others flagged. */
export function scoreTriage(matcher: TriageMatcher, items: readonly { text: string; urgent: boolean; lang?: TriageLanguage }[]) {
  let urgent = 0;
  let caught = 0;
  let calm = 0;
  let alarms = 0;
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  for (const item of items) {
    const flagged = matcher.check(item.text).urgent;
    if (item.urgent) {
      urgent++;
      if (flagged) caught++;
      else missed.push(item.text);
    } else {
      calm++;
      if (flagged) {
        alarms++;
        falseAlarms.push(item.text);
      }
    }
  }
  return {
    recall: urgent === 0 ? 1 : caught / urgent,
    falseAlarmRate: calm === 0 ? 0 : alarms / calm,
    n: items.length,
    missed,
    falseAlarms,
  };
}
