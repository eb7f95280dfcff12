import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  addBusinessTime,
  businessTimeBetween,
  type HoursRules,
  isOpenAt,
  nextOpeningAt,
  replyClock,
  replyDueAt,
} from './clinic-hours';
import { weekdays } from './protocol/clinic-rules';

const HOUR = 3_600_000;
const at = (iso: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test date ${iso}`);
  return ms;
};

type Hours = HoursRules['businessHours']['monday'];
function rules(timeZone: string, weekday: Hours, extra: Partial<HoursRules> = {}): HoursRules {
  return {
    timeZone,
    responseTimeBusinessHours: 2,
    businessHours: { monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday, saturday: [], sunday: [] },
    holidays: [],
    ...extra,
  };
}

const toronto = rules('America/Toronto', [{ opens: '08:30', closes: '17:00' }]);

describe('a Toronto clinic open Monday to Friday, 08:30 to 17:00', () => {
  it('answers a Friday 16:00 message within 2 business hours on Monday at 09:30', () => {
    expect(replyDueAt(at('2026-11-20T16:00-05:00'), toronto)).toBe(at('2026-11-23T09:30-05:00'));
  });

  it('starts counting a Saturday message on Monday at 08:30', () => {
    const saturday = at('2026-11-21T10:00-05:00');
    expect(isOpenAt(saturday, toronto)).toBe(false);
    expect(nextOpeningAt(saturday, toronto)).toBe(at('2026-11-23T08:30-05:00'));
    expect(replyDueAt(saturday, toronto)).toBe(at('2026-11-23T10:30-05:00'));
  });

  it('is open from the opening minute up to, not including, the closing minute', () => {
    expect(isOpenAt(at('2026-11-23T08:29:59.999-05:00'), toronto)).toBe(false);
    expect(isOpenAt(at('2026-11-23T08:30-05:00'), toronto)).toBe(true);
    expect(isOpenAt(at('2026-11-23T16:59:59.999-05:00'), toronto)).toBe(true);
    expect(isOpenAt(at('2026-11-23T17:00-05:00'), toronto)).toBe(false);
    expect(nextOpeningAt(at('2026-11-23T12:00-05:00'), toronto)).toBe(at('2026-11-23T12:00-05:00'));
  });

  it('skips a holiday', () => {
    const withHoliday = { ...toronto, holidays: ['2026-11-23'] };
    expect(isOpenAt(at('2026-11-23T10:00-05:00'), withHoliday)).toBe(false);
    expect(replyDueAt(at('2026-11-20T16:00-05:00'), withHoliday)).toBe(at('2026-11-24T09:30-05:00'));
  });

  it('spreads 48 business hours over six working days (5 × 8.5 h, then 5.5 h)', () => {
    const promise48 = { ...toronto, responseTimeBusinessHours: 48 };
    expect(replyDueAt(at('2026-11-23T08:30-05:00'), promise48)).toBe(at('2026-11-30T14:00-05:00'));
    expect(replyDueAt(at('2026-11-22T20:00-05:00'), promise48)).toBe(at('2026-11-30T14:00-05:00'));
    // A Wednesday noon message: Wed 5 h, Thu–Fri 17 h, Mon–Wed 25.5 h, then 0.5 h on Thursday.
    expect(replyDueAt(at('2026-11-25T12:00-05:00'), promise48)).toBe(at('2026-12-03T09:00-05:00'));
  });

  it('counts the opening time between two instants', () => {
    expect(businessTimeBetween(at('2026-11-20T16:00-05:00'), at('2026-11-23T09:30-05:00'), toronto)).toBe(2 * HOUR);
    expect(businessTimeBetween(at('2026-11-23T00:00-05:00'), at('2026-11-30T00:00-05:00'), toronto)).toBe(5 * 8.5 * HOUR);
    expect(businessTimeBetween(at('2026-11-23T12:00-05:00'), at('2026-11-23T11:00-05:00'), toronto)).toBe(0);
  });

  it('gives the reply clock of a waiting message', () => {
    const received = at('2026-11-20T16:00-05:00');
    expect(replyClock(received, at('2026-11-21T12:00-05:00'), toronto)).toEqual({
      dueAt: at('2026-11-23T09:30-05:00'),
      businessMsLeft: HOUR,
      overdue: false,
      openNow: false,
    });
    expect(replyClock(received, at('2026-11-23T09:00-05:00'), toronto)).toMatchObject({ businessMsLeft: 0.5 * HOUR, openNow: true });
    expect(replyClock(received, at('2026-11-23T10:00-05:00'), toronto)).toEqual({
      dueAt: at('2026-11-23T09:30-05:00'),
      businessMsLeft: 0,
      overdue: true,
      openNow: true,
    });
  });
});

describe('daylight saving time', () => {
  it('keeps 08:30 local across the spring change (America/Toronto, 2026-03-08)', () => {
    expect(replyDueAt(at('2026-03-06T16:00-05:00'), toronto)).toBe(at('2026-03-09T09:30-04:00'));
    expect(nextOpeningAt(at('2026-03-07T12:00-05:00'), toronto)).toBe(at('2026-03-09T08:30-04:00'));
    expect(businessTimeBetween(at('2026-03-06T00:00-05:00'), at('2026-03-10T00:00-04:00'), toronto)).toBe(17 * HOUR);
  });

  it('keeps 08:30 local across the autumn change (America/Toronto, 2026-11-01)', () => {
    expect(replyDueAt(at('2026-10-30T16:00-04:00'), toronto)).toBe(at('2026-11-02T09:30-05:00'));
    expect(businessTimeBetween(at('2026-10-30T00:00-04:00'), at('2026-11-03T00:00-05:00'), toronto)).toBe(17 * HOUR);
  });

  it('opens at the first valid instant when the opening time falls in the spring gap', () => {
    const sundayNight = { ...toronto, businessHours: { ...toronto.businessHours, sunday: [{ opens: '02:30', closes: '05:00' }] } };
    // 02:30 does not exist on 2026-03-08: the clocks go from 02:00 EST straight to 03:00 EDT.
    expect(nextOpeningAt(at('2026-03-07T20:00-05:00'), sundayNight)).toBe(at('2026-03-08T03:00-04:00'));
    expect(isOpenAt(at('2026-03-08T01:59-05:00'), sundayNight)).toBe(false);
    expect(businessTimeBetween(at('2026-03-08T00:00-05:00'), at('2026-03-08T12:00-04:00'), sundayNight)).toBe(2 * HOUR);
    // A normal Sunday keeps its 2.5 hours.
    expect(businessTimeBetween(at('2026-03-15T00:00-04:00'), at('2026-03-15T12:00-04:00'), sundayNight)).toBe(2.5 * HOUR);
  });

  it('counts the repeated hour once and opens at the first occurrence in the autumn overlap', () => {
    const sundayNight = { ...toronto, businessHours: { ...toronto.businessHours, sunday: [{ opens: '01:00', closes: '03:00' }] } };
    // 01:00 EDT to 03:00 EST is three real hours.
    expect(businessTimeBetween(at('2026-11-01T00:00-04:00'), at('2026-11-01T12:00-05:00'), sundayNight)).toBe(3 * HOUR);
    const lateOpening = { ...toronto, businessHours: { ...toronto.businessHours, sunday: [{ opens: '01:30', closes: '03:00' }] } };
    expect(nextOpeningAt(at('2026-10-31T20:00-04:00'), lateOpening)).toBe(at('2026-11-01T01:30-04:00'));
  });

  it('handles Europe/Paris (change on 2026-03-29)', () => {
    const paris = rules('Europe/Paris', [{ opens: '09:00', closes: '18:00' }], { responseTimeBusinessHours: 3 });
    expect(replyDueAt(at('2026-03-27T16:00+01:00'), paris)).toBe(at('2026-03-30T10:00+02:00'));
    expect(isOpenAt(at('2026-03-30T07:30Z'), paris)).toBe(true);
    expect(isOpenAt(at('2026-03-27T08:30Z'), paris)).toBe(true);
    expect(isOpenAt(at('2026-03-30T06:30Z'), paris)).toBe(false);
  });
});

describe('other schedules', () => {
  it('works with days split into two ranges', () => {
    const split = rules('America/Toronto', [
      { opens: '13:00', closes: '17:00' },
      { opens: '09:00', closes: '12:00' },
    ]);
    expect(isOpenAt(at('2026-11-23T12:30-05:00'), split)).toBe(false);
    expect(nextOpeningAt(at('2026-11-23T12:30-05:00'), split)).toBe(at('2026-11-23T13:00-05:00'));
    expect(addBusinessTime(at('2026-11-23T11:30-05:00'), HOUR, split)).toBe(at('2026-11-23T13:30-05:00'));
    expect(businessTimeBetween(at('2026-11-23T00:00-05:00'), at('2026-11-24T00:00-05:00'), split)).toBe(7 * HOUR);
  });

  it('merges overlapping ranges instead of counting them twice', () => {
    const overlapping = rules('UTC', [
      { opens: '08:30', closes: '12:00' },
      { opens: '11:00', closes: '14:00' },
      { opens: '13:00', closes: '17:00' },
    ]);
    expect(businessTimeBetween(at('2026-11-23T00:00Z'), at('2026-11-24T00:00Z'), overlapping)).toBe(8.5 * HOUR);
    const contained = rules('UTC', [
      { opens: '08:30', closes: '17:00' },
      { opens: '10:00', closes: '11:00' },
    ]);
    expect(businessTimeBetween(at('2026-11-23T00:00Z'), at('2026-11-24T00:00Z'), contained)).toBe(8.5 * HOUR);
    expect(isOpenAt(at('2026-11-23T15:00Z'), contained)).toBe(true);
  });

  it('works in UTC, landing exactly on the closing time rather than the next opening', () => {
    const utc = rules('UTC', [{ opens: '09:00', closes: '17:00' }], { responseTimeBusinessHours: 8 });
    expect(replyDueAt(at('2026-11-23T09:00Z'), utc)).toBe(at('2026-11-23T17:00Z'));
    expect(replyDueAt(at('2026-11-23T09:00:00.001Z'), utc)).toBe(at('2026-11-24T09:00:00.001Z'));
    expect(addBusinessTime(at('2026-11-28T12:00Z'), 0, utc)).toBe(at('2026-11-28T12:00Z'));
  });

  it('gives null, not a loop, for a clinic with no opening hours', () => {
    const never = rules('America/Toronto', []);
    const now = at('2026-11-23T10:00-05:00');
    expect(isOpenAt(now, never)).toBe(false);
    expect(nextOpeningAt(now, never)).toBeNull();
    expect(replyDueAt(now, never)).toBeNull();
    expect(businessTimeBetween(now, now + 1000 * HOUR, never)).toBe(0);
    expect(replyClock(now, now + HOUR, never)).toEqual({ dueAt: null, businessMsLeft: 0, overdue: false, openNow: false });
  });

  it('gives null when the only opening hours are all holidays for the next 400 days', () => {
    const mondaysOnly = rules('UTC', [], { businessHours: { ...rules('UTC', []).businessHours, monday: [{ opens: '09:00', closes: '10:00' }] } });
    const mondays = (n: number) => Array.from({ length: n }, (_, i) => new Date(at('2026-11-23T00:00Z') + i * 7 * 24 * HOUR).toISOString().slice(0, 10));
    const from = at('2026-11-22T00:00Z');
    expect(nextOpeningAt(from, mondaysOnly)).toBe(at('2026-11-23T09:00Z'));
    expect(nextOpeningAt(from, { ...mondaysOnly, holidays: mondays(50) })).toBe(at('2027-11-08T09:00Z'));
    expect(nextOpeningAt(from, { ...mondaysOnly, holidays: mondays(100) })).toBeNull();
    expect(replyDueAt(from, { ...mondaysOnly, holidays: mondays(100) })).toBe(at('2028-10-30T10:00Z'));
    // One hour a week cannot give 200 business hours within about two years.
    expect(addBusinessTime(from, 200 * HOUR, mondaysOnly)).toBeNull();
    expect(addBusinessTime(from, 90 * HOUR, mondaysOnly)).toBe(at('2028-08-07T10:00Z'));
  });

  it('refuses an unknown time zone with a RangeError naming it', () => {
    expect(() => isOpenAt(0, rules('Mars/Olympus_Mons', []))).toThrow(RangeError);
    expect(() => replyDueAt(0, rules('Mars/Olympus_Mons', []))).toThrow(/Mars\/Olympus_Mons/);
  });

  it('refuses a negative duration and a non-finite instant', () => {
    expect(() => addBusinessTime(0, -1, toronto)).toThrow(RangeError);
    expect(() => isOpenAt(Number.NaN, toronto)).toThrow(RangeError);
  });
});

describe('properties', () => {
  const zones = ['America/Toronto', 'Europe/Paris', 'UTC', 'Australia/Lord_Howe', 'America/St_Johns', 'Asia/Kolkata', 'Pacific/Auckland'];
  const time = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const rangeArb = fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => ({ opens: time(Math.min(a, b)), closes: time(Math.max(a, b)) }));
  const rulesArb: fc.Arbitrary<HoursRules> = fc
    .record({
      timeZone: fc.constantFrom(...zones),
      week: fc.array(fc.array(rangeArb, { maxLength: 3 }), { minLength: 7, maxLength: 7 }),
      holidays: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 5 }),
    })
    .filter(({ week }) => week.some((day) => day.length > 0))
    .map(({ timeZone, week, holidays }) => ({
      timeZone,
      responseTimeBusinessHours: 48,
      businessHours: Object.fromEntries(weekdays.map((day, i) => [day, week[i] ?? []])) as HoursRules['businessHours'],
      holidays: holidays.map((d) => new Date(at('2026-01-01T00:00Z') + d * 24 * HOUR).toISOString().slice(0, 10)),
    }));
  const instantArb = fc.integer({ min: at('2025-12-01T00:00Z'), max: at('2027-12-31T00:00Z') });
  const businessArb = fc.integer({ min: 0, max: 300 * HOUR });

  it('addBusinessTime never goes backwards as the duration grows', () => {
    fc.assert(
      fc.property(rulesArb, instantArb, businessArb, businessArb, (r, start, x, y) => {
        const [small, large] = x <= y ? [x, y] : [y, x];
        // null (out of reach) counts as later than any instant.
        const a = addBusinessTime(start, small, r) ?? Infinity;
        const b = addBusinessTime(start, large, r) ?? Infinity;
        expect(a).toBeGreaterThanOrEqual(start);
        expect(b).toBeGreaterThanOrEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  it('businessTimeBetween(start, addBusinessTime(start, x)) is x, or x is out of reach', () => {
    fc.assert(
      fc.property(rulesArb, instantArb, businessArb, (r, start, x) => {
        const end = addBusinessTime(start, x, r);
        // A few minutes a week may not add up to x within two years; then null says so.
        if (end === null) expect(businessTimeBetween(start, start + 729 * 24 * HOUR, r)).toBeLessThan(x);
        else expect(businessTimeBetween(start, end, r)).toBe(x);
      }),
      { numRuns: 300 },
    );
  });

  it('the clinic is open at nextOpeningAt, and closed all the time before it', () => {
    fc.assert(
      fc.property(rulesArb, instantArb, (r, t) => {
        const opening = nextOpeningAt(t, r);
        expect(opening).not.toBeNull();
        expect(opening as number).toBeGreaterThanOrEqual(t);
        expect(isOpenAt(opening as number, r)).toBe(true);
        expect(businessTimeBetween(t, opening as number, r)).toBe(0);
        expect(isOpenAt(t, r)).toBe(opening === t);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the process time zone', () => {
  it('changes nothing: a Toronto clinic gives the same answers on a computer set to Auckland, Los Angeles or UTC', () => {
    const saved = process.env.TZ;
    const cases = ['2026-12-02T10:00-05:00', '2026-12-02T19:30-05:00', '2026-12-05T22:00-05:00', '2026-03-08T01:30-05:00', '2026-11-01T01:30-04:00'].map(at);
    const answers = () => cases.map((t) => [isOpenAt(t, toronto), nextOpeningAt(t, toronto), replyDueAt(t, toronto), businessTimeBetween(t, t + 72 * HOUR, toronto)]);
    try {
      process.env.TZ = 'UTC';
      const reference = answers();
      for (const zone of ['Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata']) {
        process.env.TZ = zone;
        // Node applies a changed TZ at once: the local hour of the same instant now differs.
        expect(new Date(cases[0] as number).getHours()).not.toBe(15);
        expect(answers()).toEqual(reference);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
