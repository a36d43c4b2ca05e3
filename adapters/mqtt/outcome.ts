/**
 * read-outcome over MQTT: the messages on the reply filter (an event or state topic), each mapped
 * through `states`, until one is final (installed or rejected); pending and unmapped values keep
 * the wait going. Running out of time is an answer (`unknown`, with what was last seen). Messages
 * that came since the last delivery are read first (deliver.ts starts collecting them).
 */
import type { MqttOperationMap } from '../../profile/types.ts'
import { notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { asText, ExtractError } from '../http/extract.ts'
import { mapState, timeoutDetail } from '../http/states.ts'
import { openReply, publish, type Ctx } from './exchange.ts'
import { fromMessage, optionalFromMessage } from './extract.ts'
import type { IncomingMessage } from './record.ts'
import type { Listener } from './session.ts'
import { newRequestId } from './template.ts'

type OutcomeConfig = NonNullable<MqttOperationMap['read-outcome']>

export async function readOutcome(ctx: Ctx): Promise<UpdateOutcome> {
  const cfg = ctx.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  const deadline = Date.now() + cfg.timeoutMs
  // Collected since the delivery, unless the connection it was collected on is gone.
  const collected = ctx.outcome
  ctx.outcome = undefined
  let listener: Listener | undefined = collected?.listener.alive ? collected.listener : undefined
  if (collected && !listener) collected.listener.close()
  try {
    if (!listener) {
      const session = await ctx.link.session('read-outcome')
      const requestId = cfg.publish ? newRequestId() : ctx.lastDeliveryId ?? newRequestId()
      const stepDeadline = Math.min(deadline, Date.now() + ctx.link.timeoutFor('read-outcome'))
      listener = await openReply(ctx, session, 'read-outcome', cfg.reply, { requestId }, stepDeadline)
      if (cfg.publish) await publish(ctx, session, 'read-outcome', cfg.publish, { requestId }, stepDeadline)
    }
    return await wait(cfg, listener, deadline)
  } finally {
    listener?.close()
  }
}

async function wait(cfg: OutcomeConfig, listener: Listener, deadline: number): Promise<UpdateOutcome> {
  const last: { unmapped?: string; pending?: string; problem?: string } = {}
  for (;;) {
    const msg = await listener.next(deadline)
    if (!msg) break
    try {
      const final = reading(cfg, msg, last)
      if (final) return final
    } catch (err) {
      if (!(err instanceof ExtractError)) throw err
      last.problem = err.message
    }
  }
  return { state: 'unknown', detail: timeoutDetail(cfg.timeoutMs, last, cfg.states) }
}

/** The final outcome a message carries, or undefined after noting what it said. */
function reading(cfg: OutcomeConfig, msg: IncomingMessage, last: { unmapped?: string; pending?: string }): UpdateOutcome | undefined {
  const raw = asText(fromMessage(cfg.extract.state, msg, 'state'))
  const state = mapState(raw, cfg.states)
  if (state === 'pending') {
    last.pending = raw
    delete last.unmapped
    return undefined
  }
  if (state === undefined) {
    last.unmapped = raw
    return undefined
  }
  const outcome: UpdateOutcome = { state }
  const version = optionalFromMessage(cfg.extract.version, msg, 'version')
  const detail = optionalFromMessage(cfg.extract.detail, msg, 'detail')
  if (version !== undefined) outcome.version = version
  if (detail !== undefined) outcome.detail = detail
  return outcome
}
