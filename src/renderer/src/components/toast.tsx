// Runs in the renderer: DOM only, no Node.
import { type ReactNode, createContext, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

export type ToastTone = 'success' | 'error' | 'info';
type Toast = { readonly id: number; readonly tone: ToastTone; readonly text: string };
type ToastApi = { readonly show: (tone: ToastTone, text: string) => void };

const ToastContext = createContext<ToastApi | null>(null);

/** Success and information fade after a while; errors stay until the user dismisses them. */
const autoDismissMs = 6000;

export function ToastProvider({ children }: Readonly<{ children: ReactNode }>) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);
  const show = useCallback(
    (tone: ToastTone, text: string) => {
      const id = nextId.current++;
      setToasts((all) => [...all.slice(-3), { id, tone, text }]);
      if (tone !== 'error') window.setTimeout(() => dismiss(id), autoDismissMs);
    },
    [dismiss],
  );
  const api = useMemo(() => ({ show }), [show]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <section className="toasts" aria-label={t('common.notifications')}>
        <div role="status" aria-live="polite" className="toasts__live">
          {toasts.map((toast) => (
            <div key={toast.id} className={`toast toast--${toast.tone}`}>
              <p className="toast__text">{toast.text}</p>
              <button type="button" className="toast__close" onClick={() => dismiss(toast.id)} aria-label={t('common.dismiss')}>
                ×
              </button>
            </div>
          ))}
        </div>
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast must be used inside <ToastProvider>.');
  return api;
}
