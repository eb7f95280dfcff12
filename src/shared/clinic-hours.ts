// Runs anywhere: pure TypeScript, no Node, no DOM (only Intl). Business-hours arithmetic for
// the reply time the clinic promises: whether it is open, when it opens next, and when a
// message received at some instant is due, counting only opening time in the clinic's zone.
import { type ClinicRules, weekdays } from './protocol/clinic-rules';

export type HoursRules = Pick<ClinicRules, 'timeZone' | 'businessHours' | 'holidays' | 'responseTimeBusinessHours'>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** UTC offsets range from -12:00 to +14:00, so a local day lies within these bounds around its UTC day. */
const MAX_AHEAD = 14 * HOUR;
const MAX_BEHIND = 12 * HOUR;
/** nextOpeningAt gives up after this many days without opening hours. */
const OPENING_HORIZON_DAYS = 400;
/** addBusinessTime gives up after this many days. */
const BUSINESS_TIME_HORIZON_DAYS = 731;

// ---------------------------------------------------------------------------------------
// Time zones: instant ⇄ local wall time.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        numberingSystem: 'latn',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new RangeError(`The clinic's time zone "${timeZone}" is not a known IANA time zone.`, { cause });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's UTC offset at an instant, in ms (local wall time = instant + offset). */
function offsetAt(formatter: Intl.DateTimeFormat, at: number): number {
  const wall = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatter.formatToParts(at)) {
    if (part.type in wall) wall[part.type as keyof typeof wall] = Number(part.value);
  }
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour === 24 ? 0 : wall.hour, wall.minute, wall.second);
  return local - Math.floor(at / SECOND) * SECOND;
}

/**
 * The instant of a local wall time (given as ms since the epoch as if it were UTC), knowing
 * the offsets in force just before and just after its day. A wall time that occurs twice
 * (autumn overlap) is its first occurrence; one that never occurs (spring gap) becomes the
 * first valid instant after it, the moment the clocks jump.
 */
function wallToInstant(formatter: Intl.DateTimeFormat, wall: number, before: number, after: number): number {
  if (before === after) return wall - before;
  const withBefore = wall - before;
  const withAfter = wall - after;
  const beforeFits = offsetAt(formatter, withBefore) === before;
  const afterFits = offsetAt(formatter, withAfter) === after;
  if (beforeFits && afterFits) return Math.min(withBefore, withAfter);
  if (beforeFits) return withBefore;
  if (afterFits) return withAfter;
  // In the gap: the transition lies between the two guesses. Offsets change on whole seconds.
  let lo = Math.min(withBefore, withAfter); // still on the old offset
  let hi = Math.max(withBefore, withAfter); // already on the new one
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (offsetAt(formatter, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------
// A schedule: the rules turned into opening intervals (instants) per local day, cached.

type Schedule = {
  readonly formatter: Intl.DateTimeFormat;
  /** Opening ranges in minutes after local midnight, sorted and merged, Monday first. */
  readonly weekly: readonly (readonly (readonly [number, number])[])[];
  /** Holidays as local day numbers (days since 1970-01-01). */
  readonly holidays: ReadonlySet<number>;
  readonly neverOpen: boolean;
  /** Local day number → flat [start, end, start, end, ...] instants. */
  readonly days: Map<number, readonly number[]>;
};

const MAX_CACHED_SCHEDULES = 16;
const MAX_CACHED_DAYS = 4096;
const schedules = new Map<string, Schedule>();

function minutesOf(time: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
}

function dayNumber(isoDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY : NaN;
}

function normalizeRanges(hours: readonly { readonly opens: string; readonly closes: string }[]): (readonly [number, number])[] {
  const ranges = hours
    .map((h) => [minutesOf(h.opens), minutesOf(h.closes)] as const)
    .filter(([opens, closes]) => opens < closes)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [opens, closes] of ranges) {
    const last = merged.at(-1);
    if (last && opens <= last[1]) last[1] = Math.max(last[1], closes);
    else merged.push([opens, closes]);
  }
  return merged;
}

function scheduleFor(rules: HoursRules): Schedule {
  const key = JSON.stringify([rules.timeZone, rules.businessHours, rules.holidays]);
  let schedule = schedules.get(key);
  if (!schedule) {
    const weekly = weekdays.map((day) => normalizeRanges(rules.businessHours[day] ?? []));
    schedule = {
      formatter: formatterFor(rules.timeZone),
      weekly,
      holidays: new Set(rules.holidays.map(dayNumber)),
      neverOpen: weekly.every((ranges) => ranges.length === 0),
      days: new Map(),
    };
    if (schedules.size >= MAX_CACHED_SCHEDULES) schedules.clear();
    schedules.set(key, schedule);
  }
  return schedule;
}

const closed: readonly number[] = [];

/** Opening intervals of one local day, as instants in increasing order. */
function openingsOf(schedule: Schedule, day: number): readonly number[] {
  const cached = schedule.days.get(day);
  if (cached) return cached;
  // Day 0, 1970-01-01, was a Thursday; weekdays start on Monday.
  const ranges = schedule.holidays.has(day) ? [] : (schedule.weekly[(((day + 3) % 7) + 7) % 7] ?? []);
  let intervals = closed;
  if (ranges.length > 0) {
    const midnight = day * DAY;
    const { formatter } = schedule;
    const before = offsetAt(formatter, midnight - MAX_AHEAD);
    const after = offsetAt(formatter, midnight + DAY + MAX_BEHIND);
    const flat: number[] = [];
    for (const [opens, closes] of ranges) {
      const start = wallToInstant(formatter, midnight + opens * MINUTE, before, after);
      const end = wallToInstant(formatter, midnight + closes * MINUTE, before, after);
      if (end <= start) continue; // entirely inside a spring-forward gap
      const previousEnd = flat.at(-1);
      if (previousEnd !== undefined && start <= previousEnd) flat[flat.length - 1] = Math.max(previousEnd, end);
      else flat.push(start, end);
    }
    intervals = flat;
  }
  if (schedule.days.size >= MAX_CACHED_DAYS) schedule.days.clear();
  schedule.days.set(day, intervals);
  return intervals;
}

/** The first local day whose opening intervals can end after `at`. */
function firstDayAround(at: number): number {
  return Math.floor((at - MAX_BEHIND) / DAY);
}

function checkInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite instant, got ${value}.`);
}

// ---------------------------------------------------------------------------------------
// The API. Each exported function resolves the schedule once and works on it.

function openAt(schedule: Schedule, at: number): boolean {
  if (schedule.neverOpen) return false;
  for (let day = firstDayAround(at); day * DAY - MAX_AHEAD <= at; day++) {
    const intervals = openingsOf(schedule, day);
    for (let i = 0; i < intervals.length; i += 2) {
      if ((intervals[i] as number) <= at && at < (intervals[i + 1] as number)) return true;
    }
  }
  return false;
}

function addOpeningTime(schedule: Schedule, start: number, businessMs: number): number | null {
  if (Number.isNaN(businessMs) || businessMs < 0) throw new RangeError(`businessMs must be zero or more, got ${businessMs}.`);
  if (businessMs === 0) return start;
  if (schedule.neverOpen) return null;
  let remaining = businessMs;
  const first = firstDayAround(start);
  for (let day = first; day <= first + BUSINESS_TIME_HORIZON_DAYS; day++) {
    const intervals = openingsOf(schedule, day);
    for (let i = 0; i < intervals.length; i += 2) {
      const end = intervals[i + 1] as number;
      if (end <= start) continue;
      const from = Math.max(intervals[i] as number, start);
      if (remaining <= end - from) return from + remaining;
      remaining -= end - from;
    }
  }
  return null;
}

function openingTimeBetween(schedule: Schedule, from: number, to: number): number {
  if (to <= from || schedule.neverOpen) return 0;
  let total = 0;
  for (let day = firstDayAround(from); day * DAY - MAX_AHEAD < to; day++) {
    const intervals = openingsOf(schedule, day);
    for (let i = 0; i < intervals.length; i += 2) {
      const overlap = Math.min(intervals[i + 1] as number, to) - Math.max(intervals[i] as number, from);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

/** Whether the clinic is open at this instant (opening instant included, closing excluded). */
export function isOpenAt(at: number, rules: HoursRules): boolean {
  checkInstant('at', at);
  return openAt(scheduleFor(rules), at);
}

/** `at` itself when open, else the next opening instant; null without any opening in the next 400 days. */
export function nextOpeningAt(at: number, rules: HoursRules): number | null {
  checkInstant('at', at);
  const schedule = scheduleFor(rules);
  if (schedule.neverOpen) return null;
  const first = firstDayAround(at);
  for (let day = first; day <= first + OPENING_HORIZON_DAYS + 1; day++) {
    const intervals = openingsOf(schedule, day);
    for (let i = 0; i < intervals.length; i += 2) {
      if ((intervals[i + 1] as number) > at) return Math.max(intervals[i] as number, at);
    }
  }
  return null;
}

/**
 * The instant when `businessMs` of opening time has passed, counting from `start`; time the
 * clinic is closed does not count. Lands on a closing instant rather than the next opening
 * when the time runs out exactly there. Null when not reached within about two years.
 */
export function addBusinessTime(start: number, businessMs: number, rules: HoursRules): number | null {
  checkInstant('start', start);
  return addOpeningTime(scheduleFor(rules), start, businessMs);
}

/** When a reply to a message received at `receivedAt` is due under the clinic's promise. */
export function replyDueAt(receivedAt: number, rules: HoursRules): number | null {
  return addBusinessTime(receivedAt, rules.responseTimeBusinessHours * HOUR, rules);
}

/** Opening time, in ms, within [from, to); 0 when `to` is not after `from`. */
export function businessTimeBetween(from: number, to: number, rules: HoursRules): number {
  checkInstant('from', from);
  checkInstant('to', to);
  return openingTimeBetween(scheduleFor(rules), from, to);
}

export type ReplyClock = {
  /** When the reply is due; null when the clinic has no opening hours to count. */
  readonly dueAt: number | null;
  /** Opening time left before the due instant; 0 once overdue. */
  readonly businessMsLeft: number;
  /** Past the due instant. */
  readonly overdue: boolean;
  readonly openNow: boolean;
};

/** Everything a conversation list shows about a message awaiting a reply. */
export function replyClock(receivedAt: number, now: number, rules: HoursRules): ReplyClock {
  checkInstant('receivedAt', receivedAt);
  checkInstant('now', now);
  const schedule = scheduleFor(rules);
  const dueAt = addOpeningTime(schedule, receivedAt, rules.responseTimeBusinessHours * HOUR);
  const overdue = dueAt !== null && now > dueAt;
  return {
    dueAt,
    businessMsLeft: dueAt === null || overdue ? 0 : openingTimeBetween(schedule, now, dueAt),
    overdue,
    openNow: openAt(schedule, now),
  };
}
