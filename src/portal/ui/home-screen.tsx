// Runs in the portal: the unlocked portal. Two sections (the conversation, and the consent
// the patient gave), the connection state, and problems the client found.
import { useEffect, useState, useSyncExternalStore } from 'react';

import { type PatientClient } from '../client/patient-client';
import { useI18n } from './i18n';
import { MessagesView, RemindersView } from './messages-view';
import { ScreenHeading } from './screen-heading';
import { TermsView } from './terms-view';

type Tab = 'messages' | 'reminders' | 'terms';

export function HomeScreen({ client }: { readonly client: PatientClient }) {
  const { t } = useI18n();
  const snapshot = useSyncExternalStore(
    (listener) => client.subscribe(listener),
    () => client.snapshot(),
  );
  const [tab, setTab] = useState<Tab>('messages');

  useEffect(() => {
    client.start();
    const online = () => client.reconnectNow();
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  }, [client]);

  const rules = snapshot.rules;
  const unreadNotices = snapshot.messages.filter((m) => m.scope !== undefined && !m.readSent).length;
  const connection = snapshot.connection === 'online' ? 'connectionOnline' : snapshot.connection === 'connecting' ? 'connectionConnecting' : 'connectionOffline';

  return (
    <div className="home">
      <div className="home-top">
        <ScreenHeading>{rules?.clinicName ?? t('portalName')}</ScreenHeading>
        <p className={`connection ${snapshot.connection}`} role="status" data-testid="connection">
          {t(connection)}
        </p>
        {rules ? <p className="hint">{t('clinicPhone', { phone: rules.phone })}</p> : null}
      </div>
      {snapshot.problem ? (
        <p className="alert" role="alert">
          {t(snapshot.problem === 'removed' ? 'problemRemoved' : 'problemUntrusted')}
        </p>
      ) : null}
      <nav aria-label={t('navLabel')} className="tabs">
        <ul>
          {(['messages', 'reminders', 'terms'] as const).map((id) => (
            <li key={id}>
              <button type="button" aria-current={tab === id ? 'page' : undefined} onClick={() => setTab(id)}>
                {t(id === 'messages' ? 'tabMessages' : id === 'reminders' ? 'tabReminders' : 'tabTerms')}
                {id === 'reminders' && unreadNotices > 0 ? <span className="tab-count"> ({unreadNotices})</span> : null}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'messages' ? <MessagesView client={client} snapshot={snapshot} /> : tab === 'reminders' ? <RemindersView client={client} snapshot={snapshot} /> : <TermsView client={client} snapshot={snapshot} />}
    </div>
  );
}
