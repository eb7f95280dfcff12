// Runs in the renderer: DOM only, no Node.
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';

import { App } from './app/app';
import { initI18n } from './lib/i18n';

// The CSP forbids eval; tell zod up front instead of letting it probe (and log a violation).
z.config({ jitless: true });

const container = document.getElementById('root');
if (!container) throw new Error('The page has no #root element.');

void initI18n().then(() => {
  createRoot(container).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
