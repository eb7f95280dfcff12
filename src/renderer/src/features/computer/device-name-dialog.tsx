// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { DeviceLabel } from '../../../../shared/settings';
import { useSettings } from '../../app/settings-context';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { errorText } from '../../lib/i18n';

const knownErrors = new Set(['too-short', 'too-long', 'bad-characters']);

/** The field's problem as a catalog key, checked with the same schema main uses. */
function problemOf(value: string): string | null {
  const result = DeviceLabel.safeParse(value);
  if (result.success) return null;
  const code = result.error.issues[0]?.message ?? 'bad-characters';
  return knownErrors.has(code) ? code : 'bad-characters';
}

export function DeviceNameDialog({
  initial,
  onClose,
  onSaved,
}: Readonly<{ initial: string; onClose: () => void; onSaved: () => void }>) {
  const { t } = useTranslation();
  const { update } = useSettings();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState(initial);
  // Errors show once the user has tried to save, then follow each keystroke.
  const [touched, setTouched] = useState(false);
  const [serverProblem, setServerProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const problem = serverProblem ?? (touched ? problemOf(value) : null);

  useEffect(() => input.current?.focus(), []);

  const submit = async () => {
    setTouched(true);
    if (problemOf(value)) {
      input.current?.focus();
      return;
    }
    setSaving(true);
    const result = await update({ deviceLabel: value });
    setSaving(false);
    if (result.ok) {
      onSaved();
      return;
    }
    const fieldCode = result.error.fields?.deviceLabel;
    if (fieldCode && knownErrors.has(fieldCode)) setServerProblem(fieldCode);
    else toast.show('error', errorText(t, result.error));
  };

  return (
    <Dialog
      open
      title={t('device.dialogTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" busy={saving}>
            {t('common.save')}
          </Button>
        </>
      }
    >
      <TextField
        ref={input}
        label={t('device.label')}
        hint={t('device.hint')}
        value={value}
        maxLength={80}
        autoComplete="off"
        spellCheck={false}
        error={problem ? t(`device.errors.${problem}`) : null}
        onChange={(event) => {
          setServerProblem(null);
          setValue(event.target.value);
        }}
      />
    </Dialog>
  );
}
