/** The command/answer operations: identify, settings, check-now, notifications. */
import { Deadline } from '../../core/duration.ts'
import type { DutIdentity, DutNotification, Operation, SettingChange, UpdateSettings } from '../../core/dut.ts'
import { DutError, notDeclared } from '../../core/dut.ts'
import { asBoolean } from '../kit/extract.ts'
import type { Console } from './console.ts'
import { AnswerMismatch, command, converse, exchange, type Answer, type ExchangeOptions } from './exchange.ts'
import { pattern } from './pattern.ts'
import type { SerialExchange } from './profile.ts'
import { excerpt } from './transcript.ts'

export async function identify(c: Console, options: ExchangeOptions = {}): Promise<DutIdentity> {
  const ex = c.profile.operations.identify
  if (!ex) throw notDeclared('identify')
  const answer = await exchange(c, 'identify', ex, options)
  return { model: group(answer, 'identify', ex, 'model'), version: group(answer, 'identify', ex, 'version') }
}

export async function readSettings(c: Console): Promise<UpdateSettings> {
  const ex = c.profile.operations['read-settings']
  if (!ex) throw notDeclared('read-settings')
  const answer = await exchange(c, 'read-settings', ex)
  const settings: UpdateSettings = {}
  for (const key of ['automaticUpdates', 'notifications'] as const) {
    const value = answer.groups[key]
    if (value !== undefined) settings[key] = asBoolean(value, key)
  }
  if (Object.keys(settings).length === 0) {
    throw new DutError(
      'E_DUT_PROTOCOL',
      'read-settings',
      `the expect pattern /${ex.expect}/ captured neither automaticUpdates nor notifications in ${excerpt(answer.text)}; name the groups (?<automaticUpdates>…) and/or (?<notifications>…)`,
    )
  }
  return settings
}

export async function changeSettings(c: Console, change: SettingChange): Promise<void> {
  const ex = c.profile.operations['change-settings']?.[change]
  if (!ex) throw new DutError('E_DUT_NOT_DECLARED', 'change-settings', `setting change ${change} not declared in the DUT profile`)
  await exchange(c, 'change-settings', ex, { label: change })
}

export async function checkNow(c: Console): Promise<void> {
  const ex = c.profile.operations['check-now']
  if (!ex) throw notDeclared('check-now')
  await exchange(c, 'check-now', ex)
}

/** Every line matching `item` (groups `text`, `kind`, `time`) until a line matches `end`. */
export async function readNotifications(c: Console): Promise<DutNotification[]> {
  const cfg = c.profile.operations['read-notifications']
  if (!cfg) throw notDeclared('read-notifications')
  const op: Operation = 'read-notifications'
  const sent = command(op, cfg.send)
  const item = pattern(op, cfg.item, 'the item pattern')
  const end = pattern(op, cfg.end, 'the end pattern')
  const deadline = Deadline.after(Math.max(1, Math.round(cfg.timeoutMs ?? c.timeoutFor(op))))
  const { value: items, ms } = await converse<DutNotification[]>(
    c,
    op,
    { command: sent, deadline, wanted: `ending with a line matching /${cfg.end}/` },
    (view) => {
      const found: DutNotification[] = []
      const lines = view.quiet && view.partial !== '' ? [...view.lines, view.partial] : view.lines
      for (const line of lines) {
        if (end.test(line)) return { done: found }
        const m = item.exec(line)
        if (m) found.push(notification(m))
      }
      if (view.atPrompt) {
        const answer = view.lines.join('\n')
        return {
          fail: new AnswerMismatch(
            op,
            `the device answered ${JSON.stringify(sent)} with ${answer.trim() ? excerpt(answer) : 'nothing but the prompt'} and no line matching /${cfg.end}/ (${found.length} item${found.length === 1 ? '' : 's'} matched /${cfg.item}/)`,
            answer,
          ),
        }
      }
      return undefined
    },
  )
  c.transcript.note(op, `${op}: ${JSON.stringify(sent)} listed ${items.length} notification${items.length === 1 ? '' : 's'} in ${ms} ms`, {
    event: 'exchange',
    command: sent,
    ms,
    items,
  })
  return items
}

function notification(m: RegExpExecArray): DutNotification {
  const g = m.groups ?? {}
  const n: DutNotification = { text: (g.text ?? m[1] ?? m[0]).trim() }
  if (g.kind !== undefined) n.kind = g.kind
  if (g.time !== undefined) n.time = g.time
  return n
}

/** A named group the operation needs; its absence is the profile's or the device's fault, said so. */
export function group(answer: Answer, op: Operation, ex: SerialExchange, name: string): string {
  const value = answer.groups[name]
  if (value !== undefined) return value
  const declared = new RegExp(`\\(\\?<${name}>`).test(ex.expect)
  throw new DutError(
    'E_DUT_PROTOCOL',
    op,
    declared
      ? `group ${name} of /${ex.expect}/ did not take part in the match in ${excerpt(answer.text)}`
      : `the expect pattern /${ex.expect}/ has no group (?<${name}>…)`,
  )
}
