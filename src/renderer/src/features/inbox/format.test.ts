import { describe, expect, it } from 'vitest';

import { translate } from '../../../../shared/i18n/catalogs';
import { defaultClinicRules } from '../../../../shared/protocol/clinic-rules';
import { birthDate, clockState, insertText, mergeMessages, patientLabel, prependMessages, shortTime, upsertMessage, visitReply } from './format';

const en = (key: string, values?: Readonly<Record<string, string>>) => translate('en', key, values);
const fr = (key: string, values?: Readonly<Record<string, string>>) => translate('fr', key, values);
const hour = 3_600_000;

describe('patientLabel', () => {
  it('uses the name from the card, or a neutral label with the start of the id', () => {
    expect(patientLabel({ name: 'Alex Martin', patientId: 'p_1234567890abcdef' }, en)).toBe('Alex Martin');
    expect(patientLabel({ name: null, patientId: 'p_1234567890abcdef' }, en)).toBe('Patient not yet named (ID p_123456)');
    expect(patientLabel({ name: null, patientId: 'p_1234567890abcdef' }, fr)).toBe('Patient pas encore nommé (ID p_123456)');
  });
});

describe('clockState', () => {
  const rules = { ...defaultClinicRules('Lakeside', 'America/Toronto'), responseTimeBusinessHours: 8 };
  /** Monday 23 November 2026, 09:00 in Toronto; the clinic opens 08:30–17:00 on weekdays. */
  const monday9 = Date.UTC(2026, 10, 23, 14, 0);

  it('is empty when nothing waits for an answer', () => {
    expect(clockState({ needsAnswer: false, waitingSince: null, replyDueAt: null }, monday9, rules)).toBeNull();
  });

  it('counts only opening hours, from the clinic’s rules', () => {
    // 8 business hours from Monday 09:00: due at closing time, 17:00.
    const state = clockState({ needsAnswer: true, waitingSince: monday9, replyDueAt: null }, monday9, rules);
    expect(state).toMatchObject({ overdue: false, openNow: true, businessMsLeft: 8 * hour, dueAt: Date.UTC(2026, 10, 23, 22, 0) });
  });

  it('says how late in business time, not wall-clock time', () => {
    // Received Friday 09:00, due Friday 17:00; on Monday 10:30 it is 2 business hours late.
    const friday9 = Date.UTC(2026, 10, 20, 14, 0);
    const state = clockState({ needsAnswer: true, waitingSince: friday9, replyDueAt: null }, monday9 + 1.5 * hour, rules);
    expect(state).toMatchObject({ overdue: true, overdueMs: 2 * hour });
  });

  it('falls back on main’s due time without the rules', () => {
    const state = clockState({ needsAnswer: true, waitingSince: monday9, replyDueAt: monday9 + 3 * hour }, monday9, null);
    expect(state).toMatchObject({ overdue: false, businessMsLeft: 3 * hour });
  });
});

describe('visitReply', () => {
  const rules = { ...defaultClinicRules('Lakeside'), phone: '613-555-0100', emergency: { number: '911', nearestEmergencyDepartment: 'General' } };

  it('states a visit or a call, the phone, the in-person topics and the emergency number', () => {
    const text = visitReply(rules, en);
    expect(text).toContain('visit or a phone call');
    expect(text).toContain('613-555-0100');
    expect(text).toContain('New or worsening symptoms; Chest pain, trouble breathing or thoughts of self-harm; Test results that need an examination.');
    expect(text).toContain('call 911');
  });

  it('is written in the language asked for, and leaves out an empty topic list', () => {
    const text = visitReply({ ...rules, inPersonTopics: [] }, fr);
    expect(text).toContain('au 613-555-0100');
    expect(text).toContain('composez le 911');
    expect(text).not.toContain('uniquement en personne');
  });
});

describe('insertText', () => {
  it('fills an empty composer and adds after a blank line otherwise', () => {
    expect(insertText('  ', 'Hello')).toBe('Hello');
    expect(insertText('Dear Alex,\n', 'Hello')).toBe('Dear Alex,\n\nHello');
  });
});

describe('mergeMessages', () => {
  const m = (messageId: string, sentAt: number, state = 'sent') => ({ messageId, sentAt, state });

  it('replaces the part of the thread the new window covers, and keeps older messages loaded before', () => {
    const current = [m('a', 1), m('b', 2), m('c', 3, 'pending'), m('d', 4)];
    // "c" was taken back; "d" is now read; "e" is new. The window starts at "b".
    const merged = mergeMessages(current, [m('b', 2), m('d', 4, 'read'), m('e', 5)], true);
    expect(merged).toEqual([m('a', 1), m('b', 2), m('d', 4, 'read'), m('e', 5)]);
  });

  it('takes a window without older messages as the whole thread', () => {
    expect(mergeMessages([m('a', 1), m('b', 2)], [m('b', 2)], false)).toEqual([m('b', 2)]);
    expect(mergeMessages([m('a', 1)], [], true)).toEqual([m('a', 1)]);
  });

  it('puts a sent or retried message in its place, once', () => {
    expect(upsertMessage([m('a', 1), m('c', 3)], m('b', 2, 'pending'))).toEqual([m('a', 1), m('b', 2, 'pending'), m('c', 3)]);
    expect(upsertMessage([m('a', 1), m('b', 2, 'failed')], m('b', 2, 'queued'))).toEqual([m('a', 1), m('b', 2, 'queued')]);
  });

  it('puts older messages in front without doubles', () => {
    expect(prependMessages([m('b', 2), m('c', 3)], [m('a', 1), m('b', 2)])).toEqual([m('a', 1), m('b', 2), m('c', 3)]);
  });
});

describe('dates', () => {
  it('writes a date of birth without shifting it by a time zone', () => {
    expect(birthDate('1980-04-02', 'en-CA')).toContain('1980');
    expect(birthDate('1980-04-02', 'en')).toMatch(/Apr 2, 1980|2 Apr 1980/);
    expect(birthDate('not a date', 'en')).toBe('not a date');
  });

  it('shows the time of day for today and the date otherwise', () => {
    const now = new Date(2026, 10, 23, 15, 0).getTime();
    expect(shortTime(new Date(2026, 10, 23, 9, 5).getTime(), now, 'en')).toBe('09:05');
    expect(shortTime(new Date(2026, 10, 2, 9, 5).getTime(), now, 'fr')).toMatch(/2 nov/);
    expect(shortTime(new Date(2025, 10, 2, 9, 5).getTime(), now, 'en')).toContain('2025');
  });
});
