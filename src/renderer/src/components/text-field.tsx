// Runs in the renderer: DOM only, no Node.
import { type InputHTMLAttributes, type ReactNode, forwardRef, useId } from 'react';

export type TextFieldProps = Readonly<
  Omit<InputHTMLAttributes<HTMLInputElement>, 'className' | 'id'> & {
    label: string;
    hint?: string;
    /** Shown under the field and announced; marks the field invalid. */
    error?: string | null;
    /** A control drawn inside the field, at its end (e.g. show/hide). */
    adornment?: ReactNode;
  }
>;

export const TextField = forwardRef<HTMLInputElement, TextFieldProps>(function TextField(
  { label, hint, error, adornment, 'aria-describedby': extraDescribedBy, ...rest },
  ref,
) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId, extraDescribedBy].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className={adornment ? 'field__control field__control--adorned' : 'field__control'}>
        <input
          {...rest}
          ref={ref}
          id={id}
          className="field__input"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
        {adornment}
      </div>
      {error ? (
        <p id={errorId} className="field__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
});
