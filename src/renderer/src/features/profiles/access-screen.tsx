// Runs in the renderer: DOM only, no Node.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { LockReason, ProfileSummary } from '../../../../shared/profiles';
import { EmptyState } from '../../components/empty-state';
import { AboutCard } from '../computer/about-card';
import { ChecksCard } from '../computer/checks-card';
import { DeviceCard } from '../computer/device-card';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { CreateProfileForm } from './create-profile-form';
import { DamagedProfile } from './damaged-profile';
import { ProfilePicker } from './profile-picker';
import { RestoreFlow } from './restore-flow';
import { UnlockForm } from './unlock-form';

type View = { kind: 'pick' } | { kind: 'create' } | { kind: 'restore' } | { kind: 'profile'; profile: ProfileSummary };

/**
 * Everything shown while no profile is unlocked: first-run creation, the account picker,
 * unlocking, restoring, and the recovery screen for a damaged profile. It shows nothing
 * but the display names their owners chose.
 */
export function AccessScreen({
  lockReason,
  lastProfileId,
}: Readonly<{ lockReason: LockReason | null; lastProfileId: string | null }>) {
  const { t } = useTranslation();
  const [profiles, setProfiles] = useState<readonly ProfileSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [view, setView] = useState<View>({ kind: 'pick' });

  useEffect(() => {
    let live = true;
    void clinic().profiles.list({}).then((result) => {
      if (!live) return;
      if (!result.ok) return setLoadError(errorText(t, result.error));
      setProfiles(result.value);
      // The profile that was just locked, or the only one: go straight to it, as a lock screen would.
      const first = result.value.find((p) => p.id === lastProfileId) ?? (result.value.length === 1 ? result.value[0] : undefined);
      setView((current) => (current.kind === 'pick' && first ? { kind: 'profile', profile: first } : current));
    });
    return () => {
      live = false;
    };
  }, [t, lastProfileId]);

  if (loadError) return <EmptyState title={t('profiles.loadFailed')} body={loadError} />;
  if (!profiles) return <p className="muted">{t('common.loading')}</p>;
  const back = () => setView({ kind: 'pick' });
  if (profiles.length === 0 && view.kind !== 'restore') {
    // First run: the account to create, and beside it whether this computer is ready.
    return (
      <div className="welcome__grid">
        <div className="stack">
          <CreateProfileForm first />
          <p className="access__alt">
            <button type="button" className="link-button" onClick={() => setView({ kind: 'restore' })}>
              {t('profiles.picker.restore')}
            </button>
          </p>
        </div>
        <div className="welcome__side">
          <ChecksCard />
          <DeviceCard />
          <AboutCard />
        </div>
      </div>
    );
  }
  return (
    <div className="access">
      {view.kind === 'pick' ? (
        <ProfilePicker
          profiles={profiles}
          onPick={(profile) => setView({ kind: 'profile', profile })}
          onAdd={() => setView({ kind: 'create' })}
          onRestore={() => setView({ kind: 'restore' })}
        />
      ) : null}
      {view.kind === 'create' ? <CreateProfileForm first={false} onCancel={back} /> : null}
      {view.kind === 'restore' ? <RestoreFlow onCancel={back} /> : null}
      {view.kind === 'profile' && view.profile.state === 'damaged' ? (
        <DamagedProfile profile={view.profile} onRestore={() => setView({ kind: 'restore' })} onBack={back} />
      ) : null}
      {view.kind === 'profile' && view.profile.state === 'ready' ? (
        <UnlockForm profile={view.profile} lockReason={lockReason} onBack={back} />
      ) : null}
    </div>
  );
}
