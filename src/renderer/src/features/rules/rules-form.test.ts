import { describe, expect, it } from 'vitest';

import { defaultClinicRules } from '../../../../shared/protocol/clinic-rules';
import { clinicDetails } from '../../../../../tests/support/clinic-details';
import { formFromRules, validate } from './rules-form';

const rules = defaultClinicRules('Lakeside Clinic', 'America/Toronto', clinicDetails);

describe('the rules form', () => {
  it('round-trips the urgent signs, one phrase per line', () => {
    const form = formFromRules(rules);
    const checked = validate(form);
    expect(checked.errors).toEqual({});
    expect(checked.rules?.urgentSigns).toEqual(rules.urgentSigns);
  });

  it('refuses an empty list of urgent signs, and drops a sign left without phrases', () => {
    const form = formFromRules(rules);
    const empty = validate({ ...form, urgentSigns: form.urgentSigns.map((s) => ({ ...s, en: ' ', fr: '' })) });
    expect(empty.errors.urgentSigns).toEqual({ key: 'urgentEmpty' });
    expect(empty.rules).toBeNull();
    const [first, ...rest] = form.urgentSigns;
    const one = validate({ ...form, urgentSigns: [{ ...(first as (typeof form.urgentSigns)[number]), en: '', fr: '' }, ...rest] });
    expect(one.errors).toEqual({});
    expect(one.rules?.urgentSigns.map((s) => s.id)).not.toContain(first?.id);
  });

  it('asks for the clinic phone and the emergency department', () => {
    const form = formFromRules(defaultClinicRules('Lakeside Clinic'));
    const checked = validate(form);
    expect(checked.errors.phone).toEqual({ key: 'required' });
    expect(checked.errors['emergency.nearestEmergencyDepartment']).toEqual({ key: 'required' });
  });
});

describe('the quick replies on the rules form', () => {
  const rules = defaultClinicRules('Lakeside Clinic', 'America/Toronto', clinicDetails);

  it('keeps the replies through the form, trimmed, and saves an edited one', () => {
    const form = formFromRules(rules);
    const edited = { ...form, quickReplies: form.quickReplies.map((r, i) => (i === 0 ? { ...r, en: { title: '  Book a visit ', body: 'Hello {firstName}, please book a visit.' } } : r)) };
    const { errors, rules: saved } = validate(edited);
    expect(errors).toEqual({});
    expect(saved?.quickReplies[0]?.en).toEqual({ title: 'Book a visit', body: 'Hello {firstName}, please book a visit.' });
    expect(saved?.quickReplies.map((r) => r.id)).toEqual(['needs-visit', 'call-clinic', 'limits']);
  });

  it('refuses an empty reply and a placeholder the app does not fill, naming it', () => {
    const form = formFromRules(rules);
    const bad = {
      ...form,
      quickReplies: [
        ...form.quickReplies,
        { id: 'reply-4', en: { title: 'Dear', body: 'Dear {fullName},' }, fr: { title: '', body: '' } },
      ],
    };
    const { errors, rules: saved } = validate(bad);
    expect(saved).toBeNull();
    expect(errors['quickReplies.3.en']).toEqual({ key: 'quickUnknown', values: { names: '{fullName}' } });
    expect(errors['quickReplies.3.fr']).toEqual({ key: 'quickEmpty' });
  });
});
