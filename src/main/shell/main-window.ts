import { BrowserWindow, type Session } from 'electron';

/**
 * Creates the one app window. Every line of the Electron security checklist that lives in
 * webPreferences is spelled out here as a literal, even where it is Electron's default, so a
 * reviewer, the Electronegativity scan and start.test.ts all see the same thing.
 */
export function createMainWindow(input: {
  preload: string;
  session: Session;
  icon: string;
  devTools: boolean;
  title: string;
}): BrowserWindow {
  return new BrowserWindow({
    title: input.title,
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 520,
    show: false,
    icon: input.icon,
    backgroundColor: '#0f2430',
    webPreferences: {
      preload: input.preload,
      session: input.session,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Spell checking would download dictionaries from a third party.
      spellcheck: false,
      devTools: input.devTools,
      // Middle-click must not open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

