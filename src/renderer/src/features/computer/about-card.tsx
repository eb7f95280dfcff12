// Runs in the renderer: DOM only, no Node.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { AppInfo } from '../../../../shared/app-info';
import { clinic } from '../../lib/api';

type State = { readonly kind: 'loading' } | { readonly kind: 'ready'; readonly info: AppInfo } | { readonly kind: 'failed' };

export function AboutCard() {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    let live = true;
    void clinic().app.info({}).then((result) => {
      if (live) setState(result.ok ? { kind: 'ready', info: result.value } : { kind: 'failed' });
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <section className="card" aria-labelledby="about-title" aria-busy={state.kind === 'loading'}>
      <h2 id="about-title">{t('about.title')}</h2>
      {state.kind === 'loading' ? <p className="muted">{t('common.loading')}</p> : null}
      {state.kind === 'failed' ? <p className="muted">{t('about.unavailable')}</p> : null}
      {state.kind === 'ready' ? <AboutList info={state.info} /> : null}
    </section>
  );
}

function AboutList({ info }: Readonly<{ info: AppInfo }>) {
  const { t } = useTranslation();
  const mode = info.host === 'browser-harness' ? 'harness' : info.packaged ? 'packaged' : 'development';
  const runtime =
    info.runtime.electron !== null
      ? t('about.runtimeElectron', {
          electron: info.runtime.electron,
          chrome: info.runtime.chrome ?? '?',
          node: info.runtime.node,
        })
      : t('about.runtimeHarness', { node: info.runtime.node });
  return (
    <dl className="facts" data-testid="about-facts">
      <dt>{t('about.version')}</dt>
      <dd>{info.version}</dd>
      <dt>{t('about.build')}</dt>
      <dd>{t('about.buildValue', { commit: info.build.commit, date: info.build.date })}</dd>
      <dt>{t('about.mode')}</dt>
      <dd>{t(`about.modes.${mode}`)}</dd>
      <dt>{t('about.runtime')}</dt>
      <dd>{runtime}</dd>
      <dt>{t('about.platform')}</dt>
      <dd>
        {info.runtime.platform} ({info.runtime.arch})
      </dd>
    </dl>
  );
}
