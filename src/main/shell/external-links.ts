/**
 * External links open in the user's browser only when their origin is on the allow-list
 * (https only). Everything else is dropped. The list grows from the clinic policy later;
 * today it holds nothing but what the app itself links to.
 */
export const defaultExternalAllowList: readonly string[] = [];

export function isAllowedExternalUrl(raw: string, allowList: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  return allowList.includes(url.origin);
}
