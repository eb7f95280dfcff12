// Runs anywhere: pure TypeScript, no Node, no DOM.
export const languages = ['en', 'fr'] as const;
export type Language = (typeof languages)[number];

/** Picks the first supported language from a list of BCP 47 tags, English if none fits. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    const found = languages.find((l) => l === base);
    if (found) return found;
  }
  return 'en';
}
