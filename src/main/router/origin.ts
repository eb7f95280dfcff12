/**
 * The origin of a frame URL as `scheme://host[:port]`. WHATWG gives "null" as the origin
 * of custom schemes such as app://, so this builds it from the parts instead.
 */
export function originOf(rawUrl: string): string {
  try {
    const url = new URL(rawUrl);
    if (!url.host) return 'null';
    return `${url.protocol}//${url.host}`;
  } catch {
    return 'null';
  }
}
