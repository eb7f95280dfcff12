import { describe, expect, it } from 'vitest';

import { isAllowedExternalUrl } from './external-links';

const allow = ['https://clinic.example'];

describe('external link allow-list', () => {
  it.each([
    ['https://clinic.example/hours', true],
    ['https://clinic.example:443/x', true],
    ['http://clinic.example/hours', false],
    ['https://clinic.example.evil.test/', false],
    ['https://user:pass@clinic.example/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['mailto:someone@clinic.example', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isAllowedExternalUrl(url, allow)).toBe(expected);
  });

  it('allows nothing with an empty list', () => {
    expect(isAllowedExternalUrl('https://clinic.example/', [])).toBe(false);
  });
});
