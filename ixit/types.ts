/**
 * The typed assessment: what the supplier declared (ICS, IXIT) and what the assessor decided.
 * Prose fields are kept verbatim because conceptual units quote them as evidence; `facts` holds
 * the optional structured statements that rules can evaluate without reading prose.
 */

/** Where a value was written, so every finding and verdict can point back to the document. */
export interface SourceRef {
  file: string
  line: number
  column: number
}

export type Support = 'Y' | 'N' | 'N/A'

export interface IcsEntry {
  provision: string
  support: Support
  detail: string
  /** The status the supplier copied into the ICS; informative only, the catalog's status rules. */
  status?: string
  source: SourceRef
}

export interface Ics {
  file: string
  /** Whether the supplier declares the device "constrained" in the sense of EN 303 645. */
  constrained: boolean
  provisions: Record<string, IcsEntry>
}

/** Fields every IXIT entry has. */
export interface EntryBase {
  id: string
  source: SourceRef
  /** The supplier's words under headings import could not map to a field; kept, never judged. */
  notes?: Record<string, string>
}

// --- 2-UserInfo -------------------------------------------------------------------------------
export type DesignationMedium = 'label' | 'physical-interface' | 'user-interface'

export interface Publication {
  /** How the user reaches it, e.g. a web page, the printed manual, built-in help. */
  medium: 'web' | 'manual' | 'device-help' | 'app' | 'other'
  url?: string
  requiresRegistration?: boolean
}

export interface UserInfo extends EntryBase {
  modelDesignation: string
  supportPeriod: string
  publicationOfSupportPeriod: string
  publicationOfNonUpdatable: string
  documentationOfReplacement: string
  facts: {
    designationMedia?: DesignationMedium[]
    /** ISO-8601 date the support period ends, where it is a fixed date. */
    supportEnds?: string
    supportPeriodPublication?: Publication
    nonUpdatablePublication?: Publication
  }
}

// --- 4-Conf -----------------------------------------------------------------------------------
export interface Confirmation extends EntryBase {
  /** What is confirmed; `update-procedures` is the one clause 5.3 reads. */
  subject: string
  statement: string
  confirmed: boolean
}

// --- 6-SoftComp -------------------------------------------------------------------------------
export interface SoftComp extends EntryBase {
  description: string
  /** UpdMech IDs; empty means the component cannot be updated. */
  updateMechanisms: string[]
  cryptographicUsage: string
  /** Why a component without an update mechanism is acceptable. */
  notUpdatableJustification: string
  facts: {
    /** Deliberately immutable for security reasons (e.g. a ROM boot loader). */
    immutable?: boolean
  }
}

// --- 7-UpdMech --------------------------------------------------------------------------------
export type HashName =
  'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512' | 'BLAKE2b' | 'BLAKE2s'
export type SignatureAlgorithm = 'RSA-PSS' | 'RSA-PKCS1-v1_5' | 'ECDSA' | 'EdDSA' | 'DSA'
export type TlsVersion = 'SSL3' | '1.0' | '1.1' | '1.2' | '1.3'
export type UserControl = 'enable' | 'disable' | 'postpone'
export type NotificationKind = 'available' | 'security-required' | 'security-required-with-risks' | 'disruption'

export interface UpdMechFacts {
  delivery?: 'network' | 'local'
  /** Who checks authenticity and integrity before the image is used. */
  verifiedBy?: 'dut' | 'host' | 'none'
  /** Security objectives the supplier claims. */
  guarantees?: Array<'integrity' | 'authenticity' | 'confidentiality'>
  /** The authenticated data names the device the update is for (hardware ID, device type). */
  targetBound?: boolean
  /**
   * Trust relationships besides a checked signature or MAC and an authenticated channel (the
   * standard accepts these too); `[]` states there is none.
   */
  otherTrust?: Array<'secret-protected-network' | 'user-confirmation' | 'trusted-hub' | 'comparable'>
  /** The strongest protection of the image itself. */
  integrityProtection?: 'signature' | 'mac' | 'hash' | 'checksum' | 'none'
  signature?: {
    algorithm: SignatureAlgorithm
    keySize: number
    hash: HashName
    curve?: string
  }
  transport?: {
    protocol: string
    minTlsVersion?: TlsVersion
    serverAuthenticated?: boolean
  }
  antiRollback?: boolean
  /** Verification happens before the new image is committed (A/B slot, staging area). */
  verifiedBeforeInstall?: boolean
  initiation?: 'automatic' | 'user' | 'associated-service'
  automaticUpdates?: { enabledByDefault: boolean; userCan: UserControl[] }
  notifications?: {
    enabledByDefault: boolean
    userCan: UserControl[]
    kinds: NotificationKind[]
    /** Where the user sees them: on the device itself, in an app, on a web page, by e-mail. */
    shownOn?: Array<'device' | 'app' | 'web' | 'email'>
  }
  checking?: {
    by: 'dut' | 'associated-service' | 'user'
    afterInitialization: boolean
    /** ISO-8601 duration between periodic checks; absent means no periodic check. */
    period?: string
  }
  disruptsBasicFunctioning?: boolean
}

export interface UpdMech extends EntryBase {
  description: string
  securityGuarantees: string
  cryptographicDetails: string
  initiationAndInteraction: string
  configuration: string
  updateChecking: string
  userNotification: string
  facts: UpdMechFacts
}

// --- 8-UpdProc --------------------------------------------------------------------------------
export interface UpdProc extends EntryBase {
  description: string
  timeFrame: string
}

// --- 9-ReplSup --------------------------------------------------------------------------------
export interface ReplSup extends EntryBase {
  isolation: string
  hardwareReplacement: string
}

// --- 26-UserDec -------------------------------------------------------------------------------
export interface UserDec extends EntryBase {
  description: string
  options: string
  triggeredBy: string
  facts: {
    subject?: 'automatic-updates' | 'update-notifications' | 'other'
    duringInitialization?: boolean
    /** The option chosen when the user consents or does nothing. */
    defaultOption?: string
    /** Automatic updates: whether the user's consent turns them on. */
    enablesOnConsent?: boolean
  }
}

export interface Ixit {
  files: string[]
  '2-UserInfo': UserInfo[]
  '4-Conf': Confirmation[]
  '6-SoftComp': SoftComp[]
  '7-UpdMech': UpdMech[]
  '8-UpdProc': UpdProc[]
  '9-ReplSup': ReplSup[]
  '26-UserDec': UserDec[]
}

export type IxitTableId = Exclude<keyof Ixit, 'files'>

export const IXIT_TABLES: readonly IxitTableId[] = [
  '2-UserInfo',
  '4-Conf',
  '6-SoftComp',
  '7-UpdMech',
  '8-UpdProc',
  '9-ReplSup',
  '26-UserDec',
]

export type IxitEntry = Ixit[IxitTableId][number]

// --- decisions --------------------------------------------------------------------------------
export interface Decision {
  unit: string
  /** The IXIT entry the decision is about, for units evaluated once per entry. */
  target?: string
  verdict: 'PASS' | 'FAIL'
  rationale: string
  assessor: string
  date: string
  source: SourceRef
}

export interface Assessment {
  dir: string
  /** A name for reports; taken from the first 2-UserInfo model designation. */
  dut: string
  ics: Ics
  ixit: Ixit
  decisions: Decision[]
}

// --- findings ---------------------------------------------------------------------------------
export type { Finding, Severity } from '../core/finding.ts'
