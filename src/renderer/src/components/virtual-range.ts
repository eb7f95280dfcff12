// Runs anywhere: pure TypeScript, no DOM. The arithmetic of a fixed-row-height virtual list:
// which rows to render for a scroll position, and where to scroll to bring a row into view.

export type RangeInput = Readonly<{
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Rows rendered beyond each edge of the viewport, so fast scrolling shows no gaps. */
  overscan: number;
}>;

/** Rows [start, end) to render. Empty when there are no rows or no row height. */
export function visibleRange({ count, rowHeight, scrollTop, viewportHeight, overscan }: RangeInput): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}

/**
 * The scroll position that shows row `index` whole while moving as little as possible; the
 * current position when the row is already in view.
 */
export function scrollTopToReveal(index: number, input: Readonly<{ count: number; rowHeight: number; scrollTop: number; viewportHeight: number }>): number {
  const { count, rowHeight, scrollTop, viewportHeight } = input;
  if (count <= 0 || rowHeight <= 0) return 0;
  const row = Math.min(count - 1, Math.max(0, index));
  const top = row * rowHeight;
  const bottom = top + rowHeight;
  const maxTop = Math.max(0, count * rowHeight - viewportHeight);
  if (top < scrollTop) return Math.min(maxTop, top);
  if (bottom > scrollTop + viewportHeight) return Math.min(maxTop, Math.max(0, bottom - viewportHeight));
  return Math.min(maxTop, Math.max(0, scrollTop));
}

export type ListMove = 'next' | 'previous' | 'first' | 'last' | 'page-down' | 'page-up';

/** The row keyboard navigation lands on; -1 when the list is empty. From "nothing" (-1), any move goes to a real row. */
export function moveIndex(current: number, move: ListMove, count: number, pageSize: number): number {
  if (count <= 0) return -1;
  const page = Math.max(1, pageSize);
  const from = current < 0 ? -1 : Math.min(count - 1, current);
  const target =
    move === 'first' ? 0
    : move === 'last' ? count - 1
    : move === 'next' ? from + 1
    : move === 'previous' ? (from < 0 ? 0 : from - 1)
    : move === 'page-down' ? from + page
    : from < 0 ? 0 : from - page;
  return Math.min(count - 1, Math.max(0, target));
}

/** The move a key stands for in a list, or null for any other key. */
export function listMoveForKey(key: string): ListMove | null {
  switch (key) {
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'PageDown':
      return 'page-down';
    case 'PageUp':
      return 'page-up';
    default:
      return null;
  }
}
