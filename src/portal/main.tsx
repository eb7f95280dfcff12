// Runs in the portal (browser): the entry point. Loads libsodium, opens IndexedDB, reads an
// enrollment code from the address fragment (then removes it from the address bar and the
// history), and renders the app.
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';

import { codeFromFragment } from './client/enroll';
import { wsUrlFor } from './client/relay-socket';
import { loadSodium } from './crypto/sodium';
import { createWorkerDerive } from './crypto/worker-derive';
import { catalogs, defaultLanguage } from './i18n/catalog';
import { openIdbBackend } from './storage/idb-backend';
import { App } from './ui/app';
import { I18nProvider } from './ui/i18n';

// The CSP forbids eval; tell zod up front instead of letting it probe (and log a violation).
z.config({ jitless: true });

const container = document.getElementById('root');
if (!container) throw new Error('The page has no #root element.');

// The fragment never reaches the server; take it out of the address bar and history too.
const initialCode = codeFromFragment(window.location.hash);
if (window.location.hash) history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);

async function start(root: HTMLElement): Promise<void> {
  try {
    const [sodium, backend] = await Promise.all([loadSodium(), openIdbBackend()]);
    createRoot(root).render(
      <StrictMode>
        <I18nProvider>
          <App boot={{ sodium, backend, derive: createWorkerDerive(sodium), wsUrl: wsUrlFor(window.location.origin), initialCode }} />
        </I18nProvider>
      </StrictMode>,
    );
  } catch {
    // IndexedDB refused (e.g. some private modes) or the browser is too old.
    const catalog = catalogs[defaultLanguage([...navigator.languages])];
    const message = document.createElement('p');
    message.setAttribute('role', 'alert');
    message.textContent = catalog.somethingWrong;
    root.replaceChildren(message);
  }
}

void start(container);
