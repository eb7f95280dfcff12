// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import { AboutCard } from './about-card';
import { ChecksCard } from './checks-card';
import { DeviceCard } from './device-card';

/** The first screen: what this installation is, whether the computer is ready, and its name. */
export function WelcomeScreen() {
  const { t } = useTranslation();
  return (
    <div className="welcome">
      <div className="welcome__intro">
        <h1>{t('welcome.title')}</h1>
        <p className="lead">{t('app.tagline')}</p>
        <p>{t('welcome.intro')}</p>
      </div>
      <div className="welcome__grid">
        <ChecksCard />
        <div className="welcome__side">
          <DeviceCard />
          <AboutCard />
        </div>
      </div>
    </div>
  );
}
