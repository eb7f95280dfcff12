import { describe, expect, it } from 'vitest';

import { parseArgs, positiveInt } from './args';

describe('command-line arguments', () => {
  it('reads known options and refuses the rest with a clear message', () => {
    expect(parseArgs(['--patients', '5', '--name', 'Léa R'], ['patients', 'name'])).toEqual({ patients: '5', name: 'Léa R' });
    expect(() => parseArgs(['--nope', '1'], ['patients'])).toThrow('Unknown option --nope. Known: --patients.');
    expect(() => parseArgs(['--patients'], ['patients'])).toThrow('--patients needs a value.');
    expect(() => parseArgs(['stray'], ['patients'])).toThrow('Unexpected argument "stray".');
    expect(positiveInt(undefined, 'n', 7)).toBe(7);
    expect(() => positiveInt('-1', 'n', 7)).toThrow('--n must be a whole number of 0 or more.');
    expect(() => positiveInt('2.5', 'n', 7)).toThrow();
  });
});
