// Test support: an EXIF block with GPS tags (as a phone camera writes one), put into a JPEG
// or PNG, so a test can prove that what arrives has none.

const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

/** A little-endian TIFF: IFD0 with Make, Orientation and a GPS pointer; a GPS IFD with N 45°30′ W 73°34′. */
export function exifTiff(orientation = 6): Uint8Array {
  const make = Array.from('PhoneCam\u0000', (c) => c.charCodeAt(0));
  const ifd0At = 8;
  const ifd0Entries = 3;
  const ifd0Size = 2 + ifd0Entries * 12 + 4;
  const makeAt = ifd0At + ifd0Size;
  const gpsAt = makeAt + make.length + (make.length % 2);
  const gpsEntries = 4;
  const gpsSize = 2 + gpsEntries * 12 + 4;
  const ratAt = gpsAt + gpsSize;
  const rationals = (d: number, m: number): number[] => [...u32(d), ...u32(1), ...u32(m), ...u32(1), ...u32(0), ...u32(1)];
  const bytes = [
    0x49, 0x49, 0x2a, 0x00, ...u32(ifd0At),
    ...u16(ifd0Entries),
    ...u16(0x010f), ...u16(2), ...u32(make.length), ...u32(makeAt),
    ...u16(0x0112), ...u16(3), ...u32(1), ...u16(orientation), 0, 0,
    ...u16(0x8825), ...u16(4), ...u32(1), ...u32(gpsAt),
    ...u32(0),
    ...make, ...(make.length % 2 ? [0] : []),
    ...u16(gpsEntries),
    ...u16(0x0001), ...u16(2), ...u32(2), 0x4e, 0, 0, 0,
    ...u16(0x0002), ...u16(5), ...u32(3), ...u32(ratAt),
    ...u16(0x0003), ...u16(2), ...u32(2), 0x57, 0, 0, 0,
    ...u16(0x0004), ...u16(5), ...u32(3), ...u32(ratAt + 24),
    ...u32(0),
    ...rationals(45, 30),
    ...rationals(73, 34),
  ];
  return new Uint8Array(bytes);
}

/** The JPEG with an APP1 EXIF segment (and an XMP-like APP1 and a comment) after its SOI. */
export function jpegWithGps(jpeg: Uint8Array): Uint8Array {
  const tiff = exifTiff();
  const exif = [...Array.from('Exif\u0000\u0000', (c) => c.charCodeAt(0)), ...tiff];
  const app1 = [0xff, 0xe1, ((exif.length + 2) >> 8) & 0xff, (exif.length + 2) & 0xff, ...exif];
  const xmpText = Array.from('http://ns.adobe.com/xap/1.0/\u0000<x:xmpmeta>GPSLatitude 45.5</x:xmpmeta>', (c) => c.charCodeAt(0));
  const xmp = [0xff, 0xe1, ((xmpText.length + 2) >> 8) & 0xff, (xmpText.length + 2) & 0xff, ...xmpText];
  const commentText = Array.from('taken at home', (c) => c.charCodeAt(0));
  const comment = [0xff, 0xfe, 0, commentText.length + 2, ...commentText];
  const out = new Uint8Array(jpeg.length + app1.length + xmp.length + comment.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set([...app1, ...xmp, ...comment], 2);
  out.set(jpeg.subarray(2), 2 + app1.length + xmp.length + comment.length);
  return out;
}

/** A tiny valid baseline JPEG (1×1, grey), for tests that need real JPEG structure. */
export const TINY_JPEG = Uint8Array.from(
  atob(
    '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=',
  ),
  (c) => c.charCodeAt(0),
);
