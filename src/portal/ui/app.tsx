// Runs in the portal: which screen is shown. A browser with a vault unlocks it; one without
// enrolls. The header carries the language switch (and "Lock" once unlocked).
import { useEffect, useState } from 'react';

import { type PatientClient } from '../client/patient-client';
import { type DeriveKey } from '../crypto/key-wrap';
import { type PortalSodium } from '../crypto/sodium';
import { type VaultBackend } from '../storage/backend';
import { Vault } from '../storage/vault';
import { EnrollScreen } from './enroll-screen';
import { HomeScreen } from './home-screen';
import { useI18n } from './i18n';
import { UnlockScreen } from './unlock-screen';

export type Boot = {
  readonly sodium: PortalSodium;
  readonly backend: VaultBackend;
  /** Argon2id, in a worker where the browser allows it. */
  readonly derive: DeriveKey;
  readonly wsUrl: string;
  /** A code from the receipt's QR link (`#code=…`), already removed from the address bar. */
  readonly initialCode: string | null;
};

type Phase = { kind: 'checking' } | { kind: 'enroll' } | { kind: 'unlock' } | { kind: 'ready'; client: PatientClient };

export function App({ boot }: { readonly boot: Boot }) {
  const { t } = useI18n();
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });

  useEffect(() => {
    let live = true;
    void Vault.exists(boot.backend).then((exists) => {
      if (live) setPhase(exists ? { kind: 'unlock' } : { kind: 'enroll' });
    });
    return () => {
      live = false;
    };
  }, [boot.backend]);

  const lock = async () => {
    if (phase.kind !== 'ready') return;
    await phase.client.stop();
    setPhase({ kind: 'unlock' });
  };

  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <Header onLock={phase.kind === 'ready' ? () => void lock() : null} />
      <main id="main" tabIndex={-1}>
        {phase.kind === 'checking' ? (
          <p role="status">{t('loading')}</p>
        ) : phase.kind === 'enroll' ? (
          <EnrollScreen sodium={boot.sodium} backend={boot.backend} derive={boot.derive} wsUrl={boot.wsUrl} initialCode={boot.initialCode} onReady={(client) => setPhase({ kind: 'ready', client })} />
        ) : phase.kind === 'unlock' ? (
          <UnlockScreen sodium={boot.sodium} backend={boot.backend} derive={boot.derive} onReady={(client) => setPhase({ kind: 'ready', client })} onForgotten={() => setPhase({ kind: 'enroll' })} />
        ) : (
          <HomeScreen client={phase.client} />
        )}
      </main>
      <footer className="footer">
        <p>{t('notForEmergencies')}</p>
      </footer>
    </>
  );
}

function Header({ onLock }: { readonly onLock: (() => void) | null }) {
  const { t, language, setLanguage } = useI18n();
  return (
    <header className="header">
      <p className="brand">
        <span className="brand-name">{t('appName')}</span> <span className="brand-sub">{t('portalName')}</span>
      </p>
      <div className="header-actions">
        <button type="button" className="secondary small" lang={t('switchLanguageLang')} onClick={() => setLanguage(language === 'en' ? 'fr' : 'en')}>
          {t('switchLanguage')}
        </button>
        {onLock ? (
          <button type="button" className="secondary small" onClick={onLock}>
            {t('lock')}
          </button>
        ) : null}
      </div>
    </header>
  );
}
