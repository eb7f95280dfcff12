// Runs in the portal: later visits. The passphrase opens the vault (Argon2id, then
// XChaCha20-Poly1305); a wrong one is refused in plain words. "Forget this device" erases
// everything this browser holds for the portal.
import { type FormEvent, useId, useState } from 'react';

import { PatientClient, type VaultSecrets } from '../client/patient-client';
import { type DeriveKey } from '../crypto/key-wrap';
import { type PortalSodium } from '../crypto/sodium';
import { type MessageKey } from '../i18n/catalog';
import { type VaultBackend } from '../storage/backend';
import { Vault, VaultError } from '../storage/vault';
import { ConfirmDialog } from './confirm-dialog';
import { useI18n } from './i18n';
import { ScreenHeading } from './screen-heading';
import { FormError } from './form-error';

const nextPaint = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

export function UnlockScreen(props: { readonly sodium: PortalSodium; readonly backend: VaultBackend; readonly derive: DeriveKey; readonly onReady: (client: PatientClient) => void; readonly onForgotten: () => void }) {
  const { t } = useI18n();
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  const [forgetBusy, setForgetBusy] = useState(false);
  const ids = { pass: useId(), error: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    await nextPaint();
    try {
      const vault = await Vault.open<VaultSecrets>(props.sodium, props.backend, passphrase, props.derive);
      props.onReady(await PatientClient.open({ sodium: props.sodium, vault }));
    } catch (caught) {
      setError(caught instanceof VaultError && caught.code === 'wrong-passphrase' ? 'wrongPassphrase' : caught instanceof VaultError ? 'damaged' : 'somethingWrong');
      setBusy(false);
    }
  };

  const forget = async () => {
    setForgetBusy(true);
    try {
      await props.backend.clear();
      setForgetting(false);
      props.onForgotten();
    } finally {
      setForgetBusy(false);
    }
  };

  return (
    <section className="card">
      <ScreenHeading>{t('unlockTitle')}</ScreenHeading>
      <p>{t('unlockIntro')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor={ids.pass}>{t('passphraseLabel')}</label>
          <input
            id={ids.pass}
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
            aria-describedby={error ? ids.error : undefined}
            aria-invalid={error ? true : undefined}
            disabled={busy}
          />
        </div>
        <FormError id={ids.error} text={error ? t(error) : null} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('unlocking') : t('unlock')}
          </button>
          <button type="button" className="link-button" onClick={() => setForgetting(true)} disabled={busy}>
            {t('forgetDevice')}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={forgetting}
        title={t('forgetTitle')}
        confirmLabel={t('forgetConfirm')}
        danger
        busy={forgetBusy}
        onConfirm={() => void forget()}
        onCancel={() => setForgetting(false)}
      >
        <p>{t('forgetBody')}</p>
      </ConfirmDialog>
    </section>
  );
}
