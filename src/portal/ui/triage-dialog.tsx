// Runs in the portal: the emergency screen. When a message shows a sign of an emergency, it
// stops the send and says what to do instead. "Change my message" has the focus, so Enter
// and Escape only ever go back to the message; sending it anyway takes a deliberate choice.
import { useEffect, useId, useRef } from 'react';

import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { EmergencyCall } from './emergency-call';
import { useI18n } from './i18n';

export function TriageDialog(props: {
  readonly open: boolean;
  readonly rules: ClinicRules;
  readonly onChange: () => void;
  readonly onSendAnyway: () => void;
  /** After it closed (the browser has put the focus back by then). */
  readonly onClosed?: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) {
      dialog.close();
      props.onClosed?.();
    }
    // Only the open state drives the dialog; onClosed is read when it closes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.open]);
  const { emergency, phone } = props.rules;
  return (
    <dialog
      ref={ref}
      className="dialog triage-dialog"
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      data-testid="triage-dialog"
      onCancel={(event) => {
        event.preventDefault();
        props.onChange();
      }}
    >
      <h2 id={titleId}>{t('triageTitle')}</h2>
      <div id={bodyId} className="dialog-body">
        <p>{t('triageBody')}</p>
        <EmergencyCall rules={props.rules} />
        {emergency.otherAdvice ? <p>{emergency.otherAdvice}</p> : null}
        {phone ? <p>{t('triageClinic', { phone })}</p> : null}
        <p className="hint">{t('triageAnyway')}</p>
      </div>
      <div className="actions">
        <button type="button" className="primary" onClick={props.onChange} autoFocus>
          {t('triageChange')}
        </button>
        <button type="button" className="secondary" onClick={props.onSendAnyway}>
          {t('triageSendAnyway')}
        </button>
      </div>
    </dialog>
  );
}
