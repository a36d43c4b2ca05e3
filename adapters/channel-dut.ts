import {
  DutError,
  type DeliverOptions,
  type DeliveryReceipt,
  type Dut,
  type DutIdentity,
  type DutNotification,
  type ImageSource,
  type Operation,
  type SettingChange,
  type UpdateOutcome,
  type UpdateSettings,
} from '../core/dut.ts'
import { withMasker, type Masker } from '../core/mask.ts'

/** What one channel implements: every operation, on that channel's own context. */
export interface ChannelOperations<C> {
  identify(ctx: C): Promise<DutIdentity>
  readSettings(ctx: C): Promise<UpdateSettings>
  changeSettings(ctx: C, change: SettingChange): Promise<void>
  deliverImage(ctx: C, image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt>
  readOutcome(ctx: C): Promise<UpdateOutcome>
  readNotifications(ctx: C): Promise<DutNotification[]>
  checkNow(ctx: C): Promise<void>
  restart(ctx: C, op: 'reboot' | 'factory-reset' | 'restore'): Promise<void>
}

/** The part of every channel's operation map `supports` needs: which operations are declared. */
type DeclaredOperations = Partial<Record<Operation, unknown>> & {
  'change-settings'?: Partial<Record<SettingChange, unknown>>
}

/**
 * The `Dut` every adapter presents. Channels differ in how an operation travels and how its
 * failures are translated (`run`); what the suites see is the same for all of them, down to the
 * secrets: a credential the device echoes is masked in what an operation returns and in its
 * errors, which go into reports, as it is in the evidence.
 */
export abstract class ChannelDut<C> implements Dut {
  constructor(
    private readonly declared: DeclaredOperations,
    private readonly ops: ChannelOperations<C>,
    protected readonly ctx: C,
    private readonly masker: Masker,
  ) {}

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') {
      const changes = this.declared['change-settings'] ?? {}
      return change ? changes[change] !== undefined : Object.values(changes).some((c) => c !== undefined)
    }
    return this.declared[op] !== undefined
  }

  identify(): Promise<DutIdentity> {
    return this.call('identify', () => this.ops.identify(this.ctx))
  }

  readSettings(): Promise<UpdateSettings> {
    return this.call('read-settings', () => this.ops.readSettings(this.ctx))
  }

  changeSettings(change: SettingChange): Promise<void> {
    return this.call('change-settings', () => this.ops.changeSettings(this.ctx, change))
  }

  deliverImage(image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt> {
    return this.call('deliver-image', () => this.ops.deliverImage(this.ctx, image, options))
  }

  readOutcome(): Promise<UpdateOutcome> {
    return this.call('read-outcome', () => this.ops.readOutcome(this.ctx))
  }

  readNotifications(): Promise<DutNotification[]> {
    return this.call('read-notifications', () => this.ops.readNotifications(this.ctx))
  }

  checkNow(): Promise<void> {
    return this.call('check-now', () => this.ops.checkNow(this.ctx))
  }

  reboot(): Promise<void> {
    return this.call('reboot', () => this.ops.restart(this.ctx, 'reboot'))
  }

  factoryReset(): Promise<void> {
    return this.call('factory-reset', () => this.ops.restart(this.ctx, 'factory-reset'))
  }

  restore(): Promise<void> {
    return this.call('restore', () => this.ops.restart(this.ctx, 'restore'))
  }

  abstract close(): Promise<void>

  private async call<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    try {
      // Quotes of the device's answers made during the operation mask before they cut.
      return this.masker.value(await withMasker(this.masker, () => this.run(op, work)))
    } catch (err) {
      if (!(err instanceof DutError)) throw err
      const text = this.masker.text(err.message)
      throw text === err.message ? err : new DutError(err.code, err.operation, text.slice(`${err.operation}: `.length))
    }
  }

  /** Runs one operation the way the channel needs (serialized, guarded, errors translated). */
  protected abstract run<T>(op: Operation, work: () => Promise<T>): Promise<T>
}
