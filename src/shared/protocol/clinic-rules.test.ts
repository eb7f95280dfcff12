import { describe, expect, it } from 'vitest';

import { clinicRulesSchema, defaultClinicRules } from './clinic-rules';

describe('clinic rules', () => {
  it('starts a new clinic with rules that pass the schema', () => {
    const rules = defaultClinicRules('Riverside Family Practice', 'America/Toronto');
    expect(clinicRulesSchema.parse(rules)).toEqual(rules);
    expect(rules.security.notificationPreview).toBe('nothing');
    expect(rules.security.allowRememberDevice).toBe(false);
  });

  it('refuses impossible hours, a missing emergency number, no purpose and unknown fields', () => {
    const rules = defaultClinicRules('Clinic');
    const bad = [
      { ...rules, businessHours: { ...rules.businessHours, monday: [{ opens: '17:00', closes: '08:00' }] } },
      { ...rules, businessHours: { ...rules.businessHours, monday: [{ opens: '25:00', closes: '26:00' }] } },
      { ...rules, emergency: { ...rules.emergency, number: ' ' } },
      { ...rules, purposes: [] },
      { ...rules, responseTimeBusinessHours: 0 },
      { ...rules, holidays: ['25/12/2026'] },
      { ...rules, extra: true },
    ];
    for (const candidate of bad) expect(clinicRulesSchema.safeParse(candidate).success).toBe(false);
  });
});
