import { describe, expect, it } from 'vitest';

import { listMoveForKey, moveIndex, scrollTopToReveal, visibleRange } from './virtual-range';

describe('visibleRange', () => {
  it('renders the rows in view plus the overscan on each side', () => {
    expect(visibleRange({ count: 5000, rowHeight: 80, scrollTop: 0, viewportHeight: 400, overscan: 3 })).toEqual({ start: 0, end: 8 });
    expect(visibleRange({ count: 5000, rowHeight: 80, scrollTop: 8000, viewportHeight: 400, overscan: 3 })).toEqual({ start: 97, end: 108 });
  });

  it('counts a row cut by the bottom edge as visible', () => {
    expect(visibleRange({ count: 100, rowHeight: 80, scrollTop: 40, viewportHeight: 100, overscan: 0 })).toEqual({ start: 0, end: 2 });
  });

  it('stays inside the list at its end, and when scrolled past it', () => {
    expect(visibleRange({ count: 10, rowHeight: 80, scrollTop: 600, viewportHeight: 400, overscan: 3 })).toEqual({ start: 4, end: 10 });
    expect(visibleRange({ count: 10, rowHeight: 80, scrollTop: 99_999, viewportHeight: 400, overscan: 3 })).toEqual({ start: 10, end: 10 });
    expect(visibleRange({ count: 10, rowHeight: 80, scrollTop: -50, viewportHeight: 400, overscan: 3 })).toEqual({ start: 0, end: 8 });
  });

  it('is empty for an empty list or a zero row height', () => {
    expect(visibleRange({ count: 0, rowHeight: 80, scrollTop: 0, viewportHeight: 400, overscan: 3 })).toEqual({ start: 0, end: 0 });
    expect(visibleRange({ count: 10, rowHeight: 0, scrollTop: 0, viewportHeight: 400, overscan: 3 })).toEqual({ start: 0, end: 0 });
  });

  it('renders a bounded number of rows however long the list', () => {
    const { start, end } = visibleRange({ count: 1_000_000, rowHeight: 72, scrollTop: 36_000_000, viewportHeight: 900, overscan: 6 });
    expect(end - start).toBeLessThanOrEqual(Math.ceil(900 / 72) + 1 + 12);
  });
});

describe('scrollTopToReveal', () => {
  const list = { count: 100, rowHeight: 50, viewportHeight: 200 };

  it('does not move when the row is already whole in view', () => {
    expect(scrollTopToReveal(3, { ...list, scrollTop: 100 })).toBe(100);
  });

  it('scrolls up to put a row above the view at the top', () => {
    expect(scrollTopToReveal(1, { ...list, scrollTop: 300 })).toBe(50);
  });

  it('scrolls down just enough to put a row below the view at the bottom', () => {
    expect(scrollTopToReveal(10, { ...list, scrollTop: 0 })).toBe(550 - 200);
  });

  it('clamps the index and the scroll position to the list', () => {
    expect(scrollTopToReveal(500, { ...list, scrollTop: 0 })).toBe(100 * 50 - 200);
    expect(scrollTopToReveal(-4, { ...list, scrollTop: 300 })).toBe(0);
    expect(scrollTopToReveal(0, { count: 0, rowHeight: 50, viewportHeight: 200, scrollTop: 0 })).toBe(0);
  });
});

describe('moveIndex', () => {
  it('moves one row, a page, or to either end, and stops at the edges', () => {
    expect(moveIndex(4, 'next', 10, 5)).toBe(5);
    expect(moveIndex(9, 'next', 10, 5)).toBe(9);
    expect(moveIndex(0, 'previous', 10, 5)).toBe(0);
    expect(moveIndex(2, 'page-down', 10, 5)).toBe(7);
    expect(moveIndex(8, 'page-down', 10, 5)).toBe(9);
    expect(moveIndex(3, 'page-up', 10, 5)).toBe(0);
    expect(moveIndex(5, 'first', 10, 5)).toBe(0);
    expect(moveIndex(5, 'last', 10, 5)).toBe(9);
  });

  it('starts at the first row when nothing is selected yet', () => {
    expect(moveIndex(-1, 'next', 10, 5)).toBe(0);
    expect(moveIndex(-1, 'previous', 10, 5)).toBe(0);
    expect(moveIndex(-1, 'page-up', 10, 5)).toBe(0);
  });

  it('has nowhere to go in an empty list, and pulls a stale index back into a shorter list', () => {
    expect(moveIndex(3, 'next', 0, 5)).toBe(-1);
    expect(moveIndex(40, 'previous', 10, 5)).toBe(8);
  });
});

describe('listMoveForKey', () => {
  it('maps the list keys and ignores the others', () => {
    expect(listMoveForKey('ArrowDown')).toBe('next');
    expect(listMoveForKey('PageUp')).toBe('page-up');
    expect(listMoveForKey('Enter')).toBeNull();
  });
});
