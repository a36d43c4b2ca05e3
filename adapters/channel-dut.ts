import type {
  DeliverOptions, DeliveryReceipt, Dut, DutIdentity, DutNotification, ImageSource, Operation, SettingChange,
  UpdateOutcome, UpdateSettings,
} from '../core/dut.ts'

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
 * failures are translated (`run`); what the suites see is the same for all of them.
 */
export abstract class ChannelDut<C> implements Dut {
  constructor(
    private readonly declared: DeclaredOperations,
    private readonly ops: ChannelOperations<C>,
    protected readonly ctx: C,
  ) {}

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') {
      const changes = this.declared['change-settings'] ?? {}
      return change ? changes[change] !== undefined : Object.values(changes).some((c) => c !== undefined)
    }
    return this.declared[op] !== undefined
  }

  identify(): Promise<DutIdentity> {
    return this.run('identify', () => this.ops.identify(this.ctx))
  }

  readSettings(): Promise<UpdateSettings> {
    return this.run('read-settings', () => this.ops.readSettings(this.ctx))
  }

  changeSettings(change: SettingChange): Promise<void> {
    return this.run('change-settings', () => this.ops.changeSettings(this.ctx, change))
  }

  deliverImage(image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt> {
    return this.run('deliver-image', () => this.ops.deliverImage(this.ctx, image, options))
  }

  readOutcome(): Promise<UpdateOutcome> {
    return this.run('read-outcome', () => this.ops.readOutcome(this.ctx))
  }

  readNotifications(): Promise<DutNotification[]> {
    return this.run('read-notifications', () => this.ops.readNotifications(this.ctx))
  }

  checkNow(): Promise<void> {
    return this.run('check-now', () => this.ops.checkNow(this.ctx))
  }

  reboot(): Promise<void> {
    return this.run('reboot', () => this.ops.restart(this.ctx, 'reboot'))
  }

  factoryReset(): Promise<void> {
    return this.run('factory-reset', () => this.ops.restart(this.ctx, 'factory-reset'))
  }

  restore(): Promise<void> {
    return this.run('restore', () => this.ops.restart(this.ctx, 'restore'))
  }

  abstract close(): Promise<void>

  /** Runs one operation the way the channel needs (serialized, guarded, errors translated). */
  protected abstract run<T>(op: Operation, work: () => Promise<T>): Promise<T>
}
