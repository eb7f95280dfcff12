import { describe, expect, it } from 'vitest';

import { catalogs, translate } from './catalogs';
import { languages, pickLanguage } from './languages';

function leaves(node: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof node === 'string') out.set(prefix, node);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) for (const [k, v] of leaves(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  const english = leaves(catalogs.en);

  it.each(languages.filter((l) => l !== 'en'))('%s has every English key, no more, with the same placeholders', (lang) => {
    const other = leaves(catalogs[lang]);
    expect([...other.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) expect(placeholders(other.get(key) ?? ''), key).toEqual(placeholders(text));
  });

  it.each(languages)('%s has no empty text', (lang) => {
    for (const [key, text] of leaves(catalogs[lang])) expect(text.trim(), key).not.toBe('');
  });

  it('translates for main, fills placeholders and falls back to the key', () => {
    expect(translate('fr', 'menu.quit')).toBe('Quitter Clinic Messenger');
    expect(translate('en', 'checks.details.runtimeOk', { node: '22.1.0' })).toBe('Node.js 22.1.0 meets the minimum version (22).');
    expect(translate('en', 'no.such.key')).toBe('no.such.key');
  });

  it('picks the first supported language', () => {
    expect(pickLanguage(['de-DE', 'fr-CA', 'en'])).toBe('fr');
    expect(pickLanguage(['EN-gb'])).toBe('en');
    expect(pickLanguage(['de'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});
