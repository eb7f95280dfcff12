// Runs anywhere: pure TypeScript, no Node, no DOM.
import { type Catalog, en } from './en';
import { fr } from './fr';
import type { Language } from './languages';

export const catalogs: Readonly<Record<Language, Catalog>> = { en, fr };

/** Looks a dotted key up in a catalog and fills {{placeholders}}; for main (menus), where i18next is not loaded. */
export function translate(lang: Language, key: string, values: Readonly<Record<string, string>> = {}): string {
  let node: unknown = catalogs[lang];
  for (const part of key.split('.')) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  }
  if (typeof node !== 'string') return key;
  return node.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}
