// Runs in the renderer: DOM only, no Node.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { SessionStatus, TaskProgress } from '../../../../shared/profiles';
import { useSession } from '../../app/session-context';
import { Button } from '../../components/button';
import { ProgressBar } from '../../components/progress-bar';
import { useToast } from '../../components/toast';
import { clinic, subscribe } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { ChangePassphraseDialog } from './change-passphrase-dialog';

type Unlocked = Extract<SessionStatus, { state: 'unlocked' }>;

function formatBytes(bytes: number, language: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toLocaleString(language, { maximumFractionDigits: 1 })} ${units[unit]}`;
}

/** The signed-in account: lock, passphrase, "remember this computer", and backups. */
export function AccountCard({ status }: Readonly<{ status: Unlocked }>) {
  const { t, i18n } = useTranslation();
  const { apply } = useSession();
  const toast = useToast();
  const [changing, setChanging] = useState(false);
  const [backingUp, setBackingUp] = useState(false);
  const [progress, setProgress] = useState<TaskProgress | null>(null);
  const [rememberBusy, setRememberBusy] = useState(false);
  const { profile, keystore } = status;

  useEffect(() => subscribe('task:progress', (p) => p.task === 'backup' && setProgress(p)), []);

  const lock = async () => {
    const result = await clinic().session.lock({});
    if (result.ok) apply(result.value);
  };

  const backup = async () => {
    setBackingUp(true);
    setProgress(null);
    const result = await clinic().profiles.backup({});
    setBackingUp(false);
    if (result.ok) toast.show('success', t('account.backup.done', { file: result.value.fileName, size: formatBytes(result.value.bytes, i18n.language) }));
    else if (result.error.code !== 'cancelled') toast.show('error', errorText(t, result.error));
  };

  const remember = async (enabled: boolean) => {
    setRememberBusy(true);
    const result = await clinic().profiles['remember-device']({ enabled });
    setRememberBusy(false);
    if (result.ok) apply(result.value);
    else toast.show('error', errorText(t, result.error));
  };

  const { security } = status;
  const clinicRefuses = !security.allowRememberDevice;
  const keystoreNote = clinicRefuses
    ? t(security.source === 'clinic' ? 'account.remember.refusedByClinic' : 'account.remember.notYet')
    : keystore.available
      ? null
      : keystore.reason === 'insecure-backend'
        ? t('account.remember.insecure')
        : t('account.remember.unavailable');
  const preview = { nothing: 'account.security.previewNothing', sender: 'account.security.previewSender', 'sender-and-text': 'account.security.previewText' }[
    security.notificationPreview
  ];

  return (
    <section className="card" aria-labelledby="account-title">
      <div className="card__head">
        <h2 id="account-title">{t('account.title', { name: profile.displayName })}</h2>
        <Button variant="primary" onClick={() => void lock()} aria-keyshortcuts="Control+L">
          {t('account.lock')}
        </Button>
      </div>
      <p className="small muted">{t('account.lockHint', { minutes: security.idleLockMinutes })}</p>

      <section className="applied-security" aria-labelledby="security-title" data-testid="applied-security">
        <h3 id="security-title" className="setting__name">
          {t('account.security.title')}
        </h3>
        <p className="small muted">
          {security.source === 'clinic' ? t('account.security.byClinic', { version: security.policyVersion }) : t('account.security.strictest')}
        </p>
        <ul className="small">
          <li>{t('account.security.idleLock', { minutes: security.idleLockMinutes })}</li>
          <li>{t(security.allowRememberDevice ? 'account.security.rememberAllowed' : 'account.security.rememberRefused')}</li>
          <li>{t(preview)}</li>
          <li>{t(security.patientAttachments ? 'account.security.attachmentsAllowed' : 'account.security.attachmentsRefused')}</li>
        </ul>
      </section>

      <div className="setting">
        <div>
          <p className="setting__name">{t('account.passphrase.title')}</p>
          <p className="small muted">{t('account.passphrase.hint')}</p>
        </div>
        <Button onClick={() => setChanging(true)}>{t('account.passphrase.open')}</Button>
      </div>

      <div className="setting">
        <div>
          <p className="setting__name" id="remember-label">
            {t('account.remember.title')}
          </p>
          <p className="small muted" id="remember-hint">
            {keystoreNote ?? t('account.remember.hint')}
          </p>
        </div>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            aria-labelledby="remember-label"
            aria-describedby="remember-hint"
            checked={profile.remembersDevice}
            disabled={rememberBusy || ((clinicRefuses || !keystore.available) && !profile.remembersDevice)}
            onChange={(event) => void remember(event.target.checked)}
          />
          <span className="switch__track" aria-hidden="true" />
        </label>
      </div>

      <div className="setting">
        <div>
          <p className="setting__name">{t('account.backup.title')}</p>
          <p className="small muted">{t('account.backup.hint')}</p>
        </div>
        <Button onClick={() => void backup()} busy={backingUp}>
          {t('account.backup.open')}
        </Button>
      </div>
      {backingUp && progress ? <ProgressBar label={t('account.backup.progress')} done={progress.done} total={progress.total} /> : null}
      {changing ? <ChangePassphraseDialog displayName={profile.displayName} onClose={() => setChanging(false)} /> : null}
    </section>
  );
}
