// Runs in the portal: the conversation, the emergency notice (always on screen with the
// composer), when the clinic usually answers (from its signed hours, via replyDueAt), the
// topics that need a visit or a call, and the composer. Clinic messages on screen are
// marked read, which sends the "read" receipt.
import { type FormEvent, Fragment, useEffect, useId, useMemo, useState } from 'react';

import { replyDueAt } from '../../shared/clinic-hours';
import { endSentence, formatResponseTime } from '../../shared/consent/consent-format';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { createTriageMatcher } from '../../shared/triage/matcher';
import { type PatientClient, type PortalMessage, PortalError, type PortalSnapshot } from '../client/patient-client';
import { type MessageKey } from '../i18n/catalog';
import { formatWhen, useI18n } from './i18n';
import { EmergencyCall } from './emergency-call';
import { FormError } from './form-error';
import { OutOfHoursNotice } from './out-of-hours-notice';
import { TriageDialog } from './triage-dialog';
import { ComposeFiles, MessageFiles, refusalKey } from './files-ui';
import { type PreparedFile } from './file-prepare';

const stateKey: Record<Exclude<PortalMessage['state'], 'received'>, MessageKey> = {
  queued: 'stateQueued',
  sent: 'stateSent',
  delivered: 'stateDelivered',
  read: 'stateRead',
  failed: 'stateFailed',
};

export function EmergencyNotice({ rules }: { readonly rules: ClinicRules | null }) {
  const { t } = useI18n();
  const headingId = useId();
  return (
    <section className="emergency" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('emergencyTitle')}</h2>
      {rules ? <EmergencyCall rules={rules} /> : null}
      <p>
        <strong>{t('notForEmergencies')}</strong> {t('emergencyNeverWait')}
      </p>
      {rules?.emergency.otherAdvice ? <p>{rules.emergency.otherAdvice}</p> : null}
    </section>
  );
}


function ReplyTime({ rules }: { readonly rules: ClinicRules }) {
  const { t, language } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const due = replyDueAt(now, rules);
  return (
    <div className="reply-time" data-testid="reply-time">
      {due !== null ? <p className="reply-by">{endSentence(t('replyBy', { when: formatWhen(due, language) }))}</p> : null}
      <p className="hint">{due !== null ? t('replyPromise') : formatResponseTime(rules.responseTimeBusinessHours, language)}</p>
    </div>
  );
}

function InPersonTopics({ rules }: { readonly rules: ClinicRules }) {
  const { t } = useI18n();
  const headingId = useId();
  if (rules.inPersonTopics.length === 0) return null;
  return (
    <section className="in-person" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('inPersonTitle')}</h2>
      <p>{t('inPersonIntro', { phone: rules.phone })}</p>
      <ul>
        {rules.inPersonTopics.map((topic) => (
          <li key={topic}>{topic}</li>
        ))}
      </ul>
    </section>
  );
}

function MessageItem({ message, client }: { readonly message: PortalMessage; readonly client: PatientClient }) {
  const { t, language } = useI18n();
  const status = message.state === 'received' ? null : message.state === 'failed' ? t(message.failure === 'no-consent' ? 'failedNoConsent' : 'failedOther') : t(stateKey[message.state]);
  return (
    <li className={message.outgoing ? 'message mine' : 'message theirs'} data-testid="message" data-state={message.state}>
      <p className="message-meta">
        <span className="sender">{message.outgoing ? t('you') : t('clinic')}</span>
        <span aria-hidden="true"> · </span>
        <time dateTime={new Date(message.sentAt).toISOString()}>{formatWhen(message.sentAt, language, false)}</time>
        {message.urgent ? (
          <>
            <span aria-hidden="true"> · </span>
            <strong className="urgent-mark">{t('markedUrgent')}</strong>
          </>
        ) : null}
      </p>
      {message.sentInError ? (
        <p className="message-body sent-in-error" data-testid="sent-in-error">
          {t('sentInError')}
        </p>
      ) : (
        <>
          {message.body ? <p className="message-body">{message.body}</p> : null}
          <MessageFiles client={client} message={message} />
        </>
      )}
      {status ? (
        <p className={message.state === 'failed' ? 'message-state failed' : 'message-state'} data-testid="message-state">
          {status}
        </p>
      ) : null}
    </li>
  );
}

export function MessagesView({ client, snapshot }: { readonly client: PatientClient; readonly snapshot: PortalSnapshot }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<MessageKey | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [files, setFiles] = useState<readonly PreparedFile[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [sending, setSending] = useState(false);
  const ids = { conversation: useId(), compose: useId(), composeHint: useId(), error: useId() };
  // What the patient agreed to: its hours, emergency advice and promise.
  const rules = snapshot.rules;
  const canWrite = client.canWrite();
  const [triage, setTriage] = useState<'closed' | 'open' | 'changing'>('closed');
  const [composer, setComposer] = useState<HTMLTextAreaElement | null>(null);
  const matcher = useMemo(() => (rules ? createTriageMatcher(rules.urgentSigns) : null), [rules]);
  // The care conversation only: reminders and newsletters have their own list.
  const conversation = useMemo(() => snapshot.messages.filter((m) => m.scope === undefined && m.retracts === undefined), [snapshot.messages]);

  // Messages on screen while the page is visible count as read.
  useEffect(() => {
    const markVisible = () => {
      if (document.visibilityState !== 'visible') return;
      const unread = conversation.filter((m) => !m.outgoing && !m.readSent).map((m) => m.messageId);
      if (unread.length > 0) void client.markRead(unread);
    };
    markVisible();
    document.addEventListener('visibilitychange', markVisible);
    return () => document.removeEventListener('visibilitychange', markVisible);
  }, [client, conversation]);

  const send = async (urgent: boolean) => {
    setSending(true);
    setError(null);
    setFileError(null);
    try {
      const total = files.reduce((n, f) => n + f.size, 0);
      await client.send(draft, { urgent, files, ...(files.length > 0 ? { onProgress: (done: number) => setProgress(Math.round((done / Math.max(1, total)) * 100)) } : {}) });
      setDraft('');
      for (const f of files) if (f.preview) URL.revokeObjectURL(f.preview);
      setFiles([]);
    } catch (caught) {
      const code = caught instanceof PortalError ? caught.code : null;
      if (caught instanceof PortalError && code === 'file' && caught.file) {
        const rules = client.attachments().rules;
        setFileError(t(refusalKey(caught.file), { name: files[0]?.name ?? '', size: rules.maxMegabytes, count: rules.perMessage }));
      } else if (code === 'offline' && files.length > 0) {
        setFileError(t('fileOffline'));
      } else {
        setError(code === 'empty' ? 'composeEmpty' : code === 'too-long' ? 'composeTooLong' : code === 'no-consent' ? 'composeStopped' : code === 'not-ready' ? 'composeNotReady' : 'somethingWrong');
      }
    } finally {
      setSending(false);
      setProgress(null);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (sending || triage === 'open') return;
    if (draft.trim() === '' && files.length > 0) {
      void send(false);
      return;
    }
    // The signs of an emergency stop the send first (the relay never sees the text).
    if (matcher?.check(draft).urgent) {
      setTriage('open');
      return;
    }
    void send(false);
  };

  return (
    <div className="messages-view">
      <EmergencyNotice rules={rules} />
      <section className="conversation" aria-labelledby={ids.conversation}>
        <h2 id={ids.conversation}>{t('conversationTitle')}</h2>
        {conversation.length === 0 ? <p className="hint">{t('conversationEmpty')}</p> : null}
        <div role="log" aria-labelledby={ids.conversation}>
          <ol className="message-list">
            {conversation.map((m) => (
              <Fragment key={m.messageId}>
                <MessageItem message={m} client={client} />
                {m.outgoing && m.outOfHours ? <OutOfHoursNotice notice={m.outOfHours} rules={rules} /> : null}
              </Fragment>
            ))}
          </ol>
        </div>
      </section>
      <section className="compose" aria-labelledby={ids.compose}>
        <h2 id={ids.compose}>{t('composeTitle')}</h2>
        {rules && canWrite ? <ReplyTime rules={rules} /> : null}
        {rules ? (
          <p className="emergency-short" data-testid="emergency-short">
            {t('emergencyShort', { number: rules.emergency.number })}
          </p>
        ) : null}
        {canWrite ? (
          <form onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor={`${ids.compose}-text`}>{t('composeLabel')}</label>
              <p id={ids.composeHint} className="hint">
                {t('composeHint')}
              </p>
              <textarea
                ref={setComposer}
                id={`${ids.compose}-text`}
                rows={4}
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                aria-describedby={error ? `${ids.composeHint} ${ids.error}` : ids.composeHint}
                aria-invalid={error ? true : undefined}
              />
            </div>
            <ComposeFiles client={client} files={files} onFiles={setFiles} onError={setFileError} disabled={sending} />
            <FormError id={ids.error} text={error ? t(error) : fileError} />
            {progress !== null ? (
              <p className="hint" role="status" data-testid="upload-progress">
                {t('filesUploading', { percent: progress })}
              </p>
            ) : null}
            <div className="actions">
              <button type="submit" className="primary" disabled={sending}>
                {sending ? t('sending') : t('send')}
              </button>
            </div>
          </form>
        ) : (
          <p className="notice" role="status">
            {t('composeStopped')}
          </p>
        )}
      </section>
      {rules ? <InPersonTopics rules={rules} /> : null}
      {rules ? (
        <TriageDialog
          open={triage === 'open'}
          rules={rules}
          onChange={() => setTriage('changing')}
          onClosed={() => {
            // Back to the message to change it; after "Send it anyway", the focus stays put.
            if (triage === 'changing') composer?.focus();
            setTriage('closed');
          }}
          onSendAnyway={() => {
            setTriage('closed');
            void send(true);
          }}
        />
      ) : null}
    </div>
  );
}

/** Appointment reminders and the clinic's newsletters: a list of their own, read-only, newest first. */
export function RemindersView({ client, snapshot }: { readonly client: PatientClient; readonly snapshot: PortalSnapshot }) {
  const { t, language } = useI18n();
  const headingId = useId();
  const notices = useMemo(() => snapshot.messages.filter((m) => m.scope !== undefined).sort((a, b) => b.sentAt - a.sentAt), [snapshot.messages]);
  useEffect(() => {
    if (document.visibilityState !== 'visible') return;
    const unread = notices.filter((m) => !m.readSent).map((m) => m.messageId);
    if (unread.length > 0) void client.markRead(unread);
  }, [client, notices]);
  return (
    <section className="reminders-view" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('remindersTitle')}</h2>
      <p className="hint">{t('remindersIntro')}</p>
      {notices.length === 0 ? (
        <p className="hint">{t('remindersEmpty')}</p>
      ) : (
        <ul className="notices">
          {notices.map((m) => (
            <li key={m.messageId} className={`notice notice-${m.scope ?? 'reminders'}`} data-testid="notice">
              <p className="notice-kind">
                <strong>{t(m.scope === 'newsletters' ? 'noticeNewsletter' : 'noticeReminder')}</strong> · <time dateTime={new Date(m.sentAt).toISOString()}>{formatWhen(m.sentAt, language)}</time>
              </p>
              <p className="notice-body">{m.body}</p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
