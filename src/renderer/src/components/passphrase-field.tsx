// Runs in the renderer: DOM only, no Node.
import { forwardRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { TextField, type TextFieldProps } from './text-field';

/** A passphrase field with a show/hide switch; never spell-checked or auto-filled by the page. */
export const PassphraseField = forwardRef<HTMLInputElement, Omit<TextFieldProps, 'type'>>(function PassphraseField(props, ref) {
  const { t } = useTranslation();
  const [visible, setVisible] = useState(false);
  return (
    <TextField
      {...props}
      ref={ref}
      type={visible ? 'text' : 'password'}
      spellCheck={false}
      autoCapitalize="off"
      autoCorrect="off"
      adornment={
        <button
          type="button"
          className="field__adornment"
          aria-pressed={visible}
          aria-label={visible ? t('passphrase.hideLabel', { field: props.label }) : t('passphrase.showLabel', { field: props.label })}
          onClick={() => setVisible((v) => !v)}
        >
          {visible ? t('passphrase.hide') : t('passphrase.show')}
        </button>
      }
    />
  );
});
