// Runs in the renderer: DOM only, no Node.
// The clinic's quick replies in the composer (signed rules, src/shared/quick-replies.ts):
// typed `/` in an empty message, or the Quick replies button, opens the list; up and down
// choose, Enter puts the reply in the message with its placeholders filled, Escape closes.
// A placeholder without a value stays visible, and the send is blocked until it is replaced.
import { formatResponseTime } from '../../../../shared/consent/consent-format';
import { isOpenAt, nextOpeningAt } from '../../../../shared/clinic-hours';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { type QuickReply, type QuickReplyPlaceholder, fillKnownPlaceholders } from '../../../../shared/quick-replies';

export type ReplyLanguage = 'en' | 'fr';
type Translate = (key: string, values?: Readonly<Record<string, string>>) => string;

/** The replies whose title (in this language) contains the query, case and accents aside. */
export function matchingReplies(replies: readonly QuickReply[], query: string, language: ReplyLanguage): QuickReply[] {
  const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const q = fold(query.trim());
  return replies.filter((r) => q === '' || fold(r[language].title).includes(q) || fold(r.id).includes(q));
}

/** The values of the placeholders for this patient now; null where there is none. */
export function placeholderValues(input: {
  rules: ClinicRules;
  firstName: string | null;
  now: number;
  language: ReplyLanguage;
  t: Translate;
}): Record<QuickReplyPlaceholder, string | null> {
  const { rules, language, t } = input;
  let nextOpening: string | null = null;
  try {
    if (isOpenAt(input.now, rules)) nextOpening = t('inbox.compose.quick.openNow');
    else {
      const at = nextOpeningAt(input.now, rules);
      if (at !== null) {
        const when = new Date(at).toLocaleString(language === 'fr' ? 'fr-CA' : 'en-CA', { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: rules.timeZone });
        nextOpening = t('inbox.compose.quick.from', { when });
      }
    }
  } catch {
    nextOpening = null;
  }
  return {
    firstName: input.firstName?.trim() || null,
    clinicPhone: rules.phone.trim() || null,
    replyTime: formatResponseTime(rules.responseTimeBusinessHours, language),
    nextOpening,
    emergencyNumber: rules.emergency.number.trim() || null,
  };
}

/** The reply's text in this language, its known placeholders filled. */
export const replyText = (reply: QuickReply, language: ReplyLanguage, values: Record<QuickReplyPlaceholder, string | null>): string =>
  fillKnownPlaceholders(reply[language].body, values);

export function QuickReplyList({
  id,
  replies,
  active,
  language,
  label,
  noneText,
  onPick,
}: Readonly<{ id: string; replies: readonly QuickReply[]; active: number; language: ReplyLanguage; label: string; noneText: string; onPick: (reply: QuickReply) => void }>) {
  if (replies.length === 0) {
    return (
      <p className="inbox-quick__none" id={id} role="status">
        {noneText}
      </p>
    );
  }
  return (
    <ul className="inbox-quick" id={id} role="listbox" aria-label={label}>
      {replies.map((reply, index) => (
        <li
          key={reply.id}
          id={`${id}-${reply.id}`}
          role="option"
          aria-selected={index === active}
          className={index === active ? 'inbox-quick__option inbox-quick__option--active' : 'inbox-quick__option'}
          // The message box keeps the focus: the list is driven from it.
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => onPick(reply)}
        >
          <span className="inbox-quick__title">{reply[language].title}</span>
          <span className="inbox-quick__preview">{reply[language].body}</span>
        </li>
      ))}
    </ul>
  );
}
