// Runs in the renderer: DOM only, no Node.
import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { judgePassphrase } from '../../../../shared/passphrase';
import { DisplayName } from '../../../../shared/profiles';
import { useSession } from '../../app/session-context';
import { Button } from '../../components/button';
import { PassphraseField } from '../../components/passphrase-field';
import { TextField } from '../../components/text-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { PassphraseChecklist } from './passphrase-checklist';

/** First run, or "Add another account on this computer". */
export function CreateProfileForm({ first, onCancel }: Readonly<{ first: boolean; onCancel?: () => void }>) {
  const { t } = useTranslation();
  const { apply } = useSession();
  const toast = useToast();
  const checklistId = useId();
  const nameRef = useRef<HTMLInputElement>(null);
  const passRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);

  const nameProblem = (() => {
    const result = DisplayName.safeParse(name);
    return result.success ? null : (result.error.issues[0]?.message ?? 'bad-characters');
  })();
  const verdict = judgePassphrase(passphrase, [name]);
  const confirmProblem = confirm !== passphrase ? 'mismatch' : null;

  const submit = async () => {
    setSubmitted(true);
    if (nameProblem) return nameRef.current?.focus();
    if (!verdict.ok || confirmProblem) return passRef.current?.focus();
    setBusy(true);
    const result = await clinic().profiles.create({ displayName: name, passphrase });
    setBusy(false);
    if (result.ok) apply(result.value);
    else toast.show('error', errorText(t, result.error));
  };

  return (
    <form
      className="card access-card"
      aria-labelledby="create-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h1 id="create-title">{first ? t('profiles.create.firstTitle') : t('profiles.create.title')}</h1>
      <p>{t('profiles.create.intro')}</p>
      <TextField
        ref={nameRef}
        label={t('profiles.create.name')}
        hint={t('profiles.create.nameHint')}
        value={name}
        autoComplete="off"
        maxLength={60}
        error={submitted && nameProblem ? t(`profiles.nameErrors.${nameProblem}`) : null}
        onChange={(event) => setName(event.target.value)}
      />
      <PassphraseField
        ref={passRef}
        label={t('profiles.create.passphrase')}
        hint={t('profiles.create.passphraseHint')}
        value={passphrase}
        autoComplete="new-password"
        aria-describedby={checklistId}
        error={submitted && !verdict.ok ? t('passphrase.notStrongEnough') : null}
        onChange={(event) => setPassphrase(event.target.value)}
      />
      <PassphraseChecklist id={checklistId} passphrase={passphrase} names={[name]} />
      <PassphraseField
        label={t('profiles.create.confirm')}
        value={confirm}
        autoComplete="new-password"
        error={submitted && confirmProblem ? t('passphrase.mismatch') : null}
        onChange={(event) => setConfirm(event.target.value)}
      />
      <p className="notice">{t('profiles.create.noBackDoor')}</p>
      <div className="actions">
        {onCancel ? <Button onClick={onCancel}>{t('common.cancel')}</Button> : null}
        <Button type="submit" variant="primary" busy={busy}>
          {busy ? t('profiles.create.creating') : t('profiles.create.submit')}
        </Button>
      </div>
    </form>
  );
}
