// Runs anywhere: pure TypeScript, no Node, no DOM.
// The English catalog is the reference: every other language must have the same keys
// and the same {{placeholders}} (checked by catalog.test.ts).

export const en = {
  app: {
    name: 'Clinic Messenger',
    tagline: 'Secure messages between your clinic and the patients who agreed to them.',
  },
  common: {
    loading: 'Loading…',
    cancel: 'Cancel',
    save: 'Save',
    close: 'Close',
    dismiss: 'Dismiss notification',
    notifications: 'Notifications',
  },
  a11y: {
    skipToContent: 'Skip to main content',
  },
  preferences: {
    language: 'Language',
    theme: 'Appearance',
    languageOptions: { system: 'Same as this computer', en: 'English', fr: 'Français' },
    themeOptions: { system: 'Same as this computer', light: 'Light', dark: 'Dark' },
  },
  welcome: {
    title: 'Welcome',
    intro:
      'This computer is not connected to a clinic yet. First make sure it is ready: the checks below run on this computer and send nothing anywhere.',
  },
  device: {
    title: 'This computer',
    label: 'Computer name',
    none: 'Not named yet',
    hint: 'Your clinic’s IT team sees this name when the computer joins. Name the place, such as “Front desk 2”, never a person.',
    name: 'Name this computer',
    rename: 'Rename',
    dialogTitle: 'Name this computer',
    saved: 'Computer name saved.',
    errors: {
      'too-short': 'Use at least 2 characters.',
      'too-long': 'Use 40 characters or fewer.',
      'bad-characters':
        'Start with a letter or a digit, then use only letters, digits, spaces and . , \u2019 # ( ) _ -',
    },
  },
  about: {
    title: 'About this installation',
    version: 'Version',
    build: 'Build',
    buildValue: '{{commit}}, {{date}}',
    runtime: 'Runtime',
    runtimeElectron: 'Electron {{electron}}, Chromium {{chrome}}, Node.js {{node}}',
    runtimeHarness: 'Node.js {{node}} (test harness, no Electron)',
    platform: 'Platform',
    mode: 'Mode',
    modes: {
      packaged: 'Installed app',
      development: 'Development build',
      harness: 'Test harness in a browser',
    },
    unavailable: 'Details about this installation could not be read.',
  },
  checks: {
    title: 'Readiness checks',
    run: 'Run checks',
    runAgain: 'Run checks again',
    running: 'Checking…',
    lastRun: 'Last checked at {{time}}',
    took: '{{ms}} ms',
    emptyTitle: 'No results yet',
    emptyBody: 'Run the checks to see whether this computer is ready for clinic messaging.',
    summary: {
      pass: 'This computer is ready.',
      warn: 'This computer works, but something needs attention.',
      fail: 'This computer is not ready. Follow the advice under each problem.',
    },
    status: { pass: 'Ready', warn: 'Needs attention', fail: 'Problem' },
    names: {
      runtime: 'Runtime',
      'shell-hardening': 'Window protections',
      crypto: 'Encryption library',
      'encrypted-storage': 'Encrypted database',
      'data-folder': 'Data folder',
    },
    details: {
      runtimeOk: 'Node.js {{node}} meets the minimum version (22).',
      runtimeOld: 'Node.js {{node}} is too old: version 22 or later is required.',
      shellOk: 'The sandbox is on, no debugger can attach, and the app’s pages carry a strict content policy.',
      shellHarness:
        'Running in a browser test harness, not in the desktop window. The desktop window’s protections are proven by their own tests.',
      shellMissing: 'These window protections are off: {{missing}}. Contact IT before using this computer.',
      cryptoOk: 'Encryption and tamper detection work, and Argon2id is available.',
      cryptoFailed: 'The encryption library failed its self-test. Reinstall the app or contact IT.',
      storageOk: 'A test database was written encrypted, refused with a wrong key, then removed.',
      storageFailed: 'The encrypted database engine does not work here. Reinstall the app or contact IT.',
      folderOk: 'The app keeps its data in its own folder: {{path}}',
      folderFailed: 'The app cannot write to its data folder ({{path}}). Check the disk and its permissions.',
    },
  },
  errors: {
    'bad-request': 'The app made a request it could not understand. Try again; if it keeps happening, contact IT.',
    'unknown-channel': 'This action is not available in this version of the app.',
    forbidden: 'Your role does not allow this action.',
    'sender-rejected': 'The request came from a page the app does not trust, so it was refused.',
    'invalid-setting': 'That value cannot be saved. Check the highlighted field.',
    'storage-failed': 'The change could not be written to disk. Check free space and try again.',
    internal: 'Something went wrong inside the app. Nothing was lost; try again.',
    offline: 'The app’s background service is not answering. Restart the app.',
  },
  menu: {
    file: 'File',
    quit: 'Quit Clinic Messenger',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    selectAll: 'Select all',
    view: 'View',
    reload: 'Reload',
    devTools: 'Developer tools',
    resetZoom: 'Actual size',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    window: 'Window',
    minimize: 'Minimize',
    help: 'Help',
  },
} as const;

type Widen<T> = { readonly [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
/** The shape every catalog must have: the English keys, any text. */
export type Catalog = Widen<typeof en>;
