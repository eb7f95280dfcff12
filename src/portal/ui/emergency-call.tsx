// Runs in the portal: the one sentence that says whom to call and where to go in an
// emergency, from the clinic's rules (the standing notice and the emergency screen).
import { endSentence } from '../../shared/consent/consent-format';
import { type ClinicRules } from '../../shared/protocol/clinic-rules';
import { useI18n } from './i18n';

export function EmergencyCall({ rules }: { readonly rules: ClinicRules }) {
  const { t } = useI18n();
  return <p className="emergency-call">{t('emergencyCall', { number: rules.emergency.number, department: endSentence(rules.emergency.nearestEmergencyDepartment) })}</p>;
}
