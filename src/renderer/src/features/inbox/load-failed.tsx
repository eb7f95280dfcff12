// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import type { IpcError } from '../../../../shared/ipc/errors';
import { Button } from '../../components/button';
import { errorText } from '../../lib/i18n';

/** What could not be loaded, why, and a way to try again. */
export function LoadFailed({ what, error, onRetry, className }: Readonly<{ what: string; error: IpcError | null; onRetry: () => void; className?: string }>) {
  const { t } = useTranslation();
  return (
    <div className={`notice notice--warn${className ? ` ${className}` : ''}`} role="alert">
      <p>
        {what} {error ? errorText(t, error) : null}
      </p>
      <Button onClick={onRetry}>{t('inbox.retry')}</Button>
    </div>
  );
}
