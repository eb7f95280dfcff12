import { describe, expect, it } from 'vitest';

import { PatientInput, isFutureDate } from './ipc';

const at = (iso: string) => Date.parse(iso);

describe('date of birth', () => {
  it('accepts today in every zone, even a late evening in Toronto when it is already tomorrow in UTC', () => {
    // 20:00 in Toronto on 4 December is 01:00 UTC on the 5th; a baby born on the 4th is fine,
    // and so is one born on the 5th in Auckland, where the 5th has begun.
    const evening = at('2026-12-04T20:00:00-05:00');
    expect(isFutureDate('2026-12-04', evening)).toBe(false);
    expect(isFutureDate('2026-12-05', evening)).toBe(false);
    expect(isFutureDate('2026-12-07', evening)).toBe(true);
    expect(isFutureDate('2999-01-01', evening)).toBe(true);
    expect(isFutureDate('1980-04-02', evening)).toBe(false);
  });

  it('checks only the shape and the lower bound in the schema (the clock is main’s)', () => {
    expect(PatientInput.safeParse({ givenName: 'A', familyName: 'B', dateOfBirth: '1899-12-31' }).success).toBe(false);
    expect(PatientInput.safeParse({ givenName: 'A', familyName: 'B', dateOfBirth: '2026-02-30' }).success).toBe(false);
    expect(PatientInput.safeParse({ givenName: 'A', familyName: 'B', dateOfBirth: '1980-04-02' }).success).toBe(true);
  });
});
