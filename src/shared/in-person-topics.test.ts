import { describe, expect, it } from 'vitest';

import { defaultClinicRules } from './protocol/clinic-rules';
import { matchInPersonTopic } from './in-person-topics';

const topics = defaultClinicRules('Lakeside', 'America/Toronto').inPersonTopics;

describe('in-person topics in a patient message', () => {
  it('finds the topic a message looks like, without accents or case, in EN and FR', () => {
    expect(matchInPersonTopic('Are my test results in yet?', topics)).toBe('Test results that need an examination');
    expect(matchInPersonTopic('My symptoms are WORSENING since Monday', topics)).toBe('New or worsening symptoms');
    expect(matchInPersonTopic('I have chest pain when I climb stairs', topics)).toBe('Chest pain, trouble breathing or thoughts of self-harm');
    expect(matchInPersonTopic('Les résultats de mon examen sont-ils arrivés ?', ['Résultats d’examen à discuter'])).toBe('Résultats d’examen à discuter');
  });

  it('stays quiet for a message about something else, one shared word, or a topic of stop words only', () => {
    expect(matchInPersonTopic('Can you renew my blood pressure prescription?', topics)).toBeNull();
    expect(matchInPersonTopic('The test went fine, thanks', topics)).toBeNull();
    expect(matchInPersonTopic('anything at all', ['that with from'])).toBeNull();
    expect(matchInPersonTopic('Vaccination booking', ['Vaccinations'])).toBe('Vaccinations');
    expect(matchInPersonTopic('', topics)).toBeNull();
  });
});
