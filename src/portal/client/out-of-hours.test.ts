import { describe, expect, it } from 'vitest';

import { defaultClinicRules } from '../../shared/protocol/clinic-rules';
import { instant, instants } from '../../../tests/support/clock';
import { type PatientDirectory } from './directory';
import { outOfHoursNotice, pinConsented, rememberShown } from './out-of-hours';

const rules = { ...defaultClinicRules('Lakeside', 'America/Toronto'), holidays: ['2026-12-25'] };

describe('the out-of-hours notice', () => {
  it('is shown once per closed period: when the clinic reopens and when to expect an answer', () => {
    const at = instant(instants.weekdayClosed); // Wednesday 19:30
    const notice = outOfHoursNotice(at, rules, []);
    expect(notice).toEqual({ reopensAt: instant('2026-12-03T08:30:00-05:00'), replyDueAt: instant('2026-12-04T16:00:00-05:00') });
    const shown = rememberShown([], notice!, at);
    // Later the same night: the same closed period, no second notice.
    expect(outOfHoursNotice(at + 2 * 3_600_000, rules, shown)).toBeNull();
    // The next evening is another closed period.
    expect(outOfHoursNotice(at + 24 * 3_600_000, rules, shown)?.reopensAt).toBe(instant('2026-12-04T08:30:00-05:00'));
  });

  it('is not shown while the clinic is open; a holiday and a weekend count as closed', () => {
    expect(outOfHoursNotice(instant(instants.weekdayOpen), rules, [])).toBeNull();
    expect(outOfHoursNotice(instant(instants.holiday), rules, [])?.reopensAt).toBe(instant('2026-12-28T08:30:00-05:00'));
    expect(outOfHoursNotice(instant(instants.saturdayNight), rules, [])?.reopensAt).toBe(instant('2026-12-07T08:30:00-05:00'));
  });

  it('keeps the rules the patient agreed to until a newer consent', () => {
    const directory = (consentVersion: number, policyVersion: number, phone: string) =>
      ({ consent: { version: consentVersion }, policy: { version: policyVersion }, rules: { ...rules, phone } }) as unknown as PatientDirectory;
    const first = pinConsented(null, directory(1, 3, '613-555-0100'));
    expect(first).toMatchObject({ consentVersion: 1, policyVersion: 3, rules: { phone: '613-555-0100' } });
    // The clinic changes its rules: what this patient agreed to stays.
    expect(pinConsented(first, directory(1, 4, '613-555-0199'))).toBe(first);
    // A renewed consent is agreed to anew, under the rules then in force.
    expect(pinConsented(first, directory(2, 4, '613-555-0199'))).toMatchObject({ consentVersion: 2, policyVersion: 4, rules: { phone: '613-555-0199' } });
    expect(pinConsented(first, null)).toBe(first);
  });
});
