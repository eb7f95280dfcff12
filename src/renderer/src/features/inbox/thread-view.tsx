// Runs in the renderer: DOM only, no Node.
// One conversation: who the patient is and what they consented to, the messages (the latest
// page, earlier ones on demand) with their delivery states, and the composer. Refetches when
// main reports a change, keeping the scroll position and whatever is being typed.
import { type JSX, type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { AttachmentView, TeamNote, TeamView, Thread, ThreadMessage } from '../../../../shared/inbox';
import type { IpcError } from '../../../../shared/ipc/errors';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { Button } from '../../components/button';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { LoadFailed } from './load-failed';
import { ConsentChip, ReplyClockChip, useClockText } from './chips';
import { Composer } from './composer';
import { birthDate, mergeMessages, patientLabel, prependMessages, shortTime, upsertMessage } from './format';
import { useDraft } from './use-draft';
import { useNow } from './use-now';
import { AssignmentControl, HandledControl, TeamNoteItem } from './team';
import { MessageFiles } from './attachments';
import { SentInErrorDialog } from './sent-in-error';

const pageSize = 50;
/** Within this distance of the bottom, new messages keep the view at the bottom. */
const stickToBottomPx = 80;
/** How often an open thread looks for receipts while a reply is not yet read. */
const receiptPollMs = 15_000;

type Load = { readonly state: 'loading' } | { readonly state: 'ready'; readonly thread: Thread; readonly skew: number } | { readonly state: 'failed'; readonly error: IpcError };
type ScrollIntent = 'none' | 'bottom' | 'keep-distance-from-bottom';

export type ThreadViewProps = Readonly<{
  patientId: string;
  rules: ClinicRules | null;
  /** The care team (who can take the conversation); null until loaded. */
  team: TeamView | null;
  /** Bumped when main reports that messages, receipts or consents changed. */
  changes: number;
  headingRef: RefObject<HTMLHeadingElement | null>;
  /** Move the focus to the patient's name once the conversation is on screen. */
  focusHeading: boolean;
  onBackToList: () => void;
}>;

export function ThreadView({ patientId, rules, team, changes, headingRef, focusHeading, onBackToList }: ThreadViewProps): JSX.Element {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const clockText = useClockText();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [messages, setMessages] = useState<readonly ThreadMessage[]>([]);
  /** Whether there is more before the earliest message loaded with "show earlier"; null until used. */
  const [olderHasMore, setOlderHasMore] = useState<boolean | null>(null);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [refetches, setRefetches] = useState(0);
  const [retries, setRetries] = useState(0);
  const draft = useDraft(patientId);
  /** The message being marked "sent in error", while its dialog is open. */
  const [inError, setInError] = useState<ThreadMessage | null>(null);
  /** Files attached in the composer and not sent yet (kept encrypted by main meanwhile). */
  // The thread is keyed by conversation: another conversation starts with no file attached.
  const [staged, setStaged] = useState<readonly AttachmentView[]>([]);
  const { loadDraft } = draft;
  const textareaRef = useRef<HTMLTextAreaElement>(null);

  const latest = useRef(0);
  const marking = useRef(false);
  const scroller = useRef<HTMLDivElement>(null);
  const scrollIntent = useRef<ScrollIntent>('bottom');
  const distanceFromBottom = useRef(0);

  const refetch = useCallback(() => setRefetches((n) => n + 1), []);

  useEffect(() => {
    const ticket = ++latest.current;
    void clinic().inbox.thread({ patientId, limit: pageSize }).then((result) => {
      if (ticket !== latest.current) return;
      if (!result.ok) {
        setLoad((current) => (current.state === 'ready' ? current : { state: 'failed', error: result.error }));
        return;
      }
      const thread = result.value;
      const el = scroller.current;
      const atBottom = !el || el.scrollHeight - el.scrollTop - el.clientHeight < stickToBottomPx;
      if (atBottom) scrollIntent.current = 'bottom';
      setMessages((current) => mergeMessages(current, thread.messages, thread.hasMore));
      loadDraft(thread.draft);
      setLoad({ state: 'ready', thread, skew: thread.now - Date.now() });
      // Opening a conversation (or reading it as messages arrive) marks the patient's messages read.
      if (thread.conversation.unread > 0 && !marking.current && document.visibilityState === 'visible') {
        marking.current = true;
        void clinic().inbox['mark-read']({ patientId }).then((marked) => {
          marking.current = false;
          if (!marked.ok) toast.show('error', `${t('inbox.thread.markReadFailed')} ${errorText(t, marked.error)}`);
        });
      }
    });
  }, [patientId, changes, refetches, retries, loadDraft, toast, t]);

  const focused = useRef(false);
  useEffect(() => {
    if (load.state !== 'ready' || !focusHeading || focused.current) return;
    focused.current = true;
    headingRef.current?.focus();
  }, [load.state, focusHeading, headingRef]);

  // Keep the view where the reader left it: at the bottom for new messages, in place for earlier ones.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (scrollIntent.current === 'bottom') {
      el.scrollTop = el.scrollHeight;
      // Messages laid out lazily (content-visibility) may change the height once painted.
      requestAnimationFrame(() => {
        el.scrollTop = el.scrollHeight;
      });
    }
    else if (scrollIntent.current === 'keep-distance-from-bottom') el.scrollTop = el.scrollHeight - distanceFromBottom.current;
    scrollIntent.current = 'none';
  }, [messages, load.state]);

  const thread = load.state === 'ready' ? load.thread : null;
  const pending = messages.filter((m) => m.mine && m.state === 'pending' && m.sendAt !== null);
  const localNow = useNow(pending.length > 0 ? 250 : 20_000);
  const now = localNow + (load.state === 'ready' ? load.skew : 0);

  // When an undo window closes, look again so the message shows as sent even without an event.
  const nextSendAt = pending.reduce<number | null>((soonest, m) => (m.sendAt !== null && (soonest === null || m.sendAt < soonest) ? m.sendAt : soonest), null);
  const skew = load.state === 'ready' ? load.skew : 0;
  useEffect(() => {
    if (nextSendAt === null) return;
    const timer = window.setTimeout(refetch, Math.max(0, nextSendAt - (Date.now() + skew)) + 1000);
    return () => window.clearTimeout(timer);
  }, [nextSendAt, skew, refetch]);

  // Receipts can arrive without any other change: while a reply is not yet read, look again now and then.
  const awaitingReceipt = messages.some((m) => !m.fromPatient && (m.state === 'queued' || m.state === 'sent' || m.state === 'delivered'));
  useEffect(() => {
    if (!awaitingReceipt) return;
    const timer = window.setInterval(refetch, receiptPollMs);
    return () => window.clearInterval(timer);
  }, [awaitingReceipt, refetch]);

  const loadEarlier = async () => {
    const first = messages[0];
    if (!first || loadingEarlier) return;
    setLoadingEarlier(true);
    const result = await clinic().inbox.thread({ patientId, before: first.messageId, limit: pageSize });
    setLoadingEarlier(false);
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    const el = scroller.current;
    distanceFromBottom.current = el ? el.scrollHeight - el.scrollTop : 0;
    scrollIntent.current = 'keep-distance-from-bottom';
    setMessages((current) => prependMessages(current, result.value.messages));
    setOlderHasMore(result.value.hasMore);
    // The button goes away with the last page: the focus stays with the messages.
    if (!result.value.hasMore) requestAnimationFrame(() => scroller.current?.focus());
  };

  const undo = async (message: ThreadMessage) => {
    const result = await clinic().inbox.undo({ messageId: message.messageId });
    if (!result.ok) {
      toast.show('error', errorText(t, result.error));
    } else if (result.value.undone) {
      setMessages((current) => current.filter((m) => m.messageId !== message.messageId));
      const typed = draft.textRef.current;
      draft.setText(typed.trim() === '' ? result.value.body : `${result.value.body}\n\n${typed}`);
      const back = result.value.attachments;
      if (back.length > 0) setStaged((current) => [...current, ...back]);
      toast.show('info', t('inbox.thread.undone'));
      textareaRef.current?.focus();
    } else {
      toast.show('info', t('inbox.thread.tooLate'));
    }
    // main says "inbox:changed" after each of these: the list and the thread load again once.
  };

  const retry = async (message: ThreadMessage) => {
    const result = await clinic().inbox.retry({ messageId: message.messageId });
    if (!result.ok) return toast.show('error', errorText(t, result.error));
    setMessages((current) => upsertMessage(current, result.value));
  };

  const onSent = (message: ThreadMessage) => {
    scrollIntent.current = 'bottom';
    setMessages((current) => upsertMessage(current, message));
  };

  if (load.state === 'loading') {
    return (
      <div className="inbox-thread inbox-thread--loading">
        <p role="status" className="inbox-thread__status">
          <span className="spinner" aria-hidden="true" /> {t('inbox.thread.loading')}
        </p>
      </div>
    );
  }
  if (load.state === 'failed' || !thread) {
    return (
      <div className="inbox-thread inbox-thread--failed">
        <LoadFailed
          what={t('inbox.thread.loadFailed')}
          error={load.state === 'failed' ? load.error : null}
          onRetry={() => {
            setLoad({ state: 'loading' });
            setRetries((n) => n + 1);
          }}
        />
      </div>
    );
  }

  const conversation = thread.conversation;
  const name = patientLabel(conversation, (key, values) => t(key, { ...values }));
  const clock = clockText(conversation, now, rules);
  const hasMore = olderHasMore ?? thread.hasMore;

  return (
    <div
      className="inbox-thread"
      onKeyDown={(event) => {
        // Escape in an open dialog (a photo enlarged, a PDF) closes that dialog, not the conversation.
        if (event.key === 'Escape' && !event.defaultPrevented && !(event.target instanceof Element && event.target.closest('dialog'))) {
          event.preventDefault();
          onBackToList();
        }
      }}
    >
      <header className="inbox-thread__head">
        <div className="inbox-thread__who">
          <h3 ref={headingRef} tabIndex={-1} className={conversation.name ? 'inbox-thread__name' : 'inbox-thread__name inbox-thread__name--unnamed'}>
            {name}
          </h3>
          <p className="inbox-thread__facts">
            {conversation.dateOfBirth ? <span>{t('inbox.thread.born', { date: birthDate(conversation.dateOfBirth, i18n.language) })}</span> : null}
            {!conversation.enrolled ? <span>{t('inbox.row.notConnected')}</span> : null}
          </p>
        </div>
        <div className="inbox-thread__chips">
          <ConsentChip consent={conversation.consent} withDate />
          {clock ? (
            <ReplyClockChip
              text={clock.detail ? `${clock.text} · ${clock.detail}` : clock.text}
              tone={clock.chip.tone}
              title={rules ? t('inbox.clock.promise', { hours: String(rules.responseTimeBusinessHours) }) : undefined}
            />
          ) : null}
        </div>
        <div className="inbox-thread__team">
          <AssignmentControl conversation={conversation} team={team} onChanged={refetch} />
          <HandledControl conversation={conversation} patientName={name} onChanged={refetch} />
        </div>
      </header>

      <div ref={scroller} className="inbox-thread__scroll" role="region" aria-label={t('inbox.thread.messages', { name })} tabIndex={0}>
        {hasMore && messages.length > 0 ? (
          <div className="inbox-thread__earlier">
            <Button variant="quiet" busy={loadingEarlier} onClick={() => void loadEarlier()}>
              {t('inbox.thread.loadEarlier')}
            </Button>
          </div>
        ) : null}
        {messages.length === 0 ? (
          <p className="inbox-thread__none">{t('inbox.thread.noMessages')}</p>
        ) : (
          <ol className="inbox-messages">
            {interleave(messages, thread.team, hasMore).map((item) =>
              'kind' in item ? (
                <TeamNoteItem key={item.eventId} note={item} now={now} />
              ) : (
                <MessageItem key={item.messageId} message={item} patientName={name} now={now} onUndo={undo} onRetry={retry} onMarkError={setInError} />
              ),
            )}
          </ol>
        )}
      </div>

      {inError ? (
        <SentInErrorDialog
          patientId={patientId}
          message={inError}
          onClose={(marked) => {
            setInError(null);
            if (marked) refetch();
          }}
        />
      ) : null}
      <Composer
        patientId={patientId}
        patientName={name}
        thread={thread}
        rules={rules}
        draft={draft}
        textareaRef={textareaRef}
        staged={staged}
        onStaged={setStaged}
        onSent={onSent}
        onRefused={refetch}
      />
    </div>
  );
}

/** Messages and the team's marks in time order; marks before the first message loaded wait for that page. */
function interleave(messages: readonly ThreadMessage[], notes: readonly TeamNote[], hasMore: boolean): (ThreadMessage | TeamNote)[] {
  const first = hasMore ? (messages[0]?.sentAt ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY;
  const shown = notes.filter((n) => n.at >= first);
  const items: (ThreadMessage | TeamNote)[] = [];
  let i = 0;
  for (const message of messages) {
    while (i < shown.length && (shown[i] as TeamNote).at < message.sentAt) items.push(shown[i++] as TeamNote);
    items.push(message);
  }
  while (i < shown.length) items.push(shown[i++] as TeamNote);
  return items;
}

type MessageItemProps = Readonly<{
  message: ThreadMessage;
  patientName: string;
  now: number;
  onUndo: (message: ThreadMessage) => Promise<void>;
  onRetry: (message: ThreadMessage) => Promise<void>;
  onMarkError: (message: ThreadMessage) => void;
}>;

function MessageItem({ message, patientName, now, onUndo, onRetry, onMarkError }: MessageItemProps) {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState(false);
  const outgoing = !message.fromPatient;
  const from = message.fromPatient ? patientName : message.mine ? t('inbox.thread.from.mine') : t('inbox.thread.from.colleague');
  const kind = message.fromPatient ? 'in' : message.mine ? 'out' : 'colleague';
  const secondsLeft = message.state === 'pending' && message.sendAt !== null ? Math.ceil((message.sendAt - now) / 1000) : 0;

  const act = async (action: (m: ThreadMessage) => Promise<void>) => {
    setBusy(true);
    await action(message);
    setBusy(false);
  };

  return (
    <li className={`inbox-msg inbox-msg--${kind}${message.urgent ? ' inbox-msg--urgent' : ''}`} data-message-id={message.messageId} data-state={message.state}>
      <div className="inbox-msg__bubble">
        <p className="inbox-msg__meta">
          <span className="inbox-msg__from">{from}</span>
          <time dateTime={new Date(message.sentAt).toISOString()}>{shortTime(message.sentAt, now, i18n.language)}</time>
        </p>
        {message.urgent ? <p className="inbox-msg__urgent">{t('inbox.urgentMark')}</p> : null}
        {message.sentInError ? (
          <p className="inbox-msg__error-mark" data-testid="sent-in-error-mark">
            {t('inbox.sentInError.mark', { name: message.sentInError.by.name, when: shortTime(message.sentInError.at, now, i18n.language), reason: t(`inbox.sentInError.reasons.${message.sentInError.reason}`) })}
          </p>
        ) : null}
        {message.body ? <p className="inbox-msg__body">{message.body}</p> : null}
        <MessageFiles attachments={message.attachments} />
        {message.outOfHours ? (
          <p className="inbox-msg__notice">
            {message.outOfHours.replyDueAt !== null
              ? t('inbox.thread.outOfHours', { when: dayAndTime(message.outOfHours.replyDueAt, i18n.language) })
              : t('inbox.thread.outOfHoursNoDue')}
          </p>
        ) : null}
        {outgoing ? (
          <div className={`inbox-msg__state inbox-msg__state--${message.state}`}>
            <StateIcon state={message.state} />
            <span>
              {message.state === 'failed'
                ? t('inbox.thread.states.failed', { reason: message.failure ?? t('inbox.thread.noReason') })
                : message.state === 'received'
                  ? null
                  : t(`inbox.thread.states.${message.state}`)}
            </span>
            {message.mine && message.state === 'pending' && secondsLeft > 0 ? (
              <Button variant="quiet" busy={busy} aria-label={t('inbox.thread.undoLabel', { seconds: String(secondsLeft) })} onClick={() => void act(onUndo)}>
                {t('inbox.thread.undo', { seconds: String(secondsLeft) })}
              </Button>
            ) : null}
            {!message.sentInError && ['sent', 'delivered', 'read'].includes(message.state) ? (
              <Button variant="quiet" onClick={() => onMarkError(message)}>
                {t('inbox.sentInError.action')}
              </Button>
            ) : null}
            {message.mine && message.state === 'failed' ? (
              <Button variant="quiet" busy={busy} onClick={() => void act(onRetry)}>
                {t('inbox.thread.retry')}
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}

/** A small shape per state, so the state does not rest on colour or on the words alone. */
function StateIcon({ state }: Readonly<{ state: ThreadMessage['state'] }>) {
  const path =
    state === 'read' || state === 'delivered'
      ? 'M1.5 8.5 4.5 11.5 10 5 M6.5 11.5 12.5 4.5'
      : state === 'sent'
        ? 'M3 8.5 6.5 12 13 4.5'
        : state === 'failed'
          ? 'M4 4l8 8M12 4l-8 8'
          : 'M8 3v5l3 2';
  return (
    <svg className="inbox-msg__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {state === 'pending' || state === 'queued' ? <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.5" /> : null}
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** "Tuesday, December 8, 15:00": when the patient was told to expect an answer. */
function dayAndTime(at: number, language: string): string {
  return new Date(at).toLocaleString(language, { weekday: 'long', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}
