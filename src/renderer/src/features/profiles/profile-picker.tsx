// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import type { ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/button';

export function ProfilePicker({
  profiles,
  onPick,
  onAdd,
  onRestore,
}: Readonly<{ profiles: readonly ProfileSummary[]; onPick: (p: ProfileSummary) => void; onAdd: () => void; onRestore: () => void }>) {
  const { t, i18n } = useTranslation();
  return (
    <section className="card access-card" aria-labelledby="picker-title">
      <h1 id="picker-title">{t('profiles.picker.title')}</h1>
      <p>{t('profiles.picker.intro')}</p>
      <ul className="profile-list">
        {profiles.map((profile) => (
          <li key={profile.id}>
            <button type="button" className="profile-tile" onClick={() => onPick(profile)}>
              <span className="profile-tile__initial" aria-hidden="true">
                {[...profile.displayName][0]?.toUpperCase() ?? '?'}
              </span>
              <span className="profile-tile__text">
                <span className="profile-tile__name">{profile.displayName}</span>
                <span className="profile-tile__meta">
                  {profile.state === 'damaged'
                    ? t('profiles.picker.damaged')
                    : t('profiles.picker.since', { date: new Date(profile.createdAt).toLocaleDateString(i18n.language) })}
                </span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <div className="actions actions--start">
        <Button onClick={onAdd}>{t('profiles.picker.add')}</Button>
        <Button variant="quiet" onClick={onRestore}>
          {t('profiles.picker.restore')}
        </Button>
      </div>
      <p className="small muted">{t('profiles.picker.privacy')}</p>
    </section>
  );
}
