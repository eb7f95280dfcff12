// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import type { ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/button';

/** A profile whose files cannot be read: never an empty profile, always the way back. */
export function DamagedProfile({
  profile,
  onRestore,
  onBack,
}: Readonly<{ profile: ProfileSummary; onRestore: () => void; onBack: () => void }>) {
  const { t } = useTranslation();
  return (
    <section className="card access-card" aria-labelledby="damaged-title">
      <h1 id="damaged-title">{t('profiles.damaged.title', { name: profile.displayName })}</h1>
      <p>{t('profiles.damaged.body')}</p>
      <ol className="steps">
        <li>{t('profiles.damaged.stepRestore')}</li>
        <li>{t('profiles.damaged.stepIt')}</li>
      </ol>
      <p className="small muted">{t('profiles.damaged.kept')}</p>
      <div className="actions">
        <Button onClick={onBack}>{t('profiles.unlock.otherAccount')}</Button>
        <Button variant="primary" onClick={onRestore}>
          {t('profiles.damaged.restore')}
        </Button>
      </div>
    </section>
  );
}
