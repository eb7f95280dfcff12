// Runs in the renderer: DOM only, no Node.
import type { ButtonHTMLAttributes, ReactNode } from 'react';

export type ButtonProps = Readonly<
  Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'className'> & {
    variant?: 'primary' | 'secondary' | 'quiet' | 'danger';
    /** Shows a spinner, keeps the label for screen readers, and blocks a second click. */
    busy?: boolean;
    children: ReactNode;
  }
>;

export function Button({ variant = 'secondary', busy = false, disabled, children, type = 'button', ...rest }: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      className={`button button--${variant}`}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
    >
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      <span>{children}</span>
    </button>
  );
}
