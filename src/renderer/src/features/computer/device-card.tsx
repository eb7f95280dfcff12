// Runs in the renderer: DOM only, no Node.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { useSettings } from '../../app/settings-context';
import { Button } from '../../components/button';
import { useToast } from '../../components/toast';
import { DeviceNameDialog } from './device-name-dialog';

export function DeviceCard() {
  const { t } = useTranslation();
  const { settings } = useSettings();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const label = settings?.deviceLabel ?? null;

  return (
    <section className="card" aria-labelledby="device-title">
      <div className="card__head">
        <h2 id="device-title">{t('device.title')}</h2>
        <Button variant={label ? 'secondary' : 'primary'} onClick={() => setEditing(true)} disabled={!settings}>
          {label ? t('device.rename') : t('device.name')}
        </Button>
      </div>
      <dl className="facts">
        <dt>{t('device.label')}</dt>
        <dd data-testid="device-label">{label ?? <span className="muted">{t('device.none')}</span>}</dd>
      </dl>
      <p className="muted small">{t('device.hint')}</p>
      {editing ? (
        <DeviceNameDialog
          initial={label ?? ''}
          onClose={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            toast.show('success', t('device.saved'));
          }}
        />
      ) : null}
    </section>
  );
}
