// Runs in the renderer: DOM only, no Node.
// The small labels on a conversation: the reply clock and the consent in force. Each says in
// words what its colour says, and carries an icon whose shape differs by tone.
import type { JSX } from 'react';
import { useTranslation } from 'react-i18next';

import type { ConversationConsent, ConversationRow } from '../../../../shared/inbox';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import { clockState } from './format';
import { type ClockChip, clockChip, durationText } from './reply-clock';

const hourMs = 3_600_000;

/** What the reply clock says for a conversation, and its tone; null when nothing waits for an answer. */
export function useClockText(): (row: ConversationRow, now: number, rules: ClinicRules | null) => { chip: ClockChip; text: string; detail: string | null } | null {
  const { t, i18n } = useTranslation();
  return (row, now, rules) => {
    const state = clockState(row, now, rules);
    if (!state) return null;
    // The due time is written in this computer's time zone, like every other time on screen;
    // only the business-hours arithmetic (clinic-hours) uses the clinic's zone.
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const warnMs = (rules?.replyWarningBusinessHours ?? 2) * hourMs;
    const chip = clockChip(state, now, timeZone, warnMs);
    if (!chip) return null;
    const time = (at: number) => new Date(at).toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
    if (chip.kind === 'overdue') return { chip, text: t('inbox.clock.overdue', { time: durationText(chip.late) }), detail: null };
    if (chip.kind === 'left') return { chip, text: t('inbox.clock.left', { time: durationText(chip.left) }), detail: null };
    const detail = chip.left ? t('inbox.clock.businessLeft', { time: durationText(chip.left) }) : null;
    if (chip.day === 'today') return { chip, text: t('inbox.clock.dueToday', { time: time(chip.dueAt) }), detail };
    if (chip.day === 'tomorrow') return { chip, text: t('inbox.clock.dueTomorrow', { time: time(chip.dueAt) }), detail };
    // Within the coming week the weekday is enough; further out, the date.
    const withinWeek = chip.dueAt - now < 6 * 24 * hourMs;
    const day = new Date(chip.dueAt).toLocaleDateString(i18n.language, withinWeek ? { weekday: 'long', timeZone } : { day: 'numeric', month: 'short', timeZone });
    return { chip, text: t('inbox.clock.dueOn', { day, time: time(chip.dueAt) }), detail };
  };
}

function ClockIcon({ tone }: Readonly<{ tone: ClockChip['tone'] }>) {
  return (
    <svg className="chip__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {tone === 'overdue' ? (
        <path d="M8 1.5 15 14H1Z M8 6v4 M8 11.6v.4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" strokeLinecap="round" />
      ) : (
        <>
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </>
      )}
    </svg>
  );
}

export function ReplyClockChip({ text, tone, title }: Readonly<{ text: string; tone: ClockChip['tone']; title?: string | undefined }>): JSX.Element {
  return (
    <span className={`chip chip--clock chip--${tone}`} title={title}>
      <ClockIcon tone={tone} />
      <span>{text}</span>
    </span>
  );
}

/** "Consent active · Care, Reminders", with the end date when there is one. */
export function ConsentChip({ consent, withDate = false }: Readonly<{ consent: ConversationConsent; withDate?: boolean }>): JSX.Element {
  const { t, i18n } = useTranslation();
  const scopes = consent.state === 'active' && consent.scopes.length > 0 ? consent.scopes.map((s) => t(`inbox.consent.scopes.${s}`)).join(', ') : null;
  const until =
    withDate && consent.state === 'active' && consent.expiresAt !== null
      ? t('inbox.consent.until', { date: new Date(consent.expiresAt).toLocaleDateString(i18n.language, { dateStyle: 'medium' }) })
      : null;
  const full = [t(`inbox.consent.${consent.state}`), scopes, until].filter(Boolean).join(' · ');
  return (
    <span className={`chip chip--consent chip--consent-${consent.state}`} title={full}>
      <svg className="chip__icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        {consent.state === 'active' ? (
          <path d="M3 8.5 6.5 12 13 4.5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        ) : (
          <>
            <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
            <path d="M3.8 12.2 12.2 3.8" stroke="currentColor" strokeWidth="1.6" />
          </>
        )}
      </svg>
      <span>{full}</span>
    </span>
  );
}
