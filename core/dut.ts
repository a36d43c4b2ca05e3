import { Ts701Error } from './errors.ts'

/**
 * What the suites may ask of a device. Suites never speak a protocol: an adapter (HTTP, MQTT,
 * serial) turns each operation into whatever the DUT profile declares for this device.
 */
export type Operation =
  | 'identify'
  | 'read-settings'
  | 'change-settings'
  | 'deliver-image'
  | 'read-outcome'
  | 'read-notifications'
  | 'check-now'
  | 'reboot'
  | 'factory-reset'
  | 'restore'

export const OPERATIONS: readonly Operation[] = [
  'identify',
  'read-settings',
  'change-settings',
  'deliver-image',
  'read-outcome',
  'read-notifications',
  'check-now',
  'reboot',
  'factory-reset',
  'restore',
]

export type SettingChange =
  | 'enable-automatic-updates'
  | 'disable-automatic-updates'
  | 'postpone-automatic-updates'
  | 'enable-notifications'
  | 'disable-notifications'
  | 'postpone-notifications'
  // The user's answer when initialization asks for consent to automatic updates (V3 5.3-4B).
  | 'consent-automatic-updates'
  | 'decline-automatic-updates'

export interface DutIdentity {
  model: string
  version: string
}

/**
 * The device as a run first saw it: identify's answer, or, for a device without identify, the
 * version (and model) its observations showed. Experiments return to this software.
 */
export interface BaselineIdentity {
  version: string
  /** Absent when nothing the profile declares shows the model. */
  model?: string
  /** Where it was read, in words for reasons: `the identify operation`, `the update server (route inventory)`. */
  source: string
}

export interface UpdateSettings {
  automaticUpdates?: boolean
  notifications?: boolean
}

/** An update image on disk; adapters stream it, never read it whole. */
export interface ImageSource {
  /** Short name for evidence, e.g. `payload-byte-middle`. */
  name: string
  path: string
  size: number
  sha256: string
  /**
   * Companion files of an update that is more than one file (a payload and a detached signature
   * beside a manifest, which is then the main file), by part name. The update server serves each
   * at a URL of its own.
   */
  parts?: Record<string, ImagePart>
}

/** One companion file of a multi-file update. */
export interface ImagePart {
  path: string
  size: number
  sha256: string
}

/** The DUT's immediate answer to a delivery; many devices only tell later. */
export interface DeliveryReceipt {
  status?: number
  /** What the device said about the upload itself, when the profile can extract it. */
  accepted?: boolean
  message?: string
}

export interface UpdateOutcome {
  state: 'installed' | 'rejected' | 'pending' | 'unknown'
  /** Version reported once the outcome is final, when the outcome operation tells it. */
  version?: string
  detail?: string
}

export interface DutNotification {
  text: string
  kind?: string
  time?: string
}

/** One complete line the device printed on its console, as the channel cleaned and recorded it. */
export interface ConsoleLine {
  text: string
  /** Epoch ms when the line was complete. */
  time: number
  /**
   * The evidence entry of the line. Lines an image transfer keeps to its summary get one of their
   * own only when asked for, so a listener that keeps a line should ask.
   */
  evidence(): string
}

export interface DeliverOptions {
  /** Where the update-server emulator serves the image, for devices told to fetch a URL. */
  imageUrl?: string
  /**
   * Which of the profile's named deliveries (`operations.deliveries.<name>`) hands the image over;
   * `operations.deliver-image` when absent. One device may take images several ways, one per
   * update mechanism.
   */
  delivery?: string
}

export interface Dut {
  /** Whether the profile declares the operation (and, for change-settings, that change). */
  supports(op: Operation, change?: SettingChange): boolean
  identify(): Promise<DutIdentity>
  readSettings(): Promise<UpdateSettings>
  changeSettings(change: SettingChange): Promise<void>
  deliverImage(image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt>
  /** Waits until the device reports a final outcome of the last delivery, or the profile's timeout. */
  readOutcome(): Promise<UpdateOutcome>
  readNotifications(): Promise<DutNotification[]>
  /** Asks the device to look for updates now, where it offers that. */
  checkNow(): Promise<void>
  /** Restarts the device and resolves once it answers `identify` again. */
  reboot(): Promise<void>
  factoryReset(): Promise<void>
  /** Puts the device back on its baseline software after an attack it accepted. */
  restore(): Promise<void>
  /**
   * Channels with a console only (serial): opens it when needed and calls `listener` with every
   * line the device prints from now on, unprompted or during an operation. Resolves with the
   * function that stops listening.
   */
  tapConsole?(listener: (line: ConsoleLine) => void): Promise<() => void>
  close(): Promise<void>
}

export type DutErrorCode = 'E_DUT_NOT_DECLARED' | 'E_DUT_UNREACHABLE' | 'E_DUT_TIMEOUT' | 'E_DUT_PROTOCOL' | 'E_DUT_REFUSED'

/**
 * A device operation that could not be completed. The message is written for the report: units
 * that meet one become INCONCLUSIVE with it as their reason.
 */
export class DutError extends Ts701Error {
  constructor(
    override readonly code: DutErrorCode,
    readonly operation: Operation,
    message: string,
  ) {
    super(code, `${operation}: ${message}`)
  }
}

export const notDeclared = (op: Operation, what = op): DutError =>
  new DutError('E_DUT_NOT_DECLARED', op, `operation ${what} not declared in the DUT profile`)
