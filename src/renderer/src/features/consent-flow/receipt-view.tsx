// Runs in the renderer: DOM only, no Node.
// The receipt on screen: the patient's choices, the short code to type with the date of birth
// (and a spelled-out view to read it over the phone), the QR code with the full code, the
// full code and the fingerprint under Details (the portal checks the fingerprint itself), and
// what they agreed to. Saved as a PDF by main, or printed.
import { type RefObject, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';

import type { ReceiptView as Receipt } from '../../../../shared/consent/ipc';
import { spellOut } from '../../../../shared/consent/read-aloud';
import { scopeLabel } from '../../../../shared/consent/template';
import { consentScopes } from '../../../../shared/protocol/documents';
import { Button } from '../../components/button';
import { useToast } from '../../components/toast';
import { clinic } from '../../lib/api';
import { errorText } from '../../lib/i18n';

/** The QR code as SVG squares: no canvas, no inline styles (the page's CSP allows neither). */
export function QrCode({ text, label }: Readonly<{ text: string; label: string }>) {
  const squares = useMemo(() => {
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const size = qr.modules.size;
    const cells: { x: number; y: number }[] = [];
    for (let y = 0; y < size; y += 1) for (let x = 0; x < size; x += 1) if (qr.modules.get(y, x)) cells.push({ x, y });
    return { size, cells };
  }, [text]);
  const path = squares.cells.map((c) => `M${c.x + 4} ${c.y + 4}h1v1h-1z`).join('');
  return (
    <svg className="qr" viewBox={`0 0 ${squares.size + 8} ${squares.size + 8}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect width="100%" height="100%" fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

export function ReceiptView({ receipt: initial, onDone, headingRef }: Readonly<{ receipt: Receipt; onDone: () => void; headingRef?: RefObject<HTMLHeadingElement | null> }>) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const [receipt, setReceipt] = useState(initial);
  const [busy, setBusy] = useState<'pdf' | 'code' | null>(null);
  const [spelling, setSpelling] = useState(false);
  const { record, patient, enrollment } = receipt;
  const language = record.language;
  const dateTime = (ms: number) => new Date(ms).toLocaleString(i18n.language, { dateStyle: 'long', timeStyle: 'short' });

  const savePdf = async () => {
    setBusy('pdf');
    const result = await clinic().consent['save-receipt']({ recordId: record.recordId });
    setBusy(null);
    if (result.ok) toast.show('success', t('flow.receipt.saved', { file: result.value.fileName }));
    else if (result.error.code !== 'cancelled') toast.show('error', errorText(t, result.error));
  };
  const issueCode = async () => {
    setBusy('code');
    const result = await clinic().consent['issue-code']({ patientId: patient.id });
    setBusy(null);
    if (result.ok) setReceipt(result.value);
    else toast.show('error', errorText(t, result.error));
  };

  return (
    <section className="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title" ref={headingRef} tabIndex={-1}>
        {t('flow.receipt.title')}
      </h2>
      <p className="receipt__lead">{t('flow.receipt.lead', { name: `${patient.givenName} ${patient.familyName}`, date: dateTime(record.recordedAt) })}</p>
      <div className="receipt__grid">
        <div className="card">
          <h3>{t('flow.receipt.connect')}</h3>
          {enrollment ? (
            <>
              <p>{enrollment.portalUrl ? t('flow.receipt.connectAt', { url: enrollment.portalUrl }) : t('flow.receipt.connectBody')}</p>
              <p className="muted">{t('flow.receipt.shortCodeLabel')}</p>
              <p className="enrollment-code enrollment-code--short" data-testid="short-code">
                {enrollment.shortCode ?? enrollment.code}
              </p>
              {enrollment.shortCode ? (
                <Button aria-expanded={spelling} aria-controls="read-aloud" onClick={() => setSpelling((v) => !v)}>
                  {spelling ? t('flow.receipt.hideReadAloud') : t('flow.receipt.readAloud')}
                </Button>
              ) : null}
              {spelling && enrollment.shortCode ? (
                <div id="read-aloud" className="read-aloud" lang={language} data-testid="read-aloud">
                  <p className="muted">{t('flow.receipt.readAloudIntro')}</p>
                  <ol>
                    {spellOut(enrollment.shortCode, language).map((g, i) => (
                      <li key={i}>
                        <span className="read-aloud__group">{t('flow.receipt.group', { n: i + 1 })}: {g.group}</span> <span>{g.words.join(' · ')}</span>
                      </li>
                    ))}
                  </ol>
                </div>
              ) : null}
              <QrCode text={enrollment.portalUrl ? `${enrollment.portalUrl}#code=${enrollment.code}` : enrollment.code} label={t('flow.receipt.qrLabel')} />
              <p>{t('flow.receipt.expires', { date: dateTime(enrollment.expiresAt) })}</p>
            </>
          ) : (
            <>
              <p role="alert">{t('flow.receipt.noCode')}</p>
              <Button variant="primary" busy={busy === 'code'} onClick={() => void issueCode()}>
                {t('flow.receipt.issueCode')}
              </Button>
            </>
          )}
          <details className="receipt__details">
            <summary>{t('flow.receipt.details')}</summary>
            {enrollment?.shortCode ? (
              <>
                <p className="muted">{t('flow.receipt.fullCode')}</p>
                <p className="enrollment-code" data-testid="enrollment-code">
                  {enrollment.code}
                </p>
              </>
            ) : null}
            <p className="muted">{t('flow.receipt.fingerprint')}</p>
            <p className="fingerprint" data-testid="clinic-fingerprint">
              {receipt.fingerprint}
            </p>
          </details>
        </div>
        <div className="card">
          <h3>{t('flow.receipt.choices')}</h3>
          <ul className="plain-list">
            {consentScopes.map((scope) => (
              <li key={scope}>
                {scopeLabel(scope, language)}: <strong>{record.scopes.includes(scope) ? t('flow.yes') : t('flow.no')}</strong>
              </li>
            ))}
          </ul>
          {record.excludedTopics.length > 0 ? <p>{t('flow.receipt.excluded', { topics: record.excludedTopics.join(', ') })}</p> : null}
          <p className="muted">{t('flow.receipt.version', { version: record.textVersion, witness: record.recordedBy.name })}</p>
          {!receipt.published ? <p role="status">{t('flow.receipt.notSent')}</p> : null}
        </div>
      </div>
      {receipt.document ? (
        <details className="card receipt__text">
          <summary>{t('flow.receipt.agreedText')}</summary>
          <div lang={language}>
            {receipt.document.sections.map((section) => (
              <section key={section.id}>
                <h4>{section.title}</h4>
                {section.paragraphs.map((p, i) => (
                  <p key={i}>{p}</p>
                ))}
                {section.bullets.length > 0 ? (
                  <ul>
                    {section.bullets.map((b, i) => (
                      <li key={i}>{b}</li>
                    ))}
                  </ul>
                ) : null}
              </section>
            ))}
          </div>
        </details>
      ) : null}
      <div className="form-actions no-print">
        <Button onClick={() => window.print()}>{t('flow.receipt.print')}</Button>
        <Button busy={busy === 'pdf'} disabled={!enrollment} onClick={() => void savePdf()}>
          {t('flow.receipt.savePdf')}
        </Button>
        <Button variant="primary" onClick={onDone}>
          {t('flow.receipt.done')}
        </Button>
      </div>
    </section>
  );
}
