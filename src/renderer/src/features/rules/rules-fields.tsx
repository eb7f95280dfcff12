// Runs in the renderer: the form fields of the clinic's rules screen (a day of opening hours,
// a checkbox, a text area with its hint and error).
import { type TextareaHTMLAttributes, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { type Weekday } from '../../../../shared/protocol/clinic-rules';
import { type DayForm } from './rules-form';

export function DayRow({ day, value, error, onChange }: Readonly<{ day: Weekday; value: DayForm; error: string | null; onChange: (patch: Partial<DayForm>) => void }>) {
  const { t } = useTranslation();
  const id = useId();
  const errorId = error ? `${id}-error` : undefined;
  return (
    <fieldset className={`rules-day${error ? ' rules-day--invalid' : ''}`}>
      <legend className="rules-day__name">{t(`rules.days.${day}`)}</legend>
      <label className="checkbox" htmlFor={`${id}-open`}>
        <input id={`${id}-open`} type="checkbox" checked={value.open} onChange={(e) => onChange({ open: e.target.checked })} />
        <span>{t('rules.hours.open')}</span>
      </label>
      {(['opens', 'closes'] as const).map((which) => (
        <span key={which} className="rules-day__time">
          <label htmlFor={`${id}-${which}`}>{t(`rules.hours.${which}`)}</label>
          <input
            id={`${id}-${which}`}
            type="time"
            className="field__input"
            value={value[which]}
            disabled={!value.open}
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
            onChange={(e) => onChange({ [which]: e.target.value })}
          />
        </span>
      ))}
      {value.open && value.extra.length > 0 ? <p className="muted small rules-day__note">{t('rules.hours.extra', { count: value.extra.length })}</p> : null}
      {error ? (
        <p id={errorId} className="field__error rules-day__note" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

export function Checkbox({ label, hint, checked, onChange }: Readonly<{ label: string; hint?: string; checked: boolean; onChange: (checked: boolean) => void }>) {
  const id = useId();
  return (
    <div className="rules-check">
      <label className="checkbox" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onChange(e.target.checked)} />
        <span>{label}</span>
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint rules-check__hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export type TextAreaProps = Readonly<
  Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onChange' | 'value' | 'className' | 'id'> & {
    label: string;
    hint?: string;
    error?: string | null;
    value: string;
    onChange: (value: string) => void;
  }
>;

export function TextArea({ label, hint, error, value, onChange, ...rest }: TextAreaProps) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      <textarea {...rest} id={id} className="field__input rules-textarea" value={value} aria-invalid={error ? true : undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)} />
      {error ? (
        <p id={`${id}-error`} className="field__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
