// Runs in the renderer: DOM only, no Node.
import { useTranslation } from 'react-i18next';

import { type PassphraseProblem, judgePassphrase, passphraseRules } from '../../../../shared/passphrase';

const shown: readonly PassphraseProblem[] = ['too-short', 'common', 'contains-name', 'weak'];

/**
 * Explains, as the user types, what the new passphrase still needs: the same rules main
 * applies when it is saved. Announced politely so a screen reader follows along.
 */
export function PassphraseChecklist({ passphrase, names, id }: Readonly<{ passphrase: string; names: readonly string[]; id: string }>) {
  const { t } = useTranslation();
  const verdict = judgePassphrase(passphrase, names);
  // Bars: one at least as soon as something is typed; the label names the estimate itself.
  const strength = passphrase.length === 0 ? 0 : Math.max(1, verdict.score);
  const label = passphrase.length === 0 ? 'none' : String(verdict.score);
  return (
    <div className="checklist" id={id} aria-live="polite">
      <div className={`meter meter--${strength}`} aria-hidden="true">
        {[0, 1, 2, 3].map((i) => (
          <span key={i} className={i < strength ? 'meter__bar meter__bar--on' : 'meter__bar'} />
        ))}
      </div>
      <p className="small">{t(`passphrase.strength.${label}`)}</p>
      <ul className="checklist__items">
        {shown.map((problem) => {
          const met = passphrase.length > 0 && !verdict.problems.includes(problem);
          return (
            <li key={problem} className={met ? 'checklist__item checklist__item--met' : 'checklist__item'}>
              <span aria-hidden="true">{met ? '✓' : '•'}</span>
              <span>
                {t(`passphrase.rules.${problem}`, { min: passphraseRules.minLength })}
                <span className="visually-hidden">{met ? t('passphrase.met') : t('passphrase.notMet')}</span>
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
