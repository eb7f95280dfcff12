// Runs in the renderer: DOM only, no Node.
import { useEffect, useState } from 'react';

/**
 * This computer's clock, as state that ticks every `everyMs` while `active`: components
 * read the time from here instead of calling Date.now() while rendering.
 */
export function useNow(everyMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    const first = window.setTimeout(tick, 0);
    const timer = window.setInterval(tick, everyMs);
    return () => {
      window.clearTimeout(first);
      window.clearInterval(timer);
    };
  }, [everyMs, active]);
  return now;
}
