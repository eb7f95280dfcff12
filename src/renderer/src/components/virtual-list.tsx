// Runs in the renderer: DOM only, no Node.
// A dependency-free virtual list with fixed-height rows: only the rows in view (plus a few on
// each side) are in the DOM, so thousands of rows scroll like a dozen. The element itself is
// the scroll container and takes any ARIA role and keyboard handling its owner gives it
// (e.g. a listbox with aria-activedescendant); `scrollToIndex` keeps a selected row in view.
import { type CSSProperties, type HTMLAttributes, type ReactNode, type Ref, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';

import { scrollTopToReveal, visibleRange } from './virtual-range';

export type VirtualListHandle = {
  /** Scrolls as little as possible to show the row whole. */
  scrollToIndex(index: number): void;
  /** How many whole rows fit in the viewport (for Page Up / Page Down). */
  pageSize(): number;
  /** Moves the keyboard focus to the list element itself. */
  focus(): void;
};

export type VirtualListProps = Readonly<
  Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'onScroll'> & {
    count: number;
    /** Every row's height, in CSS pixels. */
    rowHeight: number;
    overscan?: number;
    /** Renders row `index`; the row must use `style` (its absolute position and height). */
    renderRow: (index: number, style: CSSProperties) => ReactNode;
    handle?: Ref<VirtualListHandle>;
    /** A row rendered even when scrolled out of view, e.g. the one aria-activedescendant names. */
    keepMounted?: number;
  }
>;

export function VirtualList({ count, rowHeight, overscan = 6, renderRow, handle, keepMounted = -1, className, style, ...rest }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(0);
  const frame = useRef(0);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // The observer reports the first size at once, then each change (window resize, zoom).
    const observer = new ResizeObserver(() => setViewportHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const onScroll = useCallback(() => {
    // One state update per frame, however many scroll events the browser fires.
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = scroller.current;
      if (el) setScrollTop(el.scrollTop);
    });
  }, []);

  useImperativeHandle(
    handle,
    () => ({
      scrollToIndex(index: number) {
        const el = scroller.current;
        if (!el) return;
        const next = scrollTopToReveal(index, { count, rowHeight, scrollTop: el.scrollTop, viewportHeight: el.clientHeight });
        if (next !== el.scrollTop) {
          el.scrollTop = next;
          setScrollTop(next);
        }
      },
      pageSize() {
        const el = scroller.current;
        return el && rowHeight > 0 ? Math.max(1, Math.floor(el.clientHeight / rowHeight)) : 1;
      },
      focus() {
        scroller.current?.focus();
      },
    }),
    [count, rowHeight],
  );

  // Before the first measure, render as if the viewport were tall, so the first paint is not empty.
  const { start, end } = visibleRange({ count, rowHeight, scrollTop, viewportHeight: viewportHeight || 1200, overscan });
  const place = (index: number): CSSProperties => ({ position: 'absolute', top: index * rowHeight, left: 0, right: 0, height: rowHeight });
  const rows: ReactNode[] = [];
  if (keepMounted >= 0 && keepMounted < start && keepMounted < count) rows.push(renderRow(keepMounted, place(keepMounted)));
  for (let index = start; index < end; index++) rows.push(renderRow(index, place(index)));
  if (keepMounted >= end && keepMounted < count) rows.push(renderRow(keepMounted, place(keepMounted)));

  return (
    <div {...rest} ref={scroller} className={className} style={{ overflowY: 'auto', position: 'relative', ...style }} onScroll={onScroll}>
      <div role="presentation" style={{ position: 'relative', height: count * rowHeight, width: '100%' }}>
        {rows}
      </div>
    </div>
  );
}
