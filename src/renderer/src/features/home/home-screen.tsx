// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import type { SessionStatus } from '../../../../shared/profiles';
import { AccountCard } from '../account/account-card';
import { AboutCard } from '../computer/about-card';
import { ChecksCard } from '../computer/checks-card';
import { DeviceCard } from '../computer/device-card';

/** After unlocking, until the clinic features arrive: the account, and this computer's state. */
export function HomeScreen({ status }: Readonly<{ status: Extract<SessionStatus, { state: 'unlocked' }> }>) {
  const { t } = useTranslation();
  return (
    <div className="welcome">
      <div className="welcome__intro">
        <h1>{t('home.title', { name: status.profile.displayName })}</h1>
        <p>{t('home.intro')}</p>
      </div>
      <div className="welcome__grid">
        <div className="welcome__side">
          <AccountCard status={status} />
          <ChecksCard />
        </div>
        <div className="welcome__side">
          <DeviceCard />
          <AboutCard />
        </div>
      </div>
    </div>
  );
}
