// Runs in the renderer: DOM only, no Node.
// The consent register, the default tab of the front desk and of IT: every patient and where
// their consent stands; a patient's page with the full history and the changes allowed now.
import './register.css';

import { type JSX, useState } from 'react';

import { PatientDetail } from './patient-detail';
import { type RegisterFilter, RegisterList } from './register-list';

export type RegisterScreenProps = {
  /** Starts the front-desk flow, for a known patient or a new one. */
  onNewConsent: (patientId: string | null) => void;
  onShowReceipt: (recordId: string) => void;
};

export function RegisterScreen(props: RegisterScreenProps): JSX.Element {
  const { onNewConsent, onShowReceipt } = props;
  // Search and filter survive a visit to a patient's page.
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<RegisterFilter>('all');
  const [patientId, setPatientId] = useState<string | null>(null);
  const [returnTo, setReturnTo] = useState<string | null>(null);

  if (patientId !== null) {
    return (
      <PatientDetail
        patientId={patientId}
        onBack={() => {
          setReturnTo(patientId);
          setPatientId(null);
        }}
        onNewConsent={onNewConsent}
        onShowReceipt={onShowReceipt}
      />
    );
  }
  return (
    <RegisterList
      query={query}
      status={status}
      onQuery={setQuery}
      onStatus={setStatus}
      onOpen={setPatientId}
      onNewConsent={() => onNewConsent(null)}
      focusPatientId={returnTo}
    />
  );
}
