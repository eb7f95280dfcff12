import { describe, expect, it } from 'vitest';

import { type ClockState, clockChip, dayNumber, durationText, toDuration } from './reply-clock';

const zone = 'America/Toronto';
const hour = 3_600_000;
/** Monday 23 November 2026, 10:00 in Toronto (UTC-5). */
const now = Date.UTC(2026, 10, 23, 15, 0);
/** The warning margin: 12 business hours. */
const margin = 12 * hour;
const state = (over: Partial<ClockState>): ClockState => ({ dueAt: null, businessMsLeft: 0, overdue: false, openNow: true, overdueMs: 0, ...over });

describe('durations', () => {
  it('reads as hours and minutes, the same in English and French', () => {
    expect(durationText({ hours: 3, minutes: 20 })).toBe('3 h 20');
    expect(durationText({ hours: 3, minutes: 5 })).toBe('3 h 05');
    expect(durationText({ hours: 2, minutes: 0 })).toBe('2 h');
    expect(durationText({ hours: 0, minutes: 45 })).toBe('45 min');
    expect(durationText({ hours: 0, minutes: 0 })).toBe('1 min');
  });

  it('rounds time left up and lateness down, never below zero', () => {
    expect(toDuration(3 * hour + 19 * 60_000 + 1, 'up')).toEqual({ hours: 3, minutes: 20 });
    expect(toDuration(2 * hour + 59_999, 'down')).toEqual({ hours: 2, minutes: 0 });
    expect(toDuration(-5, 'up')).toEqual({ hours: 0, minutes: 0 });
  });
});

describe('dayNumber', () => {
  it('counts calendar days in the clinic’s time zone, not in UTC', () => {
    // 23:30 in Toronto is already the next day in UTC.
    const lateEvening = Date.UTC(2026, 10, 24, 4, 30);
    expect(dayNumber(lateEvening, zone)).toBe(dayNumber(now, zone));
    expect(dayNumber(lateEvening, 'UTC')).toBe(dayNumber(now, 'UTC') + 1);
  });
});

describe('clockChip', () => {
  it('shows the business time left when the answer is due later today and the clinic is open', () => {
    const dueAt = Date.UTC(2026, 10, 23, 18, 20);
    expect(clockChip(state({ dueAt, businessMsLeft: 3 * hour + 20 * 60_000 }), now, zone, margin)).toEqual({
      kind: 'left',
      tone: 'soon',
      left: { hours: 3, minutes: 20 },
      dueAt,
    });
  });

  it('names the day when the answer is due tomorrow or later', () => {
    const tomorrow = Date.UTC(2026, 10, 24, 15, 0);
    expect(clockChip(state({ dueAt: tomorrow, businessMsLeft: 8 * hour }), now, zone, margin)).toMatchObject({ kind: 'due', day: 'tomorrow', tone: 'soon' });
    const thursday = Date.UTC(2026, 10, 26, 15, 0);
    expect(clockChip(state({ dueAt: thursday, businessMsLeft: 30 * hour }), now, zone, margin)).toMatchObject({ kind: 'due', day: 'later', tone: 'ok' });
  });

  it('gives the time of day, not a countdown, before the clinic opens', () => {
    const early = Date.UTC(2026, 10, 23, 12, 0);
    const dueAt = Date.UTC(2026, 10, 23, 15, 0);
    expect(clockChip(state({ dueAt, businessMsLeft: 0.5 * hour, openNow: false }), early, zone, margin)).toMatchObject({ kind: 'due', day: 'today', tone: 'soon' });
  });

  it('says how late an overdue answer is, in business time', () => {
    expect(clockChip(state({ dueAt: now - 5 * hour, overdue: true, overdueMs: 2 * hour + 30_000 }), now, zone, margin)).toEqual({
      kind: 'overdue',
      tone: 'overdue',
      late: { hours: 2, minutes: 0 },
    });
  });

  it('shows nothing when the due time is unknown', () => {
    expect(clockChip(state({}), now, zone, margin)).toBeNull();
  });
});
