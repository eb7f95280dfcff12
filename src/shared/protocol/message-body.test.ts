import { describe, expect, it } from 'vitest';

import { formatBody, parseBody } from './message-body';

describe('message bodies', () => {
  it('is plain text without a mark, and carries the urgent mark otherwise', () => {
    expect(formatBody({ text: 'Hello', urgent: false })).toBe('Hello');
    expect(parseBody('Hello')).toEqual({ text: 'Hello', urgent: false });
    const marked = formatBody({ text: 'Chest pain', urgent: true });
    expect(marked).not.toBe('Chest pain');
    expect(parseBody(marked)).toEqual({ text: 'Chest pain', urgent: true });
  });

  it('cannot be confused: a NUL in text is dropped when sending and refused when received', () => {
    expect(parseBody(formatBody({ text: 'a\u0000b', urgent: false }))).toEqual({ text: 'ab', urgent: false });
    expect(parseBody('a\u0000b')).toBeNull();
    expect(parseBody('\u0000cm-body/1\u0000{"text":1}')).toBeNull();
    expect(parseBody('\u0000cm-body/1\u0000not json')).toBeNull();
  });
});
