// Runs anywhere: pure TypeScript, no DOM. Small pieces of the inbox's wording: how a patient
// without a name is shown, where a conversation stands against the reply clock, and the
// "needs a visit" reply built from the clinic's own rules.
import { businessTimeBetween, replyClock } from '../../../../shared/clinic-hours';
import type { ConversationRow } from '../../../../shared/inbox';
import type { ClinicRules } from '../../../../shared/protocol/clinic-rules';
import type { ClockState } from './reply-clock';

/** A patient id is long; its start tells two unnamed patients apart on screen. */
export const shortId = (id: string): string => (id.length > 8 ? id.slice(0, 8) : id);

type Translate = (key: string, values?: Readonly<Record<string, string>>) => string;

/** The patient's name, or a neutral label with the start of the id until a card arrives. */
export function patientLabel(row: Pick<ConversationRow, 'name' | 'patientId'>, t: Translate): string {
  return row.name ?? `${t('inbox.row.unnamed')} (${t('inbox.row.id', { id: shortId(row.patientId) })})`;
}

/**
 * Where the oldest unanswered message stands, from the clinic's hours when they are known;
 * otherwise from the due time main computed, counting wall-clock time. Null when nothing
 * is waiting for an answer.
 */
export function clockState(row: Pick<ConversationRow, 'needsAnswer' | 'waitingSince' | 'replyDueAt'>, now: number, rules: ClinicRules | null): ClockState | null {
  if (!row.needsAnswer) return null;
  if (rules && row.waitingSince !== null) {
    try {
      const clock = replyClock(row.waitingSince, now, rules);
      const overdueMs = clock.overdue && clock.dueAt !== null ? businessTimeBetween(clock.dueAt, now, rules) : 0;
      return { ...clock, overdueMs };
    } catch {
      // A time zone this computer does not know: fall back on main's due time below.
    }
  }
  if (row.replyDueAt === null) return null;
  const overdue = now > row.replyDueAt;
  return { dueAt: row.replyDueAt, businessMsLeft: overdue ? 0 : row.replyDueAt - now, overdue, openNow: true, overdueMs: overdue ? now - row.replyDueAt : 0 };
}

/** The "needs a visit" reply: a visit or a call, the clinic's phone, its in-person topics, and the emergency number. */
export function visitReply(rules: Pick<ClinicRules, 'phone' | 'inPersonTopics' | 'emergency'>, t: Translate): string {
  const first = [t('inbox.compose.visit.intro'), t('inbox.compose.visit.call', { phone: rules.phone })].join(' ');
  const topics = rules.inPersonTopics.map((topic) => topic.trim().replace(/[.;]+$/, '')).filter(Boolean);
  const parts = [first];
  if (topics.length > 0) parts.push(t('inbox.compose.visit.topics', { topics: topics.join('; ') }));
  parts.push(t('inbox.compose.visit.emergency', { number: rules.emergency.number }));
  return parts.join('\n\n');
}

/** Puts text into the composer: replaces it when empty, otherwise adds it after a blank line. */
export function insertText(current: string, addition: string): string {
  return current.trim() === '' ? addition : `${current.replace(/\s+$/, '')}\n\n${addition}`;
}

/**
 * Puts a newly fetched window of messages into what is on screen. The window replaces every
 * message from its first one on (a message taken back disappears); older messages loaded
 * earlier stay. Without older messages (`hasMore` false) the window is the whole thread.
 */
export function mergeMessages<M extends Readonly<{ messageId: string; sentAt: number }>>(current: readonly M[], incoming: readonly M[], hasMore: boolean): M[] {
  const first = incoming[0];
  const coversFrom = !hasMore ? -Infinity : first ? first.sentAt : Infinity;
  const ids = new Set(incoming.map((m) => m.messageId));
  const kept = current.filter((m) => m.sentAt < coversFrom && !ids.has(m.messageId));
  return [...kept, ...incoming].sort((a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
}

/** Adds older messages (from "show earlier") in front of those on screen. */
export function prependMessages<M extends Readonly<{ messageId: string; sentAt: number }>>(current: readonly M[], older: readonly M[]): M[] {
  const ids = new Set(current.map((m) => m.messageId));
  return [...older.filter((m) => !ids.has(m.messageId)), ...current];
}

/** A time for a list or a bubble: the time of day when it is today, otherwise the date and time. */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** One formatter per language and style: building one costs far more than using it (a row each). */
function formatter(language: string, style: 'time' | 'day' | 'day-year'): Intl.DateTimeFormat {
  const key = `${language}|${style}`;
  let found = formatters.get(key);
  if (!found) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : style === 'day' ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' };
    found = new Intl.DateTimeFormat(language, options);
    formatters.set(key, found);
  }
  return found;
}

export function shortTime(at: number, now: number, language: string): string {
  const date = new Date(at);
  const today = new Date(now);
  const sameDay = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  if (sameDay) return formatter(language, 'time').format(date);
  return formatter(language, date.getFullYear() === today.getFullYear() ? 'day' : 'day-year').format(date);
}

/** A date of birth (YYYY-MM-DD, no time zone) written for the reader, e.g. "2 Apr 1980". */
export function birthDate(iso: string, language: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))).toLocaleDateString(language, { dateStyle: 'medium', timeZone: 'UTC' });
}

/** Puts one message in its place by time, replacing an older copy of it. */
export function upsertMessage<M extends Readonly<{ messageId: string; sentAt: number }>>(current: readonly M[], message: M): M[] {
  const rest = current.filter((m) => m.messageId !== message.messageId);
  const at = rest.findIndex((m) => m.sentAt > message.sentAt);
  return at < 0 ? [...rest, message] : [...rest.slice(0, at), message, ...rest.slice(at)];
}
