// Runs in the renderer: DOM only, no Node.
import { type FormEvent, type ReactNode, useEffect, useId, useRef } from 'react';

export type DialogProps = Readonly<{
  open: boolean;
  title: string;
  onClose: () => void;
  /** When given, the dialog is a form: Enter submits, and the footer holds its buttons. */
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  footer: ReactNode;
  children: ReactNode;
}>;

/**
 * A modal dialog on the native <dialog> element: the browser traps focus, Escape closes
 * it, and focus returns to where it was when it closes.
 */
export function Dialog({ open, title, onClose, onSubmit, footer, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      return () => opener?.focus();
    }
    if (!open && dialog.open) dialog.close();
    return undefined;
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit?.(event);
        }}
      >
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
        <div className="dialog__body">{children}</div>
        <div className="dialog__footer">{footer}</div>
      </form>
    </dialog>
  );
}
