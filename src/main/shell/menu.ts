import type { MenuItemConstructorOptions } from 'electron';

import { translate } from '../../shared/i18n/catalogs';
import type { Language } from '../../shared/i18n/languages';

/** The application menu, in the user's language. Developer items exist only in development. */
export function menuTemplate(lang: Language, options: { development: boolean; onLock: () => void }): MenuItemConstructorOptions[] {
  const t = (key: string) => translate(lang, `menu.${key}`);
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom', label: t('resetZoom') },
    { role: 'zoomIn', label: t('zoomIn') },
    { role: 'zoomOut', label: t('zoomOut') },
  ];
  if (options.development) {
    view.push({ type: 'separator' }, { role: 'reload', label: t('reload') }, { role: 'toggleDevTools', label: t('devTools') });
  }
  return [
    {
      label: t('file'),
      submenu: [
        { label: t('lock'), accelerator: 'CmdOrCtrl+L', click: options.onLock },
        { type: 'separator' },
        { role: 'quit', label: t('quit') },
      ],
    },
    {
      label: t('edit'),
      submenu: [
        { role: 'undo', label: t('undo') },
        { role: 'redo', label: t('redo') },
        { type: 'separator' },
        { role: 'cut', label: t('cut') },
        { role: 'copy', label: t('copy') },
        { role: 'paste', label: t('paste') },
        { role: 'selectAll', label: t('selectAll') },
      ],
    },
    { label: t('view'), submenu: view },
    { label: t('window'), role: 'windowMenu', submenu: [{ role: 'minimize', label: t('minimize') }] },
  ];
}
