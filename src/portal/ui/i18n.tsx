// Runs in the portal: the chosen language for every component, and `t` to read the catalog.
import { type ReactNode, createContext, useContext, useEffect, useMemo, useState } from 'react';

import { type Language, type MessageKey, catalogs, defaultLanguage, format } from '../i18n/catalog';

type I18n = {
  readonly language: Language;
  readonly setLanguage: (language: Language) => void;
  readonly t: (key: MessageKey, values?: Readonly<Record<string, string | number>>) => string;
};

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(() => defaultLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language]));
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(() => ({ language, setLanguage, t: (key, values) => format(catalogs[language], key, values) }), [language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

/** Date and time in the reader's own time zone, in the chosen language. */
export function formatWhen(at: number, language: Language, withWeekday = true): string {
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-CA' : 'en-CA', {
    ...(withWeekday ? { weekday: 'long' } : {}),
    day: 'numeric',
    month: 'long',
    hour: 'numeric',
    minute: '2-digit',
  }).format(at);
}

export function formatDate(at: number, language: Language): string {
  return new Intl.DateTimeFormat(language === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'long' }).format(at);
}
