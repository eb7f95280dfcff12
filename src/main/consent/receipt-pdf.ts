// Main process: the patient's consent receipt as a PDF (DOMAIN.md, clause 15). It carries the
// choices, the connection code with its QR code and the clinic fingerprint to check, the exact
// text agreed to, and the signature block (signature, witness, identity check, text version and
// hash, record id). Standard fonts only, so nothing is embedded but the drawn signature; any
// character the fonts cannot encode (WinAnsi) is printed as '?' instead of failing.
import {
  type PDFFont,
  type PDFImage,
  type PDFPage,
  PDFDocument,
  StandardFonts,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingGrayscaleColor,
} from 'pdf-lib';
import { create as createQr } from 'qrcode';

import { type ConsentChoice, type ConsentDocument, type ConsentSignature, type IdentityMethod } from '../../shared/consent/types';
import { type ReceiptText, receiptText } from '../../shared/consent/receipt-text';
import { describeIdentityMethod, scopeLabel } from '../../shared/consent/template';

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
  readonly enrollment: { /** XXXX-XXXX-… */ readonly code: string; readonly expiresAt: number; readonly portalUrl: string | null };
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

// A4 in points, with generous margins; the footer sits in the bottom margin.
const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = { left: 64, right: 64, top: 64, bottom: 80 } as const;
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const FOOTER_Y = 40;
const QR_MODULE = 3.2; // points per QR module
const QR_QUIET = 4; // modules of white around the symbol

const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.38, 0.42);
const RULE = rgb(0.75, 0.75, 0.78);

type Fonts = {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  readonly italic: PDFFont;
  readonly mono: PDFFont;
  readonly monoBold: PDFFont;
};

/** One dark module of a QR symbol: row 0 is the top, column 0 the left. */
export type QrSquare = { readonly row: number; readonly col: number };

/** The QR symbol for `text` as its size and its dark modules, each drawn as one square. */
export function qrSquares(text: string): { readonly size: number; readonly squares: readonly QrSquare[] } {
  const { modules } = createQr(text, { errorCorrectionLevel: 'M' });
  const squares: QrSquare[] = [];
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) squares.push({ row, col });
  }
  return { size: modules.size, squares };
}

/** What the QR code encodes: the portal address carrying the code, or the code alone. */
export function qrPayload(enrollment: ConsentReceiptInput['enrollment']): string {
  return enrollment.portalUrl ? `${enrollment.portalUrl}#code=${enrollment.code}` : enrollment.code;
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
  // Six groups per line, so a line never breaks inside a group the patient has to type.
  const groups = clean(input.enrollment.code, fonts.monoBold).split('-');
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 6) rows.push(groups.slice(i, i + 6).join('-') + (i + 6 < groups.length ? '-' : ''));
  const widest = Math.max(...rows.map((row) => fonts.monoBold.widthOfTextAtSize(row, 1)));
  const codeSize = Math.max(10, Math.min(20, CONTENT_WIDTH / Math.max(1, widest)));
  for (const row of rows) w.text(row, { font: fonts.monoBold, size: codeSize });
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
  w.text(`${t.fingerprint}${t.colon}`, { font: fonts.bold, size: 10 });
  w.text(input.clinic.fingerprint, { font: fonts.mono, size: fingerprintSize(fonts.mono, input.clinic.fingerprint) });
  w.gap(4);
  w.text(t.fingerprintCheck(input.clinic.phone), { size: 10 });

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

/** The largest size up to 11 pt at which the fingerprint fits on one line. */
function fingerprintSize(font: PDFFont, fingerprint: string): number {
  const width = font.widthOfTextAtSize(clean(fingerprint, font), 1);
  return Math.max(6, Math.min(11, CONTENT_WIDTH / Math.max(1, width)));
}

// Characters outside WinAnsi that have a plain equivalent but no Unicode decomposition.
const FALLBACK: Readonly<Record<string, string>> = {
  '\u2212': '-', '\u2010': '-', '\u2011': '-', '\u2043': '-', '\u2032': "'", '\u2033': '"', '\u2024': '.',
  'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ħ': 'H', 'ħ': 'h', 'ı': 'i', 'ŀ': 'l', 'Ŀ': 'L',
};
const charsets = new WeakMap<PDFFont, ReadonlySet<number>>();
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * `text` as the font can encode it: composed (NFC), spaces of any width as a space or a
 * no-break space, control and format characters dropped, a letter with an accent the font
 * lacks printed with fewer accents (ễ → ê, ő → o), and '?' for anything else, one per
 * character as the reader sees it (a family emoji is one '?').
 */
function clean(text: string, font: PDFFont): string {
  let supported = charsets.get(font);
  if (!supported) {
    supported = new Set(font.getCharacterSet());
    charsets.set(font, supported);
  }
  const has = (s: string) => [...s].every((c) => supported.has(c.codePointAt(0) ?? 0));
  let out = '';
  for (const { segment } of graphemes.segment(text.normalize('NFC'))) {
    if (/^\s+$/u.test(segment)) out += segment === ' ' || /[\t\n\r\v\f]/.test(segment) || !has('\u00a0') ? ' ' : '\u00a0';
    else if (/^[\p{Cc}\p{Cf}]+$/u.test(segment)) continue;
    else if (has(segment)) out += segment;
    else out += plainEquivalent(segment, has) ?? '?';
  }
  return out;
}

/** The grapheme with as few of its accents removed as needed to print, or null. */
function plainEquivalent(grapheme: string, has: (s: string) => boolean): string | null {
  const fallback = FALLBACK[grapheme];
  if (fallback) return fallback;
  const [base = '', ...marks] = [...grapheme.normalize('NFD')];
  if (marks.length === 0 || !marks.every((m) => /\p{M}/u.test(m))) return null;
  for (let keep = marks.length - 1; keep >= 0; keep--) {
    const candidate = (base + marks.slice(0, keep).join('')).normalize('NFC');
    if (has(candidate)) return candidate;
  }
  return null;
}

type TextOptions = {
  readonly font?: PDFFont;
  readonly size?: number;
  readonly color?: ReturnType<typeof rgb>;
  readonly x?: number;
  readonly width?: number;
};

/** Flows text down the pages: wraps lines, starts a new page when one is full. */
class Writer {
  private page: PDFPage;
  y: number;

  constructor(
    private readonly pdf: PDFDocument,
    private readonly fonts: Fonts,
    private readonly colon: string,
  ) {
    this.page = this.newPage();
    this.y = PAGE.height - MARGIN.top;
  }

  private newPage(): PDFPage {
    this.page = this.pdf.addPage([PAGE.width, PAGE.height]);
    this.y = PAGE.height - MARGIN.top;
    return this.page;
  }

  /** Starts a new page unless `height` points are left on this one. */
  keepTogether(height: number): void {
    if (this.y - height < MARGIN.bottom) this.newPage();
  }

  gap(points: number): void {
    this.y -= points;
  }

  /** Wrapped text; returns nothing, the cursor moves below it. */
  text(text: string, options: TextOptions = {}): void {
    const font = options.font ?? this.fonts.regular;
    const size = options.size ?? 10;
    const width = options.width ?? CONTENT_WIDTH;
    const lines = text.split('\n').flatMap((part) => wrap(clean(part, font), font, size, width));
    for (const line of lines) this.line(line, { ...options, font, size, cleaned: true });
  }

  /** One line of text at the cursor; returns its baseline. */
  line(text: string, options: TextOptions & { readonly cleaned?: boolean } = {}): number {
    const font = options.font ?? this.fonts.regular;
    const size = options.size ?? 10;
    const height = size * 1.35;
    this.keepTogether(height);
    this.y -= height;
    const baseline = this.y + (height - size) / 2;
    const shown = options.cleaned ? text : clean(text, font);
    if (shown.length > 0) this.page.drawText(shown, { x: options.x ?? MARGIN.left, y: baseline, size, font, color: options.color ?? INK });
    return baseline;
  }

  /** Text at a fixed place on the current line, e.g. the Yes/No column. */
  at(text: string, x: number, baseline: number, options: { readonly font: PDFFont; readonly size: number }): void {
    this.page.drawText(clean(text, options.font), { x, y: baseline, size: options.size, font: options.font, color: INK });
  }

  field(label: string, value: string, valueFont?: PDFFont): void {
    const labelText = clean(`${label}${this.colon} `, this.fonts.bold);
    const labelWidth = this.fonts.bold.widthOfTextAtSize(labelText, 10);
    const font = valueFont ?? this.fonts.regular;
    const lines = wrap(clean(value, font), font, 10, CONTENT_WIDTH - labelWidth);
    lines.forEach((line, i) => {
      const baseline = this.line(i === 0 ? labelText : '', { font: this.fonts.bold, size: 10, cleaned: true });
      this.page.drawText(line, { x: MARGIN.left + labelWidth, y: baseline, size: 10, font, color: INK });
    });
  }

  bullet(text: string, options: { readonly size: number }): void {
    const indent = 14;
    const font = this.fonts.regular;
    const lines = wrap(clean(text, font), font, options.size, CONTENT_WIDTH - indent);
    lines.forEach((line, i) => {
      const baseline = this.line(i === 0 ? '\u2022' : '', { size: options.size, x: MARGIN.left + 3, cleaned: true });
      this.page.drawText(line, { x: MARGIN.left + indent, y: baseline, size: options.size, font, color: INK });
    });
    this.gap(2);
  }

  /** A section heading, on a new page unless it and `keepWith` points after it fit. */
  heading(text: string, keepWith = 40): void {
    this.gap(18);
    this.keepTogether(20 + keepWith);
    this.text(text, { font: this.fonts.bold, size: 14 });
    this.gap(2);
    this.rule();
    this.gap(6);
  }

  rule(width = CONTENT_WIDTH): void {
    this.page.drawLine({ start: { x: MARGIN.left, y: this.y }, end: { x: MARGIN.left + width, y: this.y }, thickness: 0.6, color: RULE });
  }

  image(image: PDFImage, width: number, height: number): void {
    this.keepTogether(height);
    this.y -= height;
    this.page.drawImage(image, { x: MARGIN.left, y: this.y, width, height });
  }

  /** The QR symbol with its top-left corner (quiet zone included) at (x, top): one square per dark module, filled as one path. */
  qr(symbol: ReturnType<typeof qrSquares>, x: number, top: number): void {
    const origin = { x: x + QR_QUIET * QR_MODULE, y: top - QR_QUIET * QR_MODULE };
    this.page.pushOperators(
      pushGraphicsState(),
      setFillingGrayscaleColor(0),
      ...symbol.squares.map((s) => rectangle(origin.x + s.col * QR_MODULE, origin.y - (s.row + 1) * QR_MODULE, QR_MODULE, QR_MODULE)),
      fill(),
      popGraphicsState(),
    );
  }
}

/** Greedy line breaking on spaces; a word wider than the line is cut. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let current = '';
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  for (const word of words) {
    const candidate = current.length === 0 ? word : `${current} ${word}`;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current.length > 0) lines.push(current);
    current = '';
    let rest = word;
    while (!fits(rest)) {
      let cut = rest.length - 1;
      while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  lines.push(current);
  return lines;
}
