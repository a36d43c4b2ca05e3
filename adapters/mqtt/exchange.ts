/**
 * One exchange with the device through the broker: subscribe to the reply filter first, then
 * publish the request (templated; `{{requestId}}` fresh for each exchange), then take the first
 * message on the filter that matches, all within the operation's timeout.
 */
import type { MqttDutProfile, MqttPublish, MqttReply } from './profile.ts'
import { topicFilterProblem, topicNameProblem } from './topics.ts'
import { Deadline } from '../../core/duration.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import { asText, extractFromItem, ExtractError } from '../kit/extract.ts'
import { fill as fillTemplate, newRequestId, regexLiteral, type Escape, type Vars } from '../kit/template.ts'
import { excerpt } from '../kit/text.ts'
import { jsonOf } from './extract.ts'
import { MqttFailure } from './failure.ts'
import type { IncomingMessage, OutgoingMessage, Recorder } from './record.ts'
import type { Link, Listener, Session } from './session.ts'

export interface Ctx {
  profile: MqttDutProfile
  link: Link
  recorder: Recorder
  /** Outcome messages collected from just before the last delivery on, for read-outcome. */
  outcome?: { listener: Listener; requestId: string }
  /** The `{{requestId}}` of the last delivery, which read-outcome without a request of its own uses. */
  lastDeliveryId?: string
}

export interface ExchangeSpec {
  publish?: MqttPublish
  reply?: MqttReply
}

export interface ExchangeOptions {
  vars?: Vars
  /** Defaults to the operation's timeout. */
  timeoutMs?: number
}

/** Publishes and awaits the reply; resolves with the reply (undefined when the exchange declares none). */
export async function exchange(ctx: Ctx, op: Operation, spec: ExchangeSpec, o: ExchangeOptions = {}): Promise<IncomingMessage | undefined> {
  const vars: Vars = { ...o.vars, requestId: o.vars?.requestId ?? newRequestId() }
  const timeoutMs = Math.max(1, Math.round(o.timeoutMs ?? ctx.link.timeoutFor(op)))
  const session = await ctx.link.session(op)
  const deadline = Deadline.after(timeoutMs)
  const listener = spec.reply ? await openReply(ctx, session, op, spec.reply, vars, deadline) : undefined
  try {
    if (spec.publish) await publish(ctx, session, op, spec.publish, vars, deadline)
    if (!listener) return undefined
    const msg = await listener.next(deadline)
    if (!msg) throw noReply(listener, timeoutMs)
    return msg
  } finally {
    listener?.close()
  }
}

/** Subscribes to the reply's filter with its match; the listener must be closed by the caller. */
export async function openReply(
  ctx: Ctx,
  session: Session,
  op: Operation,
  reply: MqttReply,
  vars: Vars,
  deadline: Deadline,
): Promise<Listener> {
  const filter = fill(reply.topic, vars, op)
  const problem = topicFilterProblem(filter)
  if (problem) throw new DutError('E_DUT_PROTOCOL', op, `the reply topic filter, filled in, is not valid: ${problem}`)
  const match = matcher(reply.match, vars, op)
  return session.listen(op, filter, ctx.link.qos, { retained: reply.retained ?? false, ...(match ? { match } : {}) }, deadline)
}

/** Publishes a templated message. */
export async function publish(
  ctx: Ctx,
  session: Session,
  op: Operation,
  p: MqttPublish,
  vars: Vars,
  deadline: Deadline,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await session.publish(op, message(ctx, op, p, vars), deadline, { ...(vars.requestId ? { requestId: vars.requestId } : {}), ...extra })
}

export function message(ctx: Ctx, op: Operation, p: MqttPublish, vars: Vars): OutgoingMessage {
  const topic = fill(p.topic, vars, op)
  const problem = topicNameProblem(topic)
  if (problem) throw new DutError('E_DUT_PROTOCOL', op, `the topic, filled in, cannot be published to: ${problem}`)
  return { topic, payload: Buffer.from(fill(p.payload, vars, op)), qos: p.qos ?? ctx.link.qos, retain: p.retain ?? false }
}

function matcher(match: MqttReply['match'], vars: Vars, op: Operation): ((m: OutgoingMessage) => boolean) | undefined {
  if (!match) return undefined
  if ('pointer' in match) {
    const expected = fill(match.equals, vars, op)
    return (m) => {
      const json = jsonOf(m as IncomingMessage)
      if (!json) return false
      try {
        return asText(extractFromItem({ pointer: match.pointer }, json.value, 'match')) === expected
      } catch (err) {
        if (err instanceof ExtractError) return false
        throw err
      }
    }
  }
  let re: RegExp
  try {
    re = new RegExp(fill(match.regex, vars, op, regexLiteral))
  } catch (err) {
    throw new DutError(
      'E_DUT_PROTOCOL',
      op,
      `the reply's match regex does not compile (${err instanceof Error ? err.message : String(err)})`,
    )
  }
  return (m) => re.test(m.payload.toString('utf8'))
}

/** Topics, payloads and reply matches of the profile, filled in. */
export function fill(text: string, vars: Vars, op: Operation, escape?: Escape): string {
  return fillTemplate(text, vars, { op, what: 'the message template', ...(escape && { escape }) })
}

/**
 * The reply did not come: what was seen on the filter instead helps the supplier fix the match.
 * `retainedWanted`: the profile accepts retained messages, so one ignored was from before a delivery.
 */
export function noReply(listener: Listener, timeoutMs: number, retainedWanted = false): MqttFailure {
  const parts: string[] = []
  if (listener.ignored > 0 && listener.lastIgnored) {
    parts.push(
      `${listener.ignored} other message${listener.ignored === 1 ? '' : 's'} on it did not match the reply's match (last: ${excerpt(listener.lastIgnored, 120)})`,
    )
  }
  if (listener.staleRetained > 0) {
    parts.push(
      retainedWanted
        ? 'a retained message from before the delivery was ignored'
        : 'a retained message was ignored (set reply.retained: true to accept it)',
    )
  }
  return new MqttFailure(
    'no-reply',
    `no reply on ${listener.filter} within ${timeoutMs} ms${parts.length > 0 ? `; ${parts.join('; ')}` : ''}`,
  )
}
