// Runs in the renderer: DOM only, no Node.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { ReceiptView as Receipt } from '../../../../shared/consent/ipc';
import type { IpcError } from '../../../../shared/ipc/errors';
import { Button } from '../../components/button';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';
import { ReceiptView } from './receipt-view';

/** Shows the receipt of a stored record again (from the register). */
export function ReceiptLoader({ recordId, onDone }: Readonly<{ recordId: string; onDone: () => void }>) {
  const { t } = useTranslation();
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  useEffect(() => {
    void clinic().consent.receipt({ recordId }).then((result) => (result.ok ? setReceipt(result.value) : setError(result.error)));
  }, [recordId]);
  if (error)
    return (
      <div className="card">
        <p role="alert">{errorText(t, error)}</p>
        <Button onClick={onDone}>{t('flow.back')}</Button>
      </div>
    );
  if (!receipt) return <p className="muted">{t('common.loading')}</p>;
  return <ReceiptView receipt={receipt} onDone={onDone} />;
}
