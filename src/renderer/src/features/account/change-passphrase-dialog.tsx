// Runs in the renderer: DOM only, no Node.
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { judgePassphrase } from '../../../../shared/passphrase';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { PassphraseField } from '../../components/passphrase-field';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { PassphraseChecklist } from '../profiles/passphrase-checklist';

export function ChangePassphraseDialog({ displayName, onClose }: Readonly<{ displayName: string; onClose: () => void }>) {
  const { t } = useTranslation();
  const toast = useToast();
  const checklistId = useId();
  const currentRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLInputElement>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [currentProblem, setCurrentProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const verdict = judgePassphrase(next, [displayName]);

  useEffect(() => currentRef.current?.focus(), []);

  const submit = async () => {
    setSubmitted(true);
    if (current.length === 0) {
      setCurrentProblem(t('profiles.unlock.empty'));
      return currentRef.current?.focus();
    }
    if (!verdict.ok || confirm !== next) return nextRef.current?.focus();
    setBusy(true);
    const result = await clinic().profiles['change-passphrase']({ current, next });
    setBusy(false);
    if (result.ok) {
      toast.show('success', t('account.passphrase.changed'));
      return onClose();
    }
    if (result.error.code === 'wrong-passphrase' || result.error.code === 'throttled') {
      setCurrentProblem(result.error.code === 'throttled' ? t('profiles.unlock.throttled') : t('account.passphrase.wrongCurrent'));
      setCurrent('');
      currentRef.current?.focus();
    } else toast.show('error', errorText(t, result.error));
  };

  return (
    <Dialog
      open
      title={t('account.passphrase.dialogTitle')}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="primary" busy={busy}>
            {t('account.passphrase.submit')}
          </Button>
        </>
      }
    >
      <div className="stack">
        <p className="small muted">{t('account.passphrase.intro')}</p>
        <PassphraseField
          ref={currentRef}
          label={t('account.passphrase.current')}
          value={current}
          autoComplete="current-password"
          error={currentProblem}
          onChange={(event) => {
            setCurrentProblem(null);
            setCurrent(event.target.value);
          }}
        />
        <PassphraseField
          ref={nextRef}
          label={t('account.passphrase.next')}
          value={next}
          autoComplete="new-password"
          aria-describedby={checklistId}
          error={submitted && !verdict.ok ? t('passphrase.notStrongEnough') : null}
          onChange={(event) => setNext(event.target.value)}
        />
        <PassphraseChecklist id={checklistId} passphrase={next} names={[displayName]} />
        <PassphraseField
          label={t('profiles.create.confirm')}
          value={confirm}
          autoComplete="new-password"
          error={submitted && confirm !== next ? t('passphrase.mismatch') : null}
          onChange={(event) => setConfirm(event.target.value)}
        />
      </div>
    </Dialog>
  );
}
