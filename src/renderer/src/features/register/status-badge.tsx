// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import type { ConsentRegisterRow } from '../../../../shared/consent/ipc';

/** A patient's consent status as words; the colour and the mark only repeat them. */
export function StatusBadge({ status }: Readonly<{ status: ConsentRegisterRow['status'] }>) {
  const { t } = useTranslation();
  return (
    <span className={`register-badge register-badge--${status}`}>
      <span className="register-badge__mark" aria-hidden="true" />
      {t(`register.statuses.${status}`)}
    </span>
  );
}

/** A note that needs attention (not yet sent, renewal due), written out. */
export function Warning({ children }: Readonly<{ children: string }>) {
  return (
    <span className="register-warning">
      <span className="register-warning__mark" aria-hidden="true">
        !
      </span>
      {children}
    </span>
  );
}
