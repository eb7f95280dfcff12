// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import { ToastProvider } from '../components/toast';
import { WelcomeScreen } from '../features/welcome/welcome-screen';
import { PreferencesBar } from './preferences-bar';
import { SettingsProvider } from './settings-context';

export function App() {
  const { t } = useTranslation();
  return (
    <ToastProvider>
      <SettingsProvider>
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
          <WelcomeScreen />
        </main>
      </SettingsProvider>
    </ToastProvider>
  );
}
