/** Pro-forma field titles as the IXIT tables print them, for messages that quote the documents. */
const TITLES: Record<string, string> = {
  description: 'Description',
  securityGuarantees: 'Security Guarantees',
  cryptographicDetails: 'Cryptographic Details',
  initiationAndInteraction: 'Initiation and Interaction',
  configuration: 'Configuration',
  updateChecking: 'Update Checking',
  userNotification: 'User Notification',
  updateMechanisms: 'Update Mechanism',
  cryptographicUsage: 'Cryptographic Usage',
  notUpdatableJustification: 'Justification',
  timeFrame: 'Time Frame',
  statement: 'Confirmation',
  modelDesignation: 'Model Designation',
  supportPeriod: 'Support Period',
  publicationOfSupportPeriod: 'Publication of Support Period',
  publicationOfNonUpdatable: 'Publication of Non-Updatable',
  documentationOfReplacement: 'Documentation of Replacement',
  isolation: 'Isolation',
  hardwareReplacement: 'Hardware Replacement',
  options: 'Options',
  triggeredBy: 'Triggered By',
}

export function fieldTitle(field: string): string {
  return TITLES[field] ?? field
}

/** Splits a catalog read such as `7-UpdMech.facts.signature` into its table and field path. */
export function parseRead(read: string): { table: string; path: string[] } {
  const [table = '', ...path] = read.split('.')
  return { table, path }
}
