// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import { ToastProvider } from '../components/toast';
import { HomeScreen } from '../features/home/home-screen';
import { AccessScreen } from '../features/profiles/access-screen';
import { PreferencesBar } from './preferences-bar';
import { SessionProvider, useSession } from './session-context';
import { SettingsProvider } from './settings-context';

export function App() {
  const { t } = useTranslation();
  return (
    <ToastProvider>
      <SettingsProvider>
        <SessionProvider>
        <a className="skip-link" href="#main">
          {t('a11y.skipToContent')}
        </a>
        <header className="app-header">
          <div className="brand">
            <img className="brand__mark" src="./logo.svg" alt="" width={32} height={32} />
            <span className="brand__name">{t('app.name')}</span>
          </div>
          <PreferencesBar />
        </header>
        <main id="main" className="app-main" tabIndex={-1}>
          <Screens />
        </main>
        </SessionProvider>
      </SettingsProvider>
    </ToastProvider>
  );
}

/**
 * The unlocked branch is keyed by profile: locking unmounts it, so no state that held
 * profile data survives, and the next unlock starts from nothing.
 */
function Screens() {
  const { t } = useTranslation();
  const { status } = useSession();
  if (!status) return <p className="muted">{t('common.loading')}</p>;
  if (status.state === 'unlocked') return <HomeScreen key={status.profile.id} status={status} />;
  return <AccessScreen lockReason={status.lockReason} lastProfileId={status.lastProfileId} />;
}
