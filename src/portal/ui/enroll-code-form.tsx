// Runs in the portal: the first step of enrolling. The patient types the short code from the
// receipt and their date of birth (day, month by name, year: no format to guess), or arrives
// from the receipt's QR code with the full code already filled in, and then needs nothing
// else. Mistakes are named before anything is sent: which group of the code, which part of
// the date.
import { type FormEvent, useId, useState } from 'react';

import { compactShortCode } from '../../shared/protocol/short-code';
import { type MessageKey } from '../i18n/catalog';
import { FormError } from './form-error';
import { useI18n } from './i18n';

export type CodeEntry = { readonly kind: 'short'; readonly code: string; readonly birthDate: string } | { readonly kind: 'long'; readonly code: string };
export type EntryError = { readonly key: MessageKey; readonly values?: Readonly<Record<string, string | number>>; readonly field: 'code' | 'birth' | null };

/** A compact text longer than a short code is the full code (pasted, or from the QR code). */
const isLong = (text: string): boolean => compactShortCode(text).length > 20;

const MONTHS = { en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'], fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'] };

/** The date the fields say, as YYYY-MM-DD, or the error to show. */
export function birthDateOf(day: string, month: string, year: string, now: Date): { date: string } | { error: MessageKey } {
  if (!day.trim() && !month && !year.trim()) return { error: 'birthMissing' };
  const d = Number(day.trim());
  const m = Number(month);
  const y = Number(year.trim());
  if (!/^\d{1,2}$/.test(day.trim()) || d < 1 || d > 31) return { error: 'birthDay' };
  if (!(m >= 1 && m <= 12)) return { error: 'birthMonth' };
  if (!/^\d{4}$/.test(year.trim()) || y < 1900 || y > now.getUTCFullYear()) return { error: 'birthYear' };
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return { error: 'birthNoSuchDay' };
  if (date.getTime() > now.getTime()) return { error: 'birthYear' };
  return { date: `${String(y)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

export function EnrollCodeForm(props: { readonly initialCode: string | null; readonly busy: boolean; readonly error: EntryError | null; readonly onSubmit: (entry: CodeEntry) => void; readonly onError: (error: EntryError) => void }) {
  const { t, language } = useI18n();
  const [code, setCode] = useState(props.initialCode ?? '');
  const [day, setDay] = useState('');
  const [month, setMonth] = useState('');
  const [year, setYear] = useState('');
  const ids = { code: useId(), codeHint: useId(), codeError: useId(), birth: useId(), birthHint: useId(), birthError: useId(), day: useId(), month: useId(), year: useId() };
  const long = isLong(code);
  const { error } = props;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (props.busy) return;
    if (code.trim() === '') return props.onError({ key: 'codeMissing', field: 'code' });
    if (long) return props.onSubmit({ kind: 'long', code });
    const birth = birthDateOf(day, month, year, new Date());
    if ('error' in birth) return props.onError({ key: birth.error, field: 'birth' });
    props.onSubmit({ kind: 'short', code, birthDate: birth.date });
  };

  const codeInvalid = error?.field === 'code';
  const birthInvalid = error?.field === 'birth';
  return (
    <form onSubmit={submit} noValidate>
      <div className="field code-field">
        <label htmlFor={ids.code}>{t('codeLabel')}</label>
        <p id={ids.codeHint} className="hint">
          {long ? t('codeFromQr') : t('codeHint')}
        </p>
        {long ? (
          <>
            <p className="code-filled" data-testid="code-filled">
              {t('codeFilled')}
            </p>
            <button type="button" className="link-button" onClick={() => setCode('')} disabled={props.busy}>
              {t('codeTypeInstead')}
            </button>
          </>
        ) : (
          <input
            id={ids.code}
            className="code-input"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            autoCapitalize="characters"
            autoCorrect="off"
            spellCheck={false}
            inputMode="text"
            maxLength={40}
            placeholder="XXXX-XXXX-XXXX-XXXX"
            aria-describedby={codeInvalid ? `${ids.codeHint} ${ids.codeError}` : ids.codeHint}
            aria-invalid={codeInvalid ? true : undefined}
            disabled={props.busy}
          />
        )}
        <FormError id={ids.codeError} text={codeInvalid && error ? t(error.key, error.values) : null} />
      </div>
      {long ? null : (
        <fieldset className="field birth-date" aria-describedby={birthInvalid ? `${ids.birthHint} ${ids.birthError}` : ids.birthHint}>
          <legend>{t('birthLabel')}</legend>
          <p id={ids.birthHint} className="hint">
            {t('birthHint')}
          </p>
          <div className="birth-date__parts">
            <div className="birth-date__day">
              <label htmlFor={ids.day}>{t('birthDayLabel')}</label>
              <input id={ids.day} inputMode="numeric" autoComplete="bday-day" maxLength={2} value={day} onChange={(e) => setDay(e.target.value)} aria-invalid={birthInvalid && error?.key === 'birthDay' ? true : undefined} disabled={props.busy} />
            </div>
            <div className="birth-date__month">
              <label htmlFor={ids.month}>{t('birthMonthLabel')}</label>
              <select id={ids.month} autoComplete="bday-month" value={month} onChange={(e) => setMonth(e.target.value)} aria-invalid={birthInvalid && error?.key === 'birthMonth' ? true : undefined} disabled={props.busy}>
                <option value="">{t('birthMonthChoose')}</option>
                {MONTHS[language].map((name, i) => (
                  <option key={name} value={String(i + 1)}>
                    {name}
                  </option>
                ))}
              </select>
            </div>
            <div className="birth-date__year">
              <label htmlFor={ids.year}>{t('birthYearLabel')}</label>
              <input id={ids.year} inputMode="numeric" autoComplete="bday-year" maxLength={4} value={year} onChange={(e) => setYear(e.target.value)} aria-invalid={birthInvalid && error?.key === 'birthYear' ? true : undefined} disabled={props.busy} />
            </div>
          </div>
          <FormError id={ids.birthError} text={birthInvalid && error ? t(error.key, error.values) : null} />
        </fieldset>
      )}
      <FormError text={error && error.field === null ? t(error.key, error.values) : null} />
      {props.busy ? (
        <p className="status" role="status">
          {t('codeChecking')}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={props.busy}>
          {props.busy ? t('working') : t('codeContinue')}
        </button>
      </div>
    </form>
  );
}
