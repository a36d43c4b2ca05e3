/** The request/reply operations: identify, settings, check-now, notifications. */
import type { DutIdentity, DutNotification, SettingChange, UpdateSettings } from '../../core/dut.ts'
import { DutError, notDeclared } from '../../core/dut.ts'
import { asBoolean, asText } from '../kit/extract.ts'
import { exchange, type Ctx } from './exchange.ts'
import { fromMessage, notificationsFrom } from './extract.ts'
import type { IncomingMessage } from './record.ts'

export async function identify(ctx: Ctx, options: { timeoutMs?: number } = {}): Promise<DutIdentity> {
  const cfg = ctx.profile.operations.identify
  if (!cfg) throw notDeclared('identify')
  const msg = replyOf(await exchange(ctx, 'identify', cfg, options))
  return {
    model: asText(fromMessage(cfg.extract.model, msg, 'model')),
    version: asText(fromMessage(cfg.extract.version, msg, 'version')),
  }
}

export async function readSettings(ctx: Ctx): Promise<UpdateSettings> {
  const cfg = ctx.profile.operations['read-settings']
  if (!cfg) throw notDeclared('read-settings')
  const msg = replyOf(await exchange(ctx, 'read-settings', cfg))
  const settings: UpdateSettings = {}
  const { automaticUpdates, notifications } = cfg.extract
  if (automaticUpdates) settings.automaticUpdates = asBoolean(fromMessage(automaticUpdates, msg, 'automaticUpdates'), 'automaticUpdates')
  if (notifications) settings.notifications = asBoolean(fromMessage(notifications, msg, 'notifications'), 'notifications')
  return settings
}

export async function changeSettings(ctx: Ctx, change: SettingChange): Promise<void> {
  const cfg = ctx.profile.operations['change-settings']?.[change]
  if (!cfg) throw new DutError('E_DUT_NOT_DECLARED', 'change-settings', `setting change ${change} not declared in the DUT profile`)
  await exchange(ctx, 'change-settings', cfg)
}

export async function checkNow(ctx: Ctx): Promise<void> {
  const cfg = ctx.profile.operations['check-now']
  if (!cfg) throw notDeclared('check-now')
  await exchange(ctx, 'check-now', cfg)
}

export async function readNotifications(ctx: Ctx): Promise<DutNotification[]> {
  const cfg = ctx.profile.operations['read-notifications']
  if (!cfg) throw notDeclared('read-notifications')
  const msg = replyOf(await exchange(ctx, 'read-notifications', cfg))
  return notificationsFrom(cfg.extract, msg)
}

/** Operations with a reply always get one (or fail); the type system does not know that. */
function replyOf(msg: IncomingMessage | undefined): IncomingMessage {
  if (!msg) throw new Error('internal error: an exchange with a reply returned none')
  return msg
}
