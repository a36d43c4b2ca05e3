/**
 * The serial-console adapter: a device driven through its UART console (a serial device path or
 * a raw network serial port, `tcp://host:port`), as its DUT profile declares. One connection,
 * opened on first use and reopened after it went away; one operation at a time; every line sent
 * and received recorded in the evidence log (channel `serial`), the login password masked.
 */
import type { SerialDutProfile } from '../../ixit/profile-types.ts'
import type {
  DeliverOptions, DeliveryReceipt, Dut, DutIdentity, DutNotification, ImageSource, Operation, SettingChange,
  UpdateOutcome, UpdateSettings,
} from '../dut.ts'
import type { EvidenceLog } from '../evidence.ts'
import { Console } from './console.ts'
import { deliverImage } from './deliver.ts'
import { changeSettings, checkNow, identify, readNotifications, readSettings } from './operations.ts'
import { readOutcome } from './outcome.ts'
import { describeAddress, parsePort } from './port.ts'
import { restart } from './restart.ts'
import { Transcript } from './transcript.ts'

export { SerialPortUnsupported } from './port.ts'

export interface SerialDutOptions {
  evidence: EvidenceLog
  /** Where the login password named by `adapter.login.passwordEnv` is read; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

/**
 * Throws SerialPortUnsupported (code E_SERIAL_PORT_UNSUPPORTED) for port forms ts701 does not
 * drive, `rfc2217://` among them; nothing is opened until the first operation.
 */
export function createSerialDut(profile: SerialDutProfile, options: SerialDutOptions): Dut {
  return new SerialDut(profile, options)
}

class SerialDut implements Dut {
  private readonly console: Console
  /** Operations run one after another: the console is one conversation. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly profile: SerialDutProfile,
    options: SerialDutOptions,
  ) {
    const address = parsePort(profile.adapter.port)
    const env = options.env ?? process.env
    const transcript = new Transcript(options.evidence, describeAddress(address))
    const passwordEnv = profile.adapter.login?.passwordEnv
    const password = passwordEnv ? env[passwordEnv] : undefined
    if (password) transcript.addSecret(password)
    this.console = new Console({ profile, address, transcript, env })
  }

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') {
      const changes = this.profile.operations['change-settings'] ?? {}
      return change ? changes[change] !== undefined : Object.values(changes).some((t) => t !== undefined)
    }
    return this.profile.operations[op] !== undefined
  }

  identify(): Promise<DutIdentity> {
    return this.run('identify', () => identify(this.console))
  }

  readSettings(): Promise<UpdateSettings> {
    return this.run('read-settings', () => readSettings(this.console))
  }

  changeSettings(change: SettingChange): Promise<void> {
    return this.run('change-settings', () => changeSettings(this.console, change))
  }

  deliverImage(image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt> {
    return this.run('deliver-image', () => deliverImage(this.console, image, options))
  }

  readOutcome(): Promise<UpdateOutcome> {
    return this.run('read-outcome', () => readOutcome(this.console))
  }

  readNotifications(): Promise<DutNotification[]> {
    return this.run('read-notifications', () => readNotifications(this.console))
  }

  checkNow(): Promise<void> {
    return this.run('check-now', () => checkNow(this.console))
  }

  reboot(): Promise<void> {
    return this.run('reboot', () => restart(this.console, 'reboot'))
  }

  factoryReset(): Promise<void> {
    return this.run('factory-reset', () => restart(this.console, 'factory-reset'))
  }

  restore(): Promise<void> {
    return this.run('restore', () => restart(this.console, 'restore'))
  }

  /** Closes the port at once; an operation still running fails with E_DUT_UNREACHABLE. */
  async close(): Promise<void> {
    await this.console.close()
  }

  private run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => {}).then(async () => {
      this.console.op = op
      try {
        return await work()
      } finally {
        this.console.op = undefined
      }
    })
    this.queue = next.catch(() => {})
    return next
  }
}
