// Main process: the patient's consent receipt as a PDF (DOMAIN.md, clause 15). It carries the
// choices, the connection code with its QR code and the clinic fingerprint to check, the exact
// text agreed to, and the signature block (signature, witness, identity check, text version and
// hash, record id). Standard fonts only, so nothing is embedded but the drawn signature; any
// character the fonts cannot encode (WinAnsi) is printed as '?' instead of failing.
import { type PDFImage, PDFDocument, StandardFonts } from 'pdf-lib';

import { type ConsentChoice, type ConsentDocument, type ConsentSignature, type IdentityMethod } from '../../shared/consent/types';
import { type ReceiptText, receiptText } from '../../shared/consent/receipt-text';
import { describeIdentityMethod, scopeLabel } from '../../shared/consent/template';
import { clean, CONTENT_WIDTH, fingerprintSize, type Fonts, FOOTER_Y, MARGIN, MUTED, PAGE, QR_MODULE, QR_QUIET, Writer, qrSquares } from './receipt-pdf-layout';

export { type QrSquare, qrSquares } from './receipt-pdf-layout';

export type ConsentReceiptInput = {
  readonly language: 'en' | 'fr';
  readonly clinic: { readonly name: string; readonly phone: string; /** 'ABCD EFGH …', 13 groups */ readonly fingerprint: string };
  readonly patient: { readonly displayName: string; /** YYYY-MM-DD */ readonly dateOfBirth: string };
  readonly decisionMaker: { readonly name: string; readonly relationship: string } | null;
  /** The exact text the patient agreed to. */
  readonly document: ConsentDocument;
  /** Hex or base64 of the text's hash, printed in small type. */
  readonly textHash: string;
  readonly recordId: string;
  readonly choices: readonly ConsentChoice[];
  readonly excludedTopics: readonly string[];
  readonly identityMethod: IdentityMethod;
  /** Milliseconds since the epoch; printed as date and time in `timeZone`. */
  readonly signedAt: number;
  /** IANA time zone of the clinic. */
  readonly timeZone: string;
  readonly signature: ConsentSignature;
  /** The front-desk clerk's display name. */
  readonly witness: string;
  readonly enrollment: {
    /** The long code, XXXX-XXXX-… (18 groups): in the QR code and under Details. */
    readonly code: string;
    /** The short code a person types with the date of birth (ADR 15); null for older codes. */
    readonly shortCode: string | null;
    readonly expiresAt: number;
    readonly portalUrl: string | null;
  };
};

export type ConsentReceiptErrorCode = 'bad-signature-image' | 'bad-time-zone';
export class ConsentReceiptError extends Error {
  constructor(
    readonly code: ConsentReceiptErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConsentReceiptError';
  }
}

/** A drawn signature is a PNG data URL of at most 200 KiB (types.ts). */
const MAX_SIGNATURE_BYTES = 200 * 1024;

/** What the QR code encodes: the portal address carrying the code, or the code alone. */
export function qrPayload(enrollment: ConsentReceiptInput['enrollment']): string {
  return enrollment.portalUrl ? `${enrollment.portalUrl}#code=${enrollment.code}` : enrollment.code;
}

/** A long code, six groups per line, so a line never breaks inside a group. */
function codeRows(w: Writer, fonts: Fonts, code: string, maxSize: number): void {
  const groups = clean(code, fonts.monoBold).split('-');
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 6) rows.push(groups.slice(i, i + 6).join('-') + (i + 6 < groups.length ? '-' : ''));
  const widest = Math.max(...rows.map((row) => fonts.monoBold.widthOfTextAtSize(row, 1)));
  const size = Math.max(8, Math.min(maxSize, CONTENT_WIDTH / Math.max(1, widest)));
  for (const row of rows) w.text(row, { font: fonts.monoBold, size });
}

export async function renderConsentReceiptPdf(input: ConsentReceiptInput): Promise<Uint8Array> {
  const t: ReceiptText = receiptText[input.language];
  const signaturePng = input.signature.kind === 'drawn' ? decodeSignaturePng(input.signature.image) : null;
  const when = dateFormatters(input.language, input.timeZone);

  const pdf = await PDFDocument.create({ updateMetadata: false });
  const fonts: Fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
    italic: await pdf.embedFont(StandardFonts.HelveticaOblique),
    mono: await pdf.embedFont(StandardFonts.Courier),
    monoBold: await pdf.embedFont(StandardFonts.CourierBold),
  };
  let signatureImage: PDFImage | null = null;
  if (signaturePng) {
    try {
      signatureImage = await pdf.embedPng(signaturePng);
    } catch {
      throw new ConsentReceiptError('bad-signature-image', 'The drawn signature is not a readable PNG image; capture the signature again.');
    }
  }

  const w = new Writer(pdf, fonts, t.colon);
  const signer = input.decisionMaker ? input.decisionMaker.name : input.patient.displayName;

  // 1. Header.
  w.text(input.clinic.name, { font: fonts.bold, size: 15 });
  w.text(`${t.phone}${t.colon} ${input.clinic.phone}`, { size: 10, color: MUTED });
  w.gap(14);
  w.text(t.title, { font: fonts.bold, size: 20 });
  w.gap(8);
  w.rule();
  w.gap(8);
  w.field(t.patient, input.patient.displayName);
  w.field(t.dateOfBirth, when.birthDate(input.patient.dateOfBirth));
  if (input.decisionMaker) w.field(t.decisionMaker, `${input.decisionMaker.name} (${input.decisionMaker.relationship})`);
  w.field(t.signedOn, when.dateTime(input.signedAt));

  // 2. Choices.
  w.heading(t.choicesHeading);
  for (const choice of input.choices) {
    w.keepTogether(16);
    const y = w.line(scopeLabel(choice.scope, input.language), { size: 11 });
    w.at(choice.granted ? t.yes : t.no, MARGIN.left + CONTENT_WIDTH * 0.62, y, { font: fonts.bold, size: 11 });
    w.gap(3);
  }
  w.gap(6);
  w.text(`${t.excludedTopics}${t.colon}`, { font: fonts.bold, size: 10 });
  if (input.excludedTopics.length === 0) w.text(t.noExcludedTopics, { size: 10 });
  else for (const topic of input.excludedTopics) w.bullet(topic, { size: 10 });

  // 3. Connection code, QR code, fingerprint.
  const qr = qrSquares(qrPayload(input.enrollment));
  const qrSide = (qr.size + 2 * QR_QUIET) * QR_MODULE;
  w.heading(t.connectHeading, qrSide + 160);
  w.text(t.connectIntro(input.enrollment.portalUrl), { size: 10 });
  w.gap(8);
  w.text(t.enrollmentCode, { font: fonts.bold, size: 10, color: MUTED });
  const short = input.enrollment.shortCode;
  if (short) {
    w.text(clean(short, fonts.monoBold), { font: fonts.monoBold, size: 24 });
    w.text(t.shortCodeHint, { size: 10 });
  } else {
    codeRows(w, fonts, input.enrollment.code, 20);
  }
  w.gap(4);
  w.keepTogether(qrSide);
  const qrTop = w.y;
  w.qr(qr, MARGIN.left - QR_QUIET * QR_MODULE, qrTop);
  const besideQr = { x: MARGIN.left + qrSide - QR_QUIET * QR_MODULE + 8, width: CONTENT_WIDTH - qrSide + QR_QUIET * QR_MODULE - 8 };
  w.y = qrTop - QR_QUIET * QR_MODULE;
  w.text(t.codeExpires(when.dateTime(input.enrollment.expiresAt)), { size: 10, ...besideQr });
  w.gap(6);
  w.text(t.codeOnce, { size: 10, color: MUTED, ...besideQr });
  w.y = Math.min(w.y, qrTop - qrSide);
  w.gap(6);
  w.text(t.detailsHeading, { font: fonts.bold, size: 10, color: MUTED });
  if (short) {
    w.text(`${t.fullCode}${t.colon}`, { size: 9, color: MUTED });
    codeRows(w, fonts, input.enrollment.code, 10);
  }
  w.text(`${t.fingerprint}${t.colon}`, { size: 9, color: MUTED });
  w.text(input.clinic.fingerprint, { font: fonts.mono, size: Math.min(10, fingerprintSize(fonts.mono, input.clinic.fingerprint)) });
  w.gap(4);
  w.text(t.fingerprintCheck(input.clinic.phone), { size: 9, color: MUTED });

  // 4. The text agreed to, section by section.
  w.heading(t.agreedHeading);
  w.text(t.agreedIntro(input.document.version), { size: 9, color: MUTED });
  w.gap(6);
  w.text(input.document.title, { font: fonts.bold, size: 12 });
  for (const section of input.document.sections) {
    w.gap(8);
    w.keepTogether(48);
    w.text(section.title, { font: fonts.bold, size: 11 });
    w.gap(2);
    for (const paragraph of section.paragraphs) {
      w.text(paragraph, { size: 9.5 });
      w.gap(4);
    }
    for (const bullet of section.bullets) w.bullet(bullet, { size: 9.5 });
  }

  // 5. Signature block, kept on one page.
  w.heading(t.signatureHeading, 230);
  if (signatureImage) {
    const scale = Math.min(240 / signatureImage.width, 80 / signatureImage.height, 1);
    const size = { width: signatureImage.width * scale, height: signatureImage.height * scale };
    w.image(signatureImage, size.width, size.height);
  } else if (input.signature.kind === 'typed') {
    w.text(input.signature.name, { font: fonts.italic, size: 22 });
  }
  w.gap(2);
  w.rule(260);
  w.gap(4);
  w.text(t.signedBy(signer), { size: 9, color: MUTED });
  w.gap(8);
  w.field(t.signedOn, when.dateTime(input.signedAt));
  w.field(t.witness, input.witness);
  w.field(t.identityChecked, describeIdentityMethod(input.identityMethod, input.language));
  w.field(t.textVersion, input.document.version);
  w.field(t.recordId, input.recordId, fonts.mono);
  w.gap(2);
  w.text(`${t.textHash}${t.colon} ${input.textHash}`, { font: fonts.mono, size: 7, color: MUTED });

  // 6. Footer and page numbers, now that the count is known.
  const pages = pdf.getPages();
  pages.forEach((page, i) => {
    const footer = clean(t.footer(input.document.version), fonts.regular);
    page.drawText(footer, { x: MARGIN.left, y: FOOTER_Y, size: 8, font: fonts.regular, color: MUTED });
    const number = clean(t.page(i + 1, pages.length), fonts.regular);
    const width = fonts.regular.widthOfTextAtSize(number, 8);
    page.drawText(number, { x: PAGE.width - MARGIN.right - width, y: FOOTER_Y, size: 8, font: fonts.regular, color: MUTED });
  });

  pdf.setTitle(`${t.documentTitle} – ${input.clinic.name}`);
  pdf.setAuthor(input.clinic.name);
  pdf.setSubject(`${t.textVersion} ${input.document.version}`);
  pdf.setLanguage(input.language === 'fr' ? 'fr-CA' : 'en-CA');
  pdf.setCreator('Clinic Messenger');
  pdf.setProducer('Clinic Messenger');
  pdf.setCreationDate(new Date(input.signedAt));
  pdf.setModificationDate(new Date(input.signedAt));
  return pdf.save();
}

/** The PNG bytes of a `data:image/png;base64,…` URL; a ConsentReceiptError for anything else. */
function decodeSignaturePng(dataUrl: string): Uint8Array {
  const match = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/.exec(dataUrl.trim());
  const bad = (why: string) => new ConsentReceiptError('bad-signature-image', `The drawn signature ${why}; capture the signature again.`);
  if (!match?.[1]) throw bad('is not a PNG data URL');
  const bytes = new Uint8Array(Buffer.from(match[1], 'base64'));
  if (bytes.length > MAX_SIGNATURE_BYTES) throw bad('is larger than 200 KiB');
  const magic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < magic.length || magic.some((b, i) => bytes[i] !== b)) throw bad('is not a PNG image');
  return bytes;
}

function dateFormatters(language: 'en' | 'fr', timeZone: string) {
  const locale = language === 'fr' ? 'fr-CA' : 'en-CA';
  let dateTime: Intl.DateTimeFormat;
  try {
    dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone });
  } catch {
    throw new ConsentReceiptError('bad-time-zone', 'The clinic’s time zone is not valid; correct it in the clinic settings.');
  }
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  return {
    dateTime: (ms: number) => `${dateTime.format(ms)} (${timeZone})`,
    birthDate: (iso: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
      if (!m) return iso;
      const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      return Number.isNaN(ms) ? iso : date.format(ms);
    },
  };
}
