/** The request/answer operations: identify, settings, check-now, notifications. */
import type { DutIdentity, DutNotification, SettingChange, UpdateSettings } from '../../core/dut.ts'
import { DutError, notDeclared } from '../../core/dut.ts'
import { asBoolean, asText, extractFromAnswer, notificationsFrom } from '../kit/extract.ts'
import type { Ctx } from './context.ts'
import { expectOk } from './request.ts'

export interface IdentifyOptions {
  timeoutMs?: number
  /** Readiness polls record only the attempts that got an answer. */
  recordFailures?: boolean
}

export async function identify(ctx: Ctx, options: IdentifyOptions = {}): Promise<DutIdentity> {
  const cfg = ctx.profile.operations.identify
  if (!cfg) throw notDeclared('identify')
  const answer = await ctx.client.exchange({ op: 'identify', template: cfg.request, ...options })
  expectOk(answer, 'identify')
  return {
    model: asText(extractFromAnswer(cfg.extract.model, answer, 'model')),
    version: asText(extractFromAnswer(cfg.extract.version, answer, 'version')),
  }
}

export async function readSettings(ctx: Ctx): Promise<UpdateSettings> {
  const cfg = ctx.profile.operations['read-settings']
  if (!cfg) throw notDeclared('read-settings')
  const answer = await ctx.client.exchange({ op: 'read-settings', template: cfg.request })
  expectOk(answer, 'read-settings')
  const settings: UpdateSettings = {}
  const { automaticUpdates, notifications } = cfg.extract
  if (automaticUpdates)
    settings.automaticUpdates = asBoolean(extractFromAnswer(automaticUpdates, answer, 'automaticUpdates'), 'automaticUpdates')
  if (notifications) settings.notifications = asBoolean(extractFromAnswer(notifications, answer, 'notifications'), 'notifications')
  return settings
}

export async function changeSettings(ctx: Ctx, change: SettingChange): Promise<void> {
  const template = ctx.profile.operations['change-settings']?.[change]
  if (!template) throw new DutError('E_DUT_NOT_DECLARED', 'change-settings', `setting change ${change} not declared in the DUT profile`)
  const answer = await ctx.client.exchange({ op: 'change-settings', template })
  expectOk(answer, 'change-settings')
}

export async function checkNow(ctx: Ctx): Promise<void> {
  const cfg = ctx.profile.operations['check-now']
  if (!cfg) throw notDeclared('check-now')
  const answer = await ctx.client.exchange({ op: 'check-now', template: cfg.request })
  expectOk(answer, 'check-now')
}

export async function readNotifications(ctx: Ctx): Promise<DutNotification[]> {
  const cfg = ctx.profile.operations['read-notifications']
  if (!cfg) throw notDeclared('read-notifications')
  const answer = await ctx.client.exchange({ op: 'read-notifications', template: cfg.request })
  expectOk(answer, 'read-notifications')
  return notificationsFrom(cfg.extract, answer)
}
