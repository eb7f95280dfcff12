// Runs in the renderer: DOM only, no Node.
// The reply box. Closed, with the reason in words, when the patient's consent or device does
// not allow a message; otherwise Ctrl+Enter (or Send) hands the text to main, which holds it
// for the clinic's undo-send window before sealing it. "Needs a visit" fills in the clinic's
// in-person rule for the clinician to edit.
import { type JSX, type RefObject, useId, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { AttachmentView, Thread, ThreadMessage } from '../../../../shared/inbox';
import { StagedFiles, acceptOf, base64Of } from './attachments';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { Button } from '../../components/button';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { insertText, visitReply } from './format';
import { QuickReplyList, type ReplyLanguage, matchingReplies, placeholderValues, replyText } from './quick-replies';
import { type QuickReply, placeholdersLeft } from '../../../../shared/quick-replies';
import type { Draft } from './use-draft';
import { MAX_BODY_CHARS } from '../../../../shared/protocol/delivery';
import { matchInPersonTopic } from '../../../../shared/in-person-topics';

/** The quick replies a message about an in-person topic calls for, in this order, when the clinic has them. */
const LIMIT_REPLIES = ['needs-visit', 'limits'] as const;

const maxBody = MAX_BODY_CHARS;

export type ComposerProps = Readonly<{
  patientId: string;
  patientName: string;
  thread: Thread;
  rules: ClinicRules | null;
  draft: Draft;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
  /** Files attached and not sent yet. */
  staged: readonly AttachmentView[];
  onStaged: (files: readonly AttachmentView[]) => void;
  onSent: (message: ThreadMessage) => void;
  /** Main refused for a reason the thread should show (consent changed meanwhile). */
  onRefused: () => void;
}>;

export function Composer({ patientId, patientName, thread, rules, draft, textareaRef, staged, onStaged, onSent, onRefused }: ComposerProps): JSX.Element {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [attaching, setAttaching] = useState(false);
  const [dropping, setDropping] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const limits = thread.attachmentLimits;

  /** Hands each file to main, which checks its bytes, cleans and seals it; one message per refusal. */
  const attach = async (files: readonly File[]) => {
    if (!allowed || files.length === 0) return;
    setAttaching(true);
    setError(null);
    let current = [...staged];
    for (const file of files) {
      if (current.length >= limits.perMessage) {
        setError(t('inbox.files.refused.too-many', { count: String(limits.perMessage) }));
        break;
      }
      if (file.size > limits.maxMegabytes * 1024 * 1024) {
        setError(t('inbox.files.refused.too-big', { name: file.name, size: String(limits.maxMegabytes) }));
        continue;
      }
      let data: string;
      try {
        data = await base64Of(file);
      } catch {
        setError(t('inbox.files.refused.unreadable', { name: file.name }));
        continue;
      }
      const result = await clinic().inbox.attach({ patientId, name: file.name, data, alreadyAttached: current.length });
      if (!result.ok) {
        const reason = result.error.fields?.file;
        setError(reason ? t(`inbox.files.refused.${reason}`, { name: file.name, size: String(limits.maxMegabytes), count: String(limits.perMessage) }) : errorText(t, result.error));
        continue;
      }
      current = [...current, result.value];
      onStaged(current);
    }
    setAttaching(false);
  };

  const remove = async (file: AttachmentView) => {
    onStaged(staged.filter((f) => f.attachmentId !== file.attachmentId));
    await clinic().inbox['discard-attachment']({ attachmentId: file.attachmentId });
    textareaRef.current?.focus();
  };
  /** The quick-reply list while open: what follows the `/`, and the chosen row. */
  const [picker, setPicker] = useState<{ query: string; active: number } | null>(null);
  const language: ReplyLanguage = i18n.language === 'fr' ? 'fr' : 'en';
  const replies = rules ? matchingReplies(rules.quickReplies, picker?.query ?? '', language) : [];
  const listId = `${id}-quick`;
  const activeReply = picker ? replies[Math.min(picker.active, replies.length - 1)] : undefined;
  const allowed = thread.compose.allowed;
  const blockedBy = thread.compose.blockedBy ?? 'no-consent';
  /** The patient's newest message waiting for an answer looks like an in-person topic: suggest the replies that say so. */
  const [dismissed, setDismissed] = useState<string | null>(null);
  const waiting = thread.conversation.needsAnswer ? thread.messages.filter((m) => m.fromPatient).at(-1) : undefined;
  const topic = allowed && rules && waiting && draft.text.trim() === '' && dismissed !== waiting.messageId ? matchInPersonTopic(waiting.body, rules.inPersonTopics) : null;
  const suggested = topic && rules ? LIMIT_REPLIES.flatMap((rid) => rules.quickReplies.filter((r) => r.id === rid)) : [];

  // The box grows with its text, up to a few lines; beyond that it scrolls.
  useLayoutEffect(() => {
    const el = textareaRef.current;
    if (!el) return;
    el.style.height = 'auto';
    const max = Number.parseFloat(getComputedStyle(el).fontSize) * 7.5;
    el.style.height = `${Math.min(el.scrollHeight + 2, max)}px`;
  }, [draft.text, textareaRef]);

  const send = async () => {
    if (!allowed || sending) return;
    const body = draft.textRef.current;
    if (body.trim() === '' && staged.length === 0) {
      setError(t('inbox.compose.required'));
      return textareaRef.current?.focus();
    }
    if (body.length > maxBody) {
      setError(t('inbox.compose.tooLong'));
      return textareaRef.current?.focus();
    }
    const left = placeholdersLeft(body);
    if (left.length > 0) {
      setError(placeholderError(left));
      return textareaRef.current?.focus();
    }
    setSending(true);
    const attachments = staged.map((f) => f.attachmentId);
    const result = await clinic().inbox.send({ patientId, body, ...(attachments.length > 0 ? { attachments } : {}) });
    setSending(false);
    if (!result.ok) {
      if (result.error.fields?.body === 'too-long') setError(t('inbox.compose.tooLong'));
      else if (result.error.fields?.body === 'placeholder') setError(placeholderError(placeholdersLeft(body)));
      else toast.show('error', errorText(t, result.error));
      if (['no-consent', 'forbidden', 'clinic-refused'].includes(result.error.code)) onRefused();
      return;
    }
    setError(null);
    draft.clear();
    onStaged([]);
    onSent(result.value);
    textareaRef.current?.focus();
  };

  const fillVisit = () => {
    if (!rules) return;
    draft.setText(insertText(draft.textRef.current, visitReply(rules, (key, values) => t(key, { ...values }))));
    setError(null);
    const el = textareaRef.current;
    if (el) {
      el.focus();
      requestAnimationFrame(() => el.setSelectionRange(el.value.length, el.value.length));
    }
  };

  /** What blocks a send: the placeholders still in the text, named. */
  const placeholderError = (left: readonly string[]): string => t('inbox.compose.quick.placeholder', { names: left.map((name) => `{${name}}`).join(', ') });

  /** Puts a quick reply in the message: in place of the typed `/…`, or after what is written. */
  const pick = (reply: QuickReply) => {
    if (!rules) return;
    const values = placeholderValues({ rules, firstName: thread.conversation.firstName, now: thread.now, language, t: (key, v) => t(key, { ...v }) });
    const text = replyText(reply, language, values);
    const current = draft.textRef.current;
    draft.setText(picker && current.startsWith('/') ? text : insertText(current, text));
    setPicker(null);
    const left = placeholdersLeft(text);
    setError(left.length > 0 ? placeholderError(left) : null);
    const el = textareaRef.current;
    if (el) {
      el.focus();
      requestAnimationFrame(() => el.setSelectionRange(el.value.length, el.value.length));
    }
  };

  /** A `/` typed first in the message opens the list, filtered by what follows it. */
  const followSlash = (text: string) => {
    if (rules && /^\/[^\n]{0,40}$/.test(text)) setPicker((p) => ({ query: text.slice(1), active: p?.query === text.slice(1) ? p.active : 0 }));
    else if (picker) setPicker(null);
  };

  const describedBy = [allowed ? null : `${id}-blocked`, `${id}-hint`, error ? `${id}-error` : null].filter(Boolean).join(' ');

  return (
    <div
      className={`${allowed ? 'inbox-compose' : 'inbox-compose inbox-compose--blocked'}${dropping ? ' inbox-compose--dropping' : ''}`}
      onDragOver={(event) => {
        if (!allowed || !event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(event) => {
        if (!allowed) return;
        event.preventDefault();
        setDropping(false);
        void attach([...event.dataTransfer.files]);
      }}
    >
      {allowed ? null : (
        <div className="inbox-compose__blocked" id={`${id}-blocked`} role="note" data-blocked-by={blockedBy}>
          <svg className="inbox-compose__blocked-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
            <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
            <path d="M3.8 12.2 12.2 3.8" stroke="currentColor" strokeWidth="1.6" />
          </svg>
          <div>
            <p className="inbox-compose__blocked-title">{t('inbox.compose.blocked.title')}</p>
            <p>{t(`inbox.compose.blocked.${blockedBy}`)}</p>
          </div>
        </div>
      )}
      {topic && suggested.length > 0 && waiting ? (
        <div className="inbox-compose__suggest" role="note" data-testid="limits-suggestion">
          <p className="inbox-compose__suggest-text">{t('inbox.compose.suggest.text', { topic })}</p>
          <div className="inbox-compose__suggest-actions">
            {suggested.map((reply) => (
              <Button key={reply.id} variant="secondary" onClick={() => pick(reply)}>
                {t('inbox.compose.suggest.use', { title: reply[language].title })}
              </Button>
            ))}
            <Button variant="quiet" onClick={() => setDismissed(waiting.messageId)}>
              {t('inbox.compose.suggest.dismiss')}
            </Button>
          </div>
        </div>
      ) : null}
      <label className="inbox-compose__label" htmlFor={`${id}-text`}>
        {t('inbox.compose.label', { name: patientName })}
      </label>
      <textarea
        ref={textareaRef}
        id={`${id}-text`}
        className="inbox-compose__text"
        value={draft.text}
        rows={allowed ? 2 : 1}
        disabled={!allowed}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${describedBy} ${id}-quick-hint`}
        aria-controls={picker ? listId : undefined}
        aria-activedescendant={picker && activeReply ? `${listId}-${activeReply.id}` : undefined}
        onChange={(event) => {
          draft.setText(event.target.value);
          followSlash(event.target.value);
          if (error) setError(null);
        }}
        onKeyDown={(event) => {
          if (picker) {
            if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
              event.preventDefault();
              const step = event.key === 'ArrowDown' ? 1 : -1;
              if (replies.length > 0) setPicker({ ...picker, active: (Math.min(picker.active, replies.length - 1) + step + replies.length) % replies.length });
              return;
            }
            if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
              event.preventDefault();
              if (activeReply) pick(activeReply);
              return;
            }
            if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              setPicker(null);
              return;
            }
          }
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void send();
          }
        }}
      />
      {picker ? (
        <>
          <QuickReplyList id={listId} replies={replies} active={Math.min(picker.active, Math.max(replies.length - 1, 0))} language={language} label={t('inbox.compose.quick.label')} noneText={t('inbox.compose.quick.none', { query: picker.query })} onPick={pick} />
          <p className="visually-hidden" role="status">
            {replies.length > 0 ? t('inbox.compose.quick.count', { count: String(replies.length) }) : ''}
          </p>
        </>
      ) : null}
      <p className="visually-hidden" id={`${id}-quick-hint`}>
        {t('inbox.compose.quick.hint')}
      </p>
      <StagedFiles files={staged} onRemove={(f) => void remove(f)} />
      {attaching ? (
        <p className="inbox-compose__attaching" role="status">
          <span className="spinner" aria-hidden="true" /> {t('inbox.files.preparing')}
        </p>
      ) : null}
      {error ? (
        <p className="field__error inbox-compose__error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
      <div className="inbox-compose__bar">
        <p className={allowed ? 'inbox-compose__hint' : 'visually-hidden'} id={`${id}-hint`}>
          {t('inbox.compose.hint')}
          {thread.undoSendSeconds > 0 ? ` ${t('inbox.compose.undoHint', { seconds: String(thread.undoSendSeconds) })}` : null}
        </p>
        <span className="inbox-compose__draft" data-status={draft.status}>
          {draft.status === 'saved' ? t('inbox.compose.draftSaved') : draft.status === 'failed' ? t('inbox.compose.draftFailed') : null}
        </span>
        <div className="inbox-compose__actions">
          <input
            ref={fileInput}
            type="file"
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            accept={acceptOf(limits)}
            multiple
            data-testid="attach-input"
            onChange={(event) => {
              const files = [...(event.target.files ?? [])];
              event.target.value = '';
              void attach(files);
            }}
          />
          <Button variant="secondary" disabled={!allowed} busy={attaching} aria-describedby={`${id}-files`} onClick={() => fileInput.current?.click()}>
            {t('inbox.files.attach')}
          </Button>
          {rules && rules.quickReplies.length > 0 ? (
            <Button
              variant="secondary"
              disabled={!allowed}
              aria-expanded={picker !== null}
              aria-controls={picker ? listId : undefined}
              onClick={() => {
                setPicker(picker ? null : { query: '', active: 0 });
                textareaRef.current?.focus();
              }}
            >
              {t('inbox.compose.quick.button')}
            </Button>
          ) : null}
          {rules ? (
            <Button variant="secondary" disabled={!allowed} onClick={fillVisit} aria-describedby={`${id}-visit`}>
              {t('inbox.compose.needsVisit')}
            </Button>
          ) : null}
          <Button variant="primary" busy={sending} disabled={!allowed} onClick={() => void send()}>
            {t('inbox.compose.send')}
          </Button>
        </div>
        <p className="visually-hidden" id={`${id}-files`}>
          {t('inbox.files.attachHint', { size: String(limits.maxMegabytes), count: String(limits.perMessage) })}
        </p>
        <p className="visually-hidden" id={`${id}-visit`}>
          {t('inbox.compose.needsVisitHint')}
        </p>
      </div>
    </div>
  );
}
