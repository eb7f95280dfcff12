// Main process: the page layout of the consent receipt (receipt-pdf.ts): A4 geometry, colours,
// and a writer that flows text down the pages with wrapping and page breaks. Standard fonts
// only: a character they cannot encode is replaced by a plain equivalent or '?'.
import {
  type PDFDocument,
  type PDFFont,
  type PDFImage,
  type PDFPage,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingGrayscaleColor,
} from 'pdf-lib';
import { create as createQr } from 'qrcode';

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

// A4 in points, with generous margins; the footer sits in the bottom margin.
export const PAGE = { width: 595.28, height: 841.89 } as const;
export const MARGIN = { left: 64, right: 64, top: 64, bottom: 80 } as const;
export const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
export const FOOTER_Y = 40;
export const QR_MODULE = 3.2; // points per QR module
export const QR_QUIET = 4; // modules of white around the symbol

export const INK = rgb(0.1, 0.1, 0.12);
export const MUTED = rgb(0.38, 0.38, 0.42);
export const RULE = rgb(0.75, 0.75, 0.78);

export type Fonts = {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  readonly italic: PDFFont;
  readonly mono: PDFFont;
  readonly monoBold: PDFFont;
};

/** The largest size up to 11 pt at which the fingerprint fits on one line. */
export function fingerprintSize(font: PDFFont, fingerprint: string): number {
  const width = font.widthOfTextAtSize(clean(fingerprint, font), 1);
  return Math.max(6, Math.min(11, CONTENT_WIDTH / Math.max(1, width)));
}

// Characters outside WinAnsi that have a plain equivalent but no Unicode decomposition.
export const FALLBACK: Readonly<Record<string, string>> = {
  '\u2212': '-', '\u2010': '-', '\u2011': '-', '\u2043': '-', '\u2032': "'", '\u2033': '"', '\u2024': '.',
  'Ł': 'L', 'ł': 'l', 'Đ': 'D', 'đ': 'd', 'Ħ': 'H', 'ħ': 'h', 'ı': 'i', 'ŀ': 'l', 'Ŀ': 'L',
};
export const charsets = new WeakMap<PDFFont, ReadonlySet<number>>();
export const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * `text` as the font can encode it: composed (NFC), spaces of any width as a space or a
 * no-break space, control and format characters dropped, a letter with an accent the font
 * lacks printed with fewer accents (ễ → ê, ő → o), and '?' for anything else, one per
 * character as the reader sees it (a family emoji is one '?').
 */
export function clean(text: string, font: PDFFont): string {
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
export function plainEquivalent(grapheme: string, has: (s: string) => boolean): string | null {
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

export type TextOptions = {
  readonly font?: PDFFont;
  readonly size?: number;
  readonly color?: ReturnType<typeof rgb>;
  readonly x?: number;
  readonly width?: number;
};

/** Flows text down the pages: wraps lines, starts a new page when one is full. */
export class Writer {
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
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
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
