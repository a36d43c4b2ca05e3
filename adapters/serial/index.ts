/**
 * The serial-console adapter: a device driven through its UART console (a serial device path or
 * a raw network serial port, `tcp://host:port`), as its DUT profile declares. One connection,
 * opened on first use and reopened after it went away; one operation at a time; every line sent
 * and received recorded in the evidence log (channel `serial`), the login password masked.
 */
import type { SerialDutProfile } from './profile.ts'
import { ChannelDut, type ChannelOperations } from '../channel-dut.ts'
import { DutError, type ConsoleLine, type Dut, type Operation } from '../../core/dut.ts'
import { Deadline } from '../../core/duration.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { ExtractError } from '../kit/extract.ts'
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

const SERIAL_OPERATIONS: ChannelOperations<Console> = {
  identify,
  readSettings,
  changeSettings,
  deliverImage,
  readOutcome,
  readNotifications,
  checkNow,
  restart,
}

function openConsole(profile: SerialDutProfile, options: SerialDutOptions): Console {
  const address = parsePort(profile.adapter.port)
  const env = options.env ?? process.env
  const transcript = new Transcript(options.evidence, describeAddress(address))
  const passwordEnv = profile.adapter.login?.passwordEnv
  const password = passwordEnv ? env[passwordEnv] : undefined
  if (password) transcript.masker.addSecret(password)
  return new Console({ profile, address, transcript, env })
}

class SerialDut extends ChannelDut<Console> {
  /** Operations run one after another: the console is one conversation. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(profile: SerialDutProfile, options: SerialDutOptions) {
    const console = openConsole(profile, options)
    super(profile.operations, SERIAL_OPERATIONS, console, console.transcript.masker)
  }

  /**
   * Opens the port (outside the operation queue: listening must not wait for an exchange) and
   * hands every line from now on to `listener`.
   */
  async tapConsole(listener: (line: ConsoleLine) => void): Promise<() => void> {
    const off = this.ctx.tap(listener)
    try {
      await this.ctx.connect('identify', Deadline.after(this.ctx.timeoutFor('identify')))
    } catch (err) {
      off()
      throw err
    }
    return off
  }

  /** Closes the port at once; an operation still running fails with E_DUT_UNREACHABLE. */
  async close(): Promise<void> {
    await this.ctx.close()
  }

  protected run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    const next = this.queue
      .catch(() => {})
      .then(async () => {
        this.ctx.op = op
        try {
          return await work()
        } catch (err) {
          // Values the device printed that do not read (a setting neither on nor off) are its protocol errors.
          throw err instanceof ExtractError ? new DutError('E_DUT_PROTOCOL', op, err.message) : err
        } finally {
          this.ctx.op = undefined
        }
      })
    this.queue = next.catch(() => {})
    return next
  }
}
