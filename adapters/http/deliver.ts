/**
 * deliver-image: the image as the body (raw), as a multipart/form-data field, or as a URL the
 * device fetches. Sloppy embedded servers often answer before reading the upload or drop the
 * connection; that is recorded and returned as a receipt, because the outcome, not the upload,
 * decides. Only a device that is not there or does not answer in time makes it throw. An outcome
 * stream is subscribed to before the image goes out (outcome.ts).
 */
import { createReadStream } from 'node:fs'
import type { DeliverOptions, DeliveryReceipt, ImageSource } from '../../core/dut.ts'
import { DutError } from '../../core/dut.ts'
import { deliveryConfig } from '../kit/delivery.ts'
import { extractFromAnswer } from '../kit/extract.ts'
import { checkSize, imageVars } from '../kit/image.ts'
import { deviceWords } from '../kit/receipt.ts'
import { excerpt } from '../kit/text.ts'
import type { Ctx } from './context.ts'
import { ExchangeFailure } from './failure.ts'
import { multipartBody } from './multipart.ts'
import { subscribeOutcome } from './outcome.ts'
import { statusText, type HttpAnswer } from './request.ts'
import type { RequestBody } from './transport.ts'

/** Failures that say nothing about the image: the device is not there, or never answered. */
const FATAL = new Set(['timeout', 'unreachable', 'tls', 'request'])

export async function deliverImage(ctx: Ctx, image: ImageSource, options: DeliverOptions = {}): Promise<DeliveryReceipt> {
  const cfg = deliveryConfig(ctx.profile.operations, options)
  const vars = imageVars(ctx.profile, image, options)
  if (cfg.mode === 'url' && vars['image.url'] === undefined) {
    throw new DutError('E_DUT_PROTOCOL', 'deliver-image', 'mode url needs the URL the image is served at, and none was given')
  }

  const headers: Record<string, string> = {}
  let body: RequestBody | undefined
  if (cfg.mode !== 'url') {
    await checkSize(image)
    if (cfg.mode === 'raw') {
      body = { kind: 'stream', length: image.size, open: () => createReadStream(image.path) }
      if (!hasHeader(cfg.request.headers, 'content-type')) headers['content-type'] = 'application/octet-stream'
    } else {
      const multipart = multipartBody(image, cfg.field ?? 'file')
      body = multipart.body
      headers['content-type'] = multipart.contentType
    }
  }

  await subscribeOutcome(ctx)
  let answer: HttpAnswer
  try {
    answer = await ctx.client.exchange({ op: 'deliver-image', template: cfg.request, vars, headers, ...(body ? { body } : {}) })
  } catch (err) {
    if (err instanceof ExchangeFailure && !FATAL.has(err.kind)) return { message: err.message }
    throw err
  }

  const receipt: DeliveryReceipt = { status: answer.status }
  const { accepted, said } = deviceWords(cfg.extract, (ex, what) => extractFromAnswer(ex, answer, what), cfg.receipt)
  if (accepted !== undefined) receipt.accepted = accepted
  if ((answer.status < 200 || answer.status >= 300) && !cfg.extract?.message) {
    said.unshift(answer.body.length > 0 ? `${statusText(answer.status)}: ${excerpt(answer.body)}` : statusText(answer.status))
  }
  said.push(...answer.notes)
  const message = said.join('; ')
  if (message) receipt.message = message
  return receipt
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((h) => h.toLowerCase() === name)
}
