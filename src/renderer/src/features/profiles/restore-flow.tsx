// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import { DisplayName, type BackupInfo, type TaskProgress } from '../../../../shared/profiles';
import { useSession } from '../../app/session-context';
import { Button } from '../../components/button';
import { PassphraseField } from '../../components/passphrase-field';
import { ProgressBar } from '../../components/progress-bar';
import { TextField } from '../../components/text-field';
import { clinic, subscribe } from '../../lib/api';
import { errorText } from '../../lib/i18n';

/** Restores a backup file into a new profile on this computer. */
export function RestoreFlow({ onCancel }: Readonly<{ onCancel: () => void }>) {
  const { t, i18n } = useTranslation();
  const { apply } = useSession();
  const [backup, setBackup] = useState<BackupInfo | null>(null);
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<TaskProgress | null>(null);
  const passRef = useRef<HTMLInputElement>(null);

  useEffect(() => subscribe('task:progress', (p) => p.task === 'restore' && setProgress(p)), []);

  const choose = async () => {
    setError(null);
    const result = await clinic().profiles['inspect-backup']({});
    if (result.ok) {
      setBackup(result.value);
      setName(result.value.displayName);
    } else if (result.error.code !== 'cancelled') setError(errorText(t, result.error));
  };

  const restore = async () => {
    if (!backup) return;
    const nameOk = DisplayName.safeParse(name).success;
    if (!nameOk || passphrase.length === 0) {
      setProblem(!nameOk ? t('profiles.nameErrors.bad-characters') : t('profiles.unlock.empty'));
      return;
    }
    setBusy(true);
    setProgress(null);
    const result = await clinic().profiles.restore({ token: backup.token, passphrase, displayName: name });
    setBusy(false);
    if (result.ok) return apply(result.value);
    if (result.error.code === 'wrong-passphrase') {
      setProblem(t('profiles.restore.wrongPassphrase'));
      passRef.current?.focus();
    } else setError(errorText(t, result.error));
  };

  return (
    <section className="card access-card" aria-labelledby="restore-title">
      <h1 id="restore-title">{t('profiles.restore.title')}</h1>
      <p>{t('profiles.restore.intro')}</p>
      {error ? (
        <p className="notice notice--warn" role="alert">
          {error}
        </p>
      ) : null}
      {!backup ? (
        <div className="actions actions--start">
          <Button onClick={onCancel}>{t('common.cancel')}</Button>
          <Button variant="primary" onClick={() => void choose()}>
            {t('profiles.restore.choose')}
          </Button>
        </div>
      ) : (
        <form
          className="stack"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void restore();
          }}
        >
          <dl className="facts">
            <dt>{t('profiles.restore.file')}</dt>
            <dd>{backup.fileName}</dd>
            <dt>{t('profiles.restore.made')}</dt>
            <dd>{new Date(backup.createdAt).toLocaleString(i18n.language)}</dd>
          </dl>
          <TextField label={t('profiles.create.name')} value={name} onChange={(event) => setName(event.target.value)} />
          <PassphraseField
            ref={passRef}
            label={t('profiles.restore.passphrase')}
            hint={t('profiles.restore.passphraseHint')}
            value={passphrase}
            autoComplete="current-password"
            error={problem}
            onChange={(event) => {
              setProblem(null);
              setPassphrase(event.target.value);
            }}
          />
          {busy && progress ? <ProgressBar label={t('profiles.restore.progress')} done={progress.done} total={progress.total} /> : null}
          <div className="actions">
            <Button onClick={onCancel} disabled={busy}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" variant="primary" busy={busy}>
              {t('profiles.restore.submit')}
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}
