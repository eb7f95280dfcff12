import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { clinicRulesSchema, defaultClinicRules } from '../protocol/clinic-rules';
import { createTriageMatcher, normalizeForTriage, scoreTriage } from './matcher';
import { defaultUrgentSigns } from './urgent-signs';

const matcher = createTriageMatcher(defaultUrgentSigns);
const urgent = (text: string) => matcher.check(text).urgent;
const labelled = (name: string) =>
  readFileSync(resolve(import.meta.dirname, '../../../tests/data/triage', name), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { text: string; urgent: boolean; lang: 'en' | 'fr' });

describe('the urgent-sign matcher', () => {
  it.each(['dev.jsonl', 'holdout.jsonl'])('meets the targets on the project’s labelled set %s (recall ≥ 0.95, false alarms ≤ 0.10)', (name) => {
    const items = labelled(name);
    expect(items.length).toBeGreaterThan(70);
    expect(new Set(items.map((i) => i.lang))).toEqual(new Set(['en', 'fr']));
    const score = scoreTriage(matcher, items);
    expect(score.missed).toEqual([]);
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
    expect(score.falseAlarmRate).toBeLessThanOrEqual(0.1);
  });

  it('ignores case and accents, forgives small typos and finds word forms', () => {
    expect(urgent('DOULEUR À LA POITRINE')).toBe(true);
    expect(urgent('douleur a la poitrine')).toBe(true);
    expect(urgent('my chets hurts')).toBe(true);
    expect(urgent('J’ai mal à la poitrinne')).toBe(true);
    expect(urgent('She fainted')).toBe(true);
    expect(urgent('Je me suis évanouie')).toBe(true);
    expect(urgent('I can’t breathe')).toBe(true);
    expect(urgent('pain in my chest')).toBe(true);
  });

  it('does not count a sign that is denied, but does when only doubted', () => {
    expect(urgent('no chest pain, just a cough')).toBe(false);
    expect(urgent('Je n’ai pas de douleur à la poitrine')).toBe(false);
    expect(urgent('I have no idea why my chest hurts')).toBe(true);
    expect(urgent('No. I have chest pain.')).toBe(true);
  });

  it('keeps words of a phrase within one sentence, and quoted phrases word for word', () => {
    expect(urgent('The chest X-ray was fine. My knee is a pain.')).toBe(false);
    expect(createTriageMatcher([{ id: 'x', en: ['"end it"'], fr: [] }]).check('I want to end it').urgent).toBe(true);
    expect(createTriageMatcher([{ id: 'x', en: ['"end it"'], fr: [] }]).check('it is the end').urgent).toBe(false);
  });

  it('says which sign matched, once per sign, and reads numbers as one word', () => {
    const result = matcher.check('Chest pain and my chest is tight, and I cannot breathe');
    expect(result.matches.map((m) => m.signId)).toEqual(['chest-pain', 'breathing']);
    expect(normalizeForTriage('Fever 38.6, then: rest')).toEqual(['fever', '386', 'then', '|', 'rest']);
  });

  it('is part of the signed rules: the defaults are there, and an empty list is refused', () => {
    const rules = defaultClinicRules('Clinic');
    expect(clinicRulesSchema.parse(rules).urgentSigns.map((s) => s.id)).toContain('self-harm');
    expect(clinicRulesSchema.safeParse({ ...rules, urgentSigns: [] }).success).toBe(false);
    expect(clinicRulesSchema.safeParse({ ...rules, urgentSigns: [{ id: 'x', en: [], fr: [] }] }).success).toBe(false);
    const { urgentSigns: _omitted, ...older } = rules;
    expect(clinicRulesSchema.parse(older).urgentSigns).toHaveLength(defaultUrgentSigns.length);
  });
});
