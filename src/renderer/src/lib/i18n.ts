// Runs in the renderer: DOM only, no Node.
import i18next, { type TFunction } from 'i18next';
import { initReactI18next } from 'react-i18next';

import { catalogs } from '../../../shared/i18n/catalogs';
import { type Language, languages, pickLanguage } from '../../../shared/i18n/languages';
import type { IpcError } from '../../../shared/ipc/errors';
import { offlineError } from './api';

export function systemLanguage(): Language {
  return pickLanguage(navigator.languages);
}

export async function initI18n(): Promise<typeof i18next> {
  await i18next.use(initReactI18next).init({
    resources: Object.fromEntries(languages.map((l) => [l, { translation: catalogs[l] }])),
    lng: systemLanguage(),
    fallbackLng: 'en',
    supportedLngs: [...languages],
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = i18next.language;
  i18next.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  return i18next;
}

/** The text a person sees for an error: translated from its code, never the raw message. */
export function errorText(t: TFunction, error: IpcError): string {
  if (error === offlineError || error.message === offlineError.message) return t('errors.offline');
  // A refusal from the clinic's server, or a code that does not fit, says which one when it can.
  if (error.reason && (error.code === 'clinic-refused' || error.code === 'invalid-code')) {
    const key = `errors.reasons.${error.reason}`;
    if (i18next.exists(key)) return t(key, { group: error.fields?.group ?? '' });
  }
  return t(`errors.${error.code}`);
}
