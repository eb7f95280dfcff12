import type { Event, Session, WebContents } from 'electron';

import { originOf } from '../router/origin';
import { isAllowedExternalUrl } from './external-links';

export type HardenOptions = {
  /** Origins the window may show: the app scheme, plus the dev server in development. */
  readonly appOrigins: readonly string[];
  readonly externalAllowList: readonly string[];
  readonly openExternal: (url: string) => void;
};

/**
 * Applied to every web contents the app creates (through `web-contents-created`):
 * no navigation away from the app, no new windows, no <webview>, no redirects out.
 * A link the user clicks that is on the allow-list opens in their own browser instead.
 */
export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  const stayInApp = (event: Event, url: string) => {
    if (!options.appOrigins.includes(originOf(url))) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => {
    stayInApp(event, url);
    if (isAllowedExternalUrl(url, options.externalAllowList)) options.openExternal(url);
  });
  contents.on('will-redirect', stayInApp);
  contents.on('will-frame-navigate', (details) => {
    if (!options.appOrigins.includes(originOf(details.url))) details.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url, options.externalAllowList)) options.openExternal(url);
    return { action: 'deny' };
  });
}

/** No camera, microphone, notifications-by-page, geolocation, clipboard read, HID...: the page asks main instead. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));
}
