/**
 * deliver-image over MQTT: one message telling the device where to fetch the image (url), or the
 * image itself in chunks (begin, chunkBytes pieces streamed from disk, end). A reply that does not
 * come or cannot be read is returned as a receipt, because the outcome, not the upload, decides;
 * a broker that is not there, goes away or refuses throws.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import type { MqttDelivery } from './profile.ts'
import { topicNameProblem } from './topics.ts'
import { Deadline } from '../../core/duration.ts'
import type { DeliverOptions, DeliveryReceipt, ImageSource } from '../../core/dut.ts'
import { DutError } from '../../core/dut.ts'
import { deliveryConfig } from '../kit/delivery.ts'
import { checkSize, imageVars as sharedImageVars } from '../kit/image.ts'
import { deviceWords } from '../kit/receipt.ts'
import { newRequestId, type Vars } from '../kit/template.ts'
import { formatBytes } from '../kit/text.ts'
import { fill, noReply, openReply, publish, type Ctx } from './exchange.ts'
import { fromMessage } from './extract.ts'
import type { IncomingMessage } from './record.ts'
import type { Session } from './session.ts'

type DeliverConfig = MqttDelivery
type ChunksConfig = Extract<DeliverConfig, { mode: 'chunks' }>

export async function deliverImage(ctx: Ctx, image: ImageSource, options: DeliverOptions = {}): Promise<DeliveryReceipt> {
  const cfg = deliveryConfig(ctx.profile.operations, options)
  const vars = imageVars(ctx, image, options)
  if (cfg.mode === 'url' && vars['image.url'] === undefined) {
    throw new DutError('E_DUT_PROTOCOL', 'deliver-image', 'mode url needs the URL the image is served at, and none was given')
  }
  if (cfg.mode === 'chunks') await checkSize(image)

  const timeoutMs = ctx.link.timeoutFor('deliver-image')
  const session = await ctx.link.session('deliver-image')
  await watchOutcome(ctx, session, vars.requestId!)
  const listener = cfg.reply ? await openReply(ctx, session, 'deliver-image', cfg.reply, vars, Deadline.after(timeoutMs)) : undefined
  try {
    if (cfg.mode === 'url') await publish(ctx, session, 'deliver-image', cfg.publish, vars, Deadline.after(timeoutMs))
    else await sendChunks(ctx, session, cfg, image, vars, timeoutMs)
    if (!listener) return {}
    // The device's word on the delivery gets the whole timeout once the image is sent.
    const msg = await listener.next(Deadline.after(timeoutMs))
    if (!msg) return { message: noReply(listener, timeoutMs).message }
    return receipt(cfg, msg)
  } finally {
    listener?.close()
  }
}

/**
 * A device may report the outcome right after the delivery, before read-outcome is asked: its
 * messages are collected from now on (where read-outcome listens without a request of its own).
 * A retained message the broker hands a new subscription is the state from before the delivery,
 * so this listener takes none, whatever reply.retained says for later subscriptions.
 */
async function watchOutcome(ctx: Ctx, session: Session, requestId: string): Promise<void> {
  ctx.outcome?.listener.close()
  ctx.outcome = undefined
  ctx.lastDeliveryId = requestId
  const cfg = ctx.profile.operations['read-outcome']
  if (!cfg || cfg.publish) return
  const listener = await openReply(
    ctx,
    session,
    'read-outcome',
    { ...cfg.reply, retained: false },
    { requestId },
    Deadline.after(ctx.link.timeoutFor('read-outcome')),
  )
  ctx.outcome = { listener, requestId }
}

async function sendChunks(ctx: Ctx, session: Session, cfg: ChunksConfig, image: ImageSource, vars: Vars, timeoutMs: number): Promise<void> {
  const op = 'deliver-image'
  const total = Math.ceil(image.size / cfg.chunkBytes)
  if (cfg.begin) await publish(ctx, session, op, cfg.begin, vars, Deadline.after(timeoutMs))
  const hash = createHash('sha256')
  const started = Date.now()
  let index = 0
  let sent = 0
  const file = createReadStream(image.path, { highWaterMark: cfg.chunkBytes })
  try {
    for await (const chunk of pieces(file, cfg.chunkBytes)) {
      const topic = fill(cfg.topic, { ...vars, 'chunk.index': String(index), 'chunk.total': String(total) }, op)
      const problem = topicNameProblem(topic)
      if (problem) throw new DutError('E_DUT_PROTOCOL', op, `the chunk topic, filled in, cannot be published to: ${problem}`)
      const payload = cfg.encoding === 'base64' ? Buffer.from(chunk.toString('base64')) : chunk
      await session.publish(op, { topic, payload, qos: ctx.link.qos, retain: false }, Deadline.after(timeoutMs), {
        requestId: vars.requestId,
        chunk: index,
        chunks: total,
        imageBytes: chunk.length,
        encoding: cfg.encoding,
      })
      hash.update(chunk)
      sent += chunk.length
      index++
    }
  } finally {
    file.destroy()
  }
  const sha256 = hash.digest('hex')
  ctx.recorder.note(
    op,
    `sent ${image.name} in ${index} chunk${index === 1 ? '' : 's'} (${formatBytes(sent)}, ${cfg.encoding}) in ${Date.now() - started} ms`,
    {
      image: image.name,
      chunks: index,
      bytes: sent,
      sha256,
      encoding: cfg.encoding,
      chunkBytes: cfg.chunkBytes,
      ms: Date.now() - started,
    },
  )
  if (sent !== image.size || sha256 !== image.sha256) {
    throw new Error(
      `image ${image.name} (${image.path}) changed while it was sent: ${sent} bytes with SHA-256 ${sha256}, prepared as ${image.size} bytes with ${image.sha256}`,
    )
  }
  if (cfg.end) await publish(ctx, session, op, cfg.end, vars, Deadline.after(timeoutMs))
}

/** The stream in pieces of exactly `size` bytes (the last may be shorter). */
async function* pieces(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = []
  let length = 0
  for await (const data of stream as AsyncIterable<Buffer>) {
    pending.push(data)
    length += data.length
    while (length >= size) {
      const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending)
      yield all.subarray(0, size)
      const rest = all.subarray(size)
      pending = rest.length > 0 ? [rest] : []
      length = rest.length
    }
  }
  if (length > 0) yield Buffer.concat(pending)
}

function receipt(cfg: DeliverConfig, msg: IncomingMessage): DeliveryReceipt {
  const { accepted, said } = deviceWords(cfg.extract, (ex, what) => fromMessage(ex, msg, what), cfg.receipt)
  const message = said.join('; ')
  return { ...(accepted !== undefined && { accepted }), ...(message && { message }) }
}

function imageVars(ctx: Ctx, image: ImageSource, options: DeliverOptions): Vars {
  return { requestId: newRequestId(), ...sharedImageVars(ctx.profile, image, options) }
}
