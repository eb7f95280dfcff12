// What a clinic set up in a test tells its patients: a set-up with these can record consents.
export const clinicDetails = {
  phone: '+1 613 555 0142',
  emergencyNumber: '911',
  emergencyDepartment: 'Lakeside General Hospital, 200 Shore Road',
  opens: '08:30',
  closes: '17:00',
} as const;
