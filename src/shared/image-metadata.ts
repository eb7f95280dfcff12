// Runs anywhere: what a JPEG or PNG says about itself beyond its pixels (EXIF, GPS, XMP,
// comments, text chunks), found and removed at the byte level, without decoding the image.
// The portal re-encodes photos in the browser (which also applies the orientation) and then
// runs `stripMetadata` as a second guard; main runs it on the images clinicians attach.

export type MetadataFound = { readonly exif: boolean; readonly gps: boolean; readonly other: boolean };

const u16 = (b: Uint8Array, at: number, little: boolean): number => (little ? (b[at] as number) | ((b[at + 1] as number) << 8) : ((b[at] as number) << 8) | (b[at + 1] as number));
const u32 = (b: Uint8Array, at: number, little: boolean): number => (little ? u16(b, at, true) + u16(b, at + 2, true) * 0x10000 : u16(b, at, false) * 0x10000 + u16(b, at + 2, false));
const text = (b: Uint8Array, from: number, length: number): string => String.fromCharCode(...b.subarray(from, from + length));

type Segment = { readonly marker: number; readonly start: number; readonly end: number };

/** The marker segments of a JPEG before its image data; null when the bytes are not one. */
function jpegSegments(bytes: Uint8Array): { segments: Segment[]; dataAt: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const segments: Segment[] = [];
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return { segments, dataAt: at }; // start of scan, or end of image
    const length = u16(bytes, at + 2, false);
    if (length < 2 || at + 2 + length > bytes.length) return null;
    segments.push({ marker, start: at, end: at + 2 + length });
    at += 2 + length;
  }
  return null;
}

/** Whether a TIFF block (EXIF) has a GPS directory in its first IFD. */
function tiffHasGps(b: Uint8Array, from: number, to: number): boolean {
  const order = text(b, from, 2);
  if (order !== 'II' && order !== 'MM') return false;
  const little = order === 'II';
  const ifd = from + u32(b, from + 4, little);
  if (ifd + 2 > to) return false;
  const entries = u16(b, ifd, little);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > to) return false;
    if (u16(b, entry, little) === 0x8825) return true;
  }
  return false;
}

const isExif = (b: Uint8Array, s: Segment): boolean => s.marker === 0xe1 && text(b, s.start + 4, 6) === 'Exif\u0000\u0000';
/** APP0 (JFIF) and APP14 (Adobe colour transform) describe the pixels; every other APPn and COM is metadata. */
const isJpegMetadata = (s: Segment): boolean => (s.marker >= 0xe1 && s.marker <= 0xef && s.marker !== 0xee) || s.marker === 0xfe;

type PngChunk = { readonly type: string; readonly start: number; readonly end: number };
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_METADATA = new Set(['eXIf', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function pngChunks(bytes: Uint8Array): PngChunk[] | null {
  if (!PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return null;
  const chunks: PngChunk[] = [];
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = u32(bytes, at, false);
    const end = at + 12 + length;
    if (end > bytes.length) return null;
    const type = text(bytes, at + 4, 4);
    chunks.push({ type, start: at, end });
    at = end;
    if (type === 'IEND') return chunks;
  }
  return null;
}

/** What metadata the bytes hold; all false for a file that is neither JPEG nor PNG. */
export function findMetadata(bytes: Uint8Array): MetadataFound {
  const jpeg = jpegSegments(bytes);
  if (jpeg) {
    const exif = jpeg.segments.filter((s) => isExif(bytes, s));
    return {
      exif: exif.length > 0,
      gps: exif.some((s) => tiffHasGps(bytes, s.start + 10, s.end)),
      other: jpeg.segments.some((s) => isJpegMetadata(s) && !isExif(bytes, s)),
    };
  }
  const png = pngChunks(bytes);
  if (png) {
    const exif = png.filter((c) => c.type === 'eXIf');
    return { exif: exif.length > 0, gps: exif.some((c) => tiffHasGps(bytes, c.start + 8, c.end - 4)), other: png.some((c) => PNG_METADATA.has(c.type) && c.type !== 'eXIf') };
  }
  return { exif: false, gps: false, other: false };
}

function concat(bytes: Uint8Array, keep: readonly [number, number][]): Uint8Array {
  const out = new Uint8Array(keep.reduce((n, [from, to]) => n + to - from, 0));
  let at = 0;
  for (const [from, to] of keep) {
    out.set(bytes.subarray(from, to), at);
    at += to - from;
  }
  return out;
}

/**
 * The same image without its metadata: a JPEG loses every APPn segment but JFIF and Adobe,
 * and its comments; a PNG loses eXIf, text and time chunks. The pixels are untouched. Null
 * when the bytes are not a JPEG or PNG this can read (the caller then refuses the file).
 */
export function stripMetadata(bytes: Uint8Array): Uint8Array | null {
  const jpeg = jpegSegments(bytes);
  if (jpeg) {
    const keep: [number, number][] = [[0, 2]];
    for (const s of jpeg.segments) if (!isJpegMetadata(s)) keep.push([s.start, s.end]);
    keep.push([jpeg.dataAt, bytes.length]);
    return concat(bytes, keep);
  }
  const png = pngChunks(bytes);
  if (png) {
    const keep: [number, number][] = [[0, 8]];
    for (const c of png) if (!PNG_METADATA.has(c.type)) keep.push([c.start, c.end]);
    return concat(bytes, keep);
  }
  return null;
}
