// Runs anywhere: pure TypeScript, no DOM. Turns where a conversation stands against the
// clinic's stated response time into what the reply-clock chip says. The business-hours
// arithmetic itself lives in src/shared/clinic-hours.ts; this file only decides the wording
// (time left today, a due day and time, or how late) and the tone.

/** What clinic-hours reports for the oldest unanswered message (and, when late, by how much). */
export type ClockState = Readonly<{
  /** When the response time runs out; null when it cannot be known. */
  dueAt: number | null;
  /** Business time left before dueAt (0 when overdue). */
  businessMsLeft: number;
  overdue: boolean;
  /** Whether the clinic is open now. */
  openNow: boolean;
  /** Business time since dueAt, when overdue. */
  overdueMs: number;
}>;

export type Duration = Readonly<{ hours: number; minutes: number }>;
export type ClockTone = 'ok' | 'soon' | 'overdue';

export type ClockChip =
  | { readonly kind: 'overdue'; readonly tone: 'overdue'; readonly late: Duration }
  /** Due later today while the clinic is open: the business time left. */
  | { readonly kind: 'left'; readonly tone: ClockTone; readonly left: Duration; readonly dueAt: number }
  /** Due another day (or today, before opening): the day and time. */
  | { readonly kind: 'due'; readonly tone: ClockTone; readonly day: 'today' | 'tomorrow' | 'later'; readonly dueAt: number; readonly left: Duration | null };

const minuteMs = 60_000;

/** Whole hours and minutes; `round` decides which way a part-minute goes. */
export function toDuration(ms: number, round: 'up' | 'down'): Duration {
  const total = Math.max(0, round === 'up' ? Math.ceil(ms / minuteMs) : Math.floor(ms / minuteMs));
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/** "3 h 20", "2 h", "45 min": the same in English and French. */
export function durationText({ hours, minutes }: Duration): string {
  if (hours === 0) return `${Math.max(1, minutes)} min`;
  if (minutes === 0) return `${hours} h`;
  return `${hours} h ${String(minutes).padStart(2, '0')}`;
}

/** The calendar day of `at` in a time zone, as a day number, so two instants compare by day. */
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

export function dayNumber(at: number, timeZone: string): number {
  let format = dayFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Math.round(Date.UTC(get('year'), get('month') - 1, get('day')) / 86_400_000);
}

/**
 * The chip for a conversation waiting for an answer. `timeZone`: where "today" and
 * "tomorrow" are counted (the zone the times are shown in). `warnMs`: the clinic's warning
 * margin, in business milliseconds; inside it the chip says "soon", as main's escalation does.
 */
export function clockChip(state: ClockState, now: number, timeZone: string, warnMs: number): ClockChip | null {
  if (state.overdue) return { kind: 'overdue', tone: 'overdue', late: toDuration(state.overdueMs, 'down') };
  if (state.dueAt === null) return null;
  const tone: ClockTone = state.businessMsLeft <= warnMs ? 'soon' : 'ok';
  const left = toDuration(state.businessMsLeft, 'up');
  const days = dayNumber(state.dueAt, timeZone) - dayNumber(now, timeZone);
  if (days <= 0 && state.openNow) return { kind: 'left', tone, left, dueAt: state.dueAt };
  return { kind: 'due', tone, day: days <= 0 ? 'today' : days === 1 ? 'tomorrow' : 'later', dueAt: state.dueAt, left };
}
