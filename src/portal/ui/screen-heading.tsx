// Runs in the portal: each screen's title. It takes focus when the screen appears, so
// keyboard and screen-reader users start at the top of the new screen; it also names the tab.
import { useEffect, useRef } from 'react';

import { useI18n } from './i18n';

export function ScreenHeading({ children }: { readonly children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { t } = useI18n();
  useEffect(() => {
    ref.current?.focus();
  }, []);
  useEffect(() => {
    document.title = `${children} · ${t('portalName')}`;
  }, [children, t]);
  return (
    <h1 ref={ref} tabIndex={-1} className="screen-title">
      {children}
    </h1>
  );
}
