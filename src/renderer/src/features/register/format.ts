// Runs in the renderer: DOM only, no Node.
// Dates, scopes and refusals as the register shows them, in the interface's language.
import type { TFunction } from 'i18next';

import { scopeLabel } from '../../../../shared/consent/template';
import type { ConsentLanguage } from '../../../../shared/consent/types';
import type { IpcError } from '../../../../shared/ipc/errors';
import type { ConsentScope } from '../../../../shared/protocol/documents';
import { errorText } from '../../lib/i18n';

export const consentLanguage = (language: string): ConsentLanguage => (language.startsWith('fr') ? 'fr' : 'en');

/** A calendar date kept as `YYYY-MM-DD` (a birth date): shown as written, never shifted by a time zone. */
export function formatIsoDate(isoDate: string, language: string): string {
  const at = Date.parse(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(at)) return isoDate;
  return new Date(at).toLocaleDateString(language, { dateStyle: 'medium', timeZone: 'UTC' });
}

export const formatDate = (at: number, language: string): string => new Date(at).toLocaleDateString(language, { dateStyle: 'medium' });

export const formatDateTime = (at: number, language: string): string =>
  new Date(at).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });

export const scopeList = (scopes: readonly ConsentScope[], language: string): string[] => scopes.map((s) => scopeLabel(s, consentLanguage(language)));

const refusals = new Set(['not-granted', 'already-granted', 'no-scope', 'no-change', 'expired', 'bad-expiry', 'in-the-future', 'time-goes-back']);

/** A refused consent change says why in plain words; anything else is the generic text for its code. */
export function consentErrorText(t: TFunction, error: IpcError): string {
  const reason = error.fields?.consent;
  if (error.code === 'invalid-request' && reason && refusals.has(reason)) return t(`register.refused.${reason}`);
  if (error.code === 'bad-request' && error.fields && Object.values(error.fields).includes('no-scope')) return t('register.refused.no-scope');
  return errorText(t, error);
}

/** `YYYY-MM-DD` for a date input, in local time. */
export function toDateInput(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The last millisecond of a local calendar day given as `YYYY-MM-DD`, or null if it is not a date. */
export function endOfDay(isoDate: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return null;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const at = new Date(y, m - 1, d, 23, 59, 59, 999);
  return at.getMonth() === m - 1 ? at.getTime() : null;
}
