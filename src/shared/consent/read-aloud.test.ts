import { describe, expect, it } from 'vitest';

import { spellOut } from './read-aloud';

describe('spelling a short code out', () => {
  it('gives one word per character, by group, in the patient’s language', () => {
    expect(spellOut('K7PQ-3MZX', 'en')).toEqual([
      { group: 'K7PQ', words: ['Kilo', 'seven', 'Papa', 'Quebec'] },
      { group: '3MZX', words: ['three', 'Mike', 'Zulu', 'X-ray'] },
    ]);
    expect(spellOut('k7pq-3mzx', 'fr')).toEqual([
      { group: 'K7PQ', words: ['Kléber', 'sept', 'Pierre', 'Quintal'] },
      { group: '3MZX', words: ['trois', 'Marcel', 'Zoé', 'Xavier'] },
    ]);
  });
});
