/**
 * read-outcome over MQTT: the messages on the reply filter (an event or state topic), each mapped
 * through `states`, until one is final (installed or rejected); pending and unmapped values keep
 * the wait going. Messages that came since the last delivery are read first (deliver.ts starts
 * collecting them). A connection lost during the wait is opened again, as a dropped HTTP stream or
 * a console port is; how the wait ends is the kit's (kit/outcome.ts).
 */
import type { Deadline } from '../../core/duration.ts'
import { notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { asText, ExtractError, optionalText } from '../kit/extract.ts'
import { waitForOutcome, type OutcomeWatch } from '../kit/outcome.ts'
import { newRequestId } from '../kit/template.ts'
import { noReply, openReply, publish, type Ctx } from './exchange.ts'
import { fromMessage } from './extract.ts'
import { mqttMiss } from './failure.ts'
import type { MqttOperationMap } from './profile.ts'
import type { IncomingMessage } from './record.ts'
import type { Listener } from './session.ts'

type OutcomeConfig = NonNullable<MqttOperationMap['read-outcome']>

/** Before listening again after the connection was lost. */
const RETRY_MS = 250

export async function readOutcome(ctx: Ctx): Promise<UpdateOutcome> {
  const cfg = ctx.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  // Collected since the delivery, unless the connection it was collected on is gone.
  let listener: Listener | undefined = ctx.outcome?.listener
  ctx.outcome = undefined
  const wait = {
    timeoutMs: cfg.timeoutMs,
    intervalMs: RETRY_MS,
    states: cfg.states,
    where: `via the broker at ${ctx.link.shown}`,
    missOf: mqttMiss('read-outcome'),
  }
  try {
    return await waitForOutcome(wait, async (watch, until) => {
      if (!listener?.alive) {
        listener?.close()
        listener = undefined
        listener = await listen(ctx, cfg, until)
      }
      for (;;) {
        const msg = await listener.next(until)
        if (!msg) {
          if (!watch.answered) watch.missed('no-answer', noReply(listener, cfg.timeoutMs, cfg.reply.retained).message)
          return undefined
        }
        try {
          const final = reading(watch, cfg, msg)
          if (final) return final
        } catch (err) {
          if (!(err instanceof ExtractError)) throw err
          watch.heard(err.message)
        }
      }
    })
  } finally {
    listener?.close()
  }
}

/** Subscribes to the reply filter, and asks where the profile says how. */
async function listen(ctx: Ctx, cfg: OutcomeConfig, until: Deadline): Promise<Listener> {
  const session = await ctx.link.session('read-outcome')
  const requestId = cfg.publish ? newRequestId() : (ctx.lastDeliveryId ?? newRequestId())
  const step = until.within(ctx.link.timeoutFor('read-outcome'))
  const listener = await openReply(ctx, session, 'read-outcome', cfg.reply, { requestId }, step)
  try {
    if (cfg.publish) await publish(ctx, session, 'read-outcome', cfg.publish, { requestId }, step)
    return listener
  } catch (err) {
    listener.close()
    throw err
  }
}

function reading(watch: OutcomeWatch, cfg: OutcomeConfig, msg: IncomingMessage): UpdateOutcome | undefined {
  return watch.state(asText(fromMessage(cfg.extract.state, msg, 'state')), () => ({
    version: cfg.extract.version && optionalText(() => fromMessage(cfg.extract.version!, msg, 'version')),
    detail: cfg.extract.detail && optionalText(() => fromMessage(cfg.extract.detail!, msg, 'detail')),
  }))
}
