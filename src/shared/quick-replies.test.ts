import { describe, expect, it } from 'vitest';

import { clinicRulesSchema, defaultClinicRules } from './protocol/clinic-rules';
import { defaultQuickReplies, fillQuickReply, holdsPlaceholder, placeholdersIn, quickRepliesSchema } from './quick-replies';

const values = { firstName: 'Alex', clinicPhone: '613-555-0142', replyTime: 'within 16 business hours', nextOpening: 'Monday at 8:30', emergencyNumber: '911' };

describe('quick replies', () => {
  it('fills every placeholder of every default reply, in English and French, leaving no brace', () => {
    expect(defaultQuickReplies.map((r) => r.id)).toEqual(['needs-visit', 'call-clinic', 'limits']);
    for (const reply of defaultQuickReplies) {
      for (const lang of ['en', 'fr'] as const) {
        const filled = fillQuickReply(reply[lang].body, values);
        expect(filled.ok, `${reply.id} ${lang}`).toBe(true);
        if (filled.ok) expect(filled.text).not.toMatch(/[{}]/);
      }
    }
    expect(fillQuickReply('Hello {firstName}, call {clinicPhone}.', values)).toEqual({ ok: true, text: 'Hello Alex, call 613-555-0142.' });
  });

  it('refuses a placeholder without a value, or one it does not know, and says which', () => {
    expect(fillQuickReply('Hello {firstName}, see you {nextOpening}.', { ...values, firstName: null, nextOpening: '  ' })).toEqual({ ok: false, missing: ['firstName', 'nextOpening'], unknown: [] });
    expect(fillQuickReply('Dear {fullName}', values)).toEqual({ ok: false, missing: [], unknown: ['fullName'] });
    // Braces that are not a placeholder are ordinary text.
    expect(fillQuickReply('Dose {1 tablet}', values)).toEqual({ ok: true, text: 'Dose {1 tablet}' });
    expect(placeholdersIn('{a} {b} {a}')).toEqual(['a', 'b']);
  });

  it('tells a text that still holds a placeholder, for main to refuse', () => {
    expect(holdsPlaceholder('Hello {firstName}')).toBe(true);
    expect(holdsPlaceholder('Hello Alex {not one}')).toBe(false);
  });

  it('is part of the signed rules: defaults for a policy without them, each id once, limits on size', () => {
    const { quickReplies: _dropped, ...older } = defaultClinicRules('Lakeside');
    expect(clinicRulesSchema.parse(older).quickReplies.map((r) => r.id)).toEqual(['needs-visit', 'call-clinic', 'limits']);
    const one = defaultQuickReplies[0] as (typeof defaultQuickReplies)[number];
    expect(quickRepliesSchema.safeParse([one, one]).success).toBe(false);
    expect(quickRepliesSchema.safeParse([{ ...one, en: { ...one.en, body: 'x'.repeat(2001) } }]).success).toBe(false);
    expect(quickRepliesSchema.safeParse([{ ...one, id: 'Needs Visit' }]).success).toBe(false);
  });
});
