import { describe, expect, it } from 'vitest';

import { defaultClinicRules } from './protocol/clinic-rules';
import { replyDeadlines, replyStage } from './reply-escalation';

const at = (iso: string) => Date.parse(iso);
const rules = (response: number, warning: number) => ({ ...defaultClinicRules('Lakeside', 'America/Toronto'), responseTimeBusinessHours: response, replyWarningBusinessHours: warning });

describe('reply escalation', () => {
  it('does not count a closed night: written at 16:30, warned at 9:00 the next morning, overdue after 10:00', () => {
    const d = replyDeadlines(at('2026-12-02T16:30:00-05:00'), rules(2, 1));
    expect(d).toEqual({ warnAt: at('2026-12-03T09:00:00-05:00'), dueAt: at('2026-12-03T10:00:00-05:00') });
    expect(replyStage(d, at('2026-12-02T23:00:00-05:00'))).toBe('on-time');
    expect(replyStage(d, at('2026-12-03T08:59:59-05:00'))).toBe('on-time');
    expect(replyStage(d, at('2026-12-03T09:00:00-05:00'))).toBe('due-soon');
    expect(replyStage(d, at('2026-12-03T10:00:00-05:00'))).toBe('due-soon');
    expect(replyStage(d, at('2026-12-03T10:00:01-05:00'))).toBe('overdue');
  });

  it('does not count a weekend, nor a holiday', () => {
    // Friday 16:00, 16 business hours, warned 2 before: Tuesday 13:00 and 15:00.
    const d = replyDeadlines(at('2026-12-04T16:00:00-05:00'), rules(16, 2));
    expect(d).toEqual({ warnAt: at('2026-12-08T13:00:00-05:00'), dueAt: at('2026-12-08T15:00:00-05:00') });
    expect(replyStage(d, at('2026-12-06T12:00:00-05:00'))).toBe('on-time');
    const holiday = { ...rules(16, 2), holidays: ['2026-12-07'] };
    expect(replyDeadlines(at('2026-12-04T16:00:00-05:00'), holiday).dueAt).toBe(at('2026-12-09T15:00:00-05:00'));
  });

  it('warns from the start when the margin is as long as the promise, and only when overdue with no margin', () => {
    const since = at('2026-12-02T10:00:00-05:00');
    expect(replyDeadlines(since, rules(2, 5)).warnAt).toBe(since);
    const none = replyDeadlines(since, rules(2, 0));
    expect(none.warnAt).toBe(none.dueAt);
    expect(replyStage(none, at('2026-12-02T11:59:00-05:00'))).toBe('on-time');
  });
});
