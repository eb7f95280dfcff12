/**
 * The renderer's Content-Security-Policy, sent as a response header with every file the
 * app serves. It starts from `default-src 'none'` and opens only what the renderer needs:
 * its own scripts, styles, images and fonts. No network, no frames, no forms, no plugins.
 */
export const productionCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "worker-src 'self'",
  "manifest-src 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Development only (`npm start`): Vite's dev server injects an inline React Refresh
 * preamble and inline styles, and talks to the page over a WebSocket. Never used by a
 * packaged app; see docs/adr/0003-hardened-electron-shell.md.
 */
export function developmentCsp(devServerUrl: string): string {
  const { host } = new URL(devServerUrl);
  return productionCsp
    .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
    .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
    .replace("connect-src 'none'", `connect-src 'self' ws://${host}`);
}

/** Headers sent with every renderer file besides the CSP. */
export const hardeningHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
  'Cache-Control': 'no-store',
};
