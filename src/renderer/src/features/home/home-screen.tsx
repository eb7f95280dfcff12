// Runs in the renderer: DOM only, no Node.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { SessionStatus } from '../../../../shared/profiles';
import type { StaffRole } from '../../../../shared/roles';
import { subscribe } from '../../lib/api';
import { AccountCard } from '../account/account-card';
import { ClinicStatusProvider } from '../../app/clinic-context';
import { ClinicEntry } from '../clinic/clinic-entry';
import { AboutCard } from '../computer/about-card';
import { ChecksCard } from '../computer/checks-card';
import { DeviceCard } from '../computer/device-card';
import { ConsentFlow } from '../consent-flow/consent-flow';
import { ReceiptLoader } from '../consent-flow/receipt-loader';
import { InboxScreen } from '../inbox/inbox-screen';
import { NewsletterScreen } from '../notices/newsletter-screen';
import { RegisterScreen } from '../register/register-screen';
import { PeopleScreen } from '../people/people-screen';
import { PortalAlertBanner } from '../portal-check/portal-check';
import { PrivacyScreen } from '../privacy/audit-screen';
import { StepUpProvider } from '../privacy/step-up';
import { RulesScreen } from '../rules/rules-screen';

type Unlocked = Extract<SessionStatus, { state: 'unlocked' }>;
type Tab = 'register' | 'new-consent' | 'conversations' | 'newsletters' | 'rules' | 'people' | 'privacy' | 'account';

function tabsFor(role: StaffRole): readonly Tab[] {
  if (role === 'clinician') return ['conversations', 'account'];
  if (role === 'it-admin') return ['register', 'new-consent', 'newsletters', 'people', 'rules', 'privacy', 'account'];
  return ['register', 'new-consent', 'newsletters', 'account'];
}

/** The account, and this computer's state. */
function AccountTab({ status }: Readonly<{ status: Unlocked }>) {
  return (
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
  );
}

/** One clinic status for every screen of this unlocked account (the branch is keyed by profile). */
export function HomeScreen({ status }: Readonly<{ status: Unlocked }>) {
  return (
    <ClinicStatusProvider>
      <Home status={status} />
    </ClinicStatusProvider>
  );
}

function Home({ status }: Readonly<{ status: Unlocked }>) {
  const { t } = useTranslation();
  if (status.clinicRole === null) {
    return (
      <div className="welcome">
        <div className="welcome__intro">
          <h1>{t('home.title', { name: status.profile.displayName })}</h1>
          <p>{t('home.intro')}</p>
        </div>
        <ClinicEntry displayName={status.profile.displayName} />
        <AccountTab status={status} />
      </div>
    );
  }
  return (
    <StepUpProvider>
      <Workspace status={status} role={status.clinicRole} />
    </StepUpProvider>
  );
}

function Workspace({ status, role }: Readonly<{ status: Unlocked; role: StaffRole }>) {
  const { t } = useTranslation();
  const tabs = tabsFor(role);
  const [tab, setTab] = useState<Tab>(tabs[0] ?? 'account');
  const [flowPatient, setFlowPatient] = useState<string | null>(null);
  const [flowKey, setFlowKey] = useState(0);
  const [receiptId, setReceiptId] = useState<string | null>(null);
  /** A conversation to open, asked for by a click on its notification. */
  const [openRequest, setOpenRequest] = useState<{ patientId: string; at: number } | null>(null);
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  const hasInbox = tabs.includes('conversations');
  useEffect(() => {
    if (!hasInbox) return undefined;
    return subscribe('inbox:open', ({ patientId }) => {
      setTab('conversations');
      setOpenRequest({ patientId, at: Date.now() });
    });
  }, [hasInbox]);

  const select = (next: Tab) => {
    setTab(next);
    setReceiptId(null);
    // A notification's request is served once; coming back to the tab opens nothing by itself.
    setOpenRequest(null);
  };
  const onKey = (event: React.KeyboardEvent, index: number) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length] as Tab;
    select(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <div className="workspace">
      <div className="workspace__header">
        <h1>{t('home.title', { name: status.profile.displayName })}</h1>
        <p className="muted">{t(`flow.roles.${role}`)}</p>
      </div>
      <PortalAlertBanner {...(tabs.includes('rules') ? { onOpenRules: () => select('rules') } : {})} />
      <div role="tablist" aria-label={t('flow.tabsLabel')} className="tabs">
        {tabs.map((id, index) => (
          <button
            key={id}
            ref={(el) => {
              tabRefs.current[id] = el;
            }}
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            className="tabs__tab"
            onClick={() => select(id)}
            onKeyDown={(e) => onKey(e, index)}
          >
            {t(`flow.tabs.${id}`)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabs__panel">
        {tab === 'register' ? (
          receiptId ? (
            <ReceiptLoader recordId={receiptId} onDone={() => setReceiptId(null)} />
          ) : (
            <RegisterScreen
              onNewConsent={(patientId) => {
                setFlowPatient(patientId);
                setFlowKey((k) => k + 1);
                setTab('new-consent');
              }}
              onShowReceipt={(recordId) => setReceiptId(recordId)}
            />
          )
        ) : null}
        {tab === 'new-consent' ? (
          <ConsentFlow
            key={flowKey}
            initialPatientId={flowPatient}
            onDone={() => {
              setFlowPatient(null);
              setFlowKey((k) => k + 1);
              select(tabs.includes('register') ? 'register' : tabs[0] ?? 'account');
            }}
          />
        ) : null}
        {tab === 'conversations' ? <InboxScreen openRequest={openRequest} /> : null}
        {tab === 'newsletters' ? <NewsletterScreen /> : null}
        {tab === 'people' ? <PeopleScreen /> : null}
        {tab === 'rules' ? <RulesScreen /> : null}
        {tab === 'privacy' ? <PrivacyScreen /> : null}
        {tab === 'account' ? <AccountTab status={status} /> : null}
      </div>
    </div>
  );
}
