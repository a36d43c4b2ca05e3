/**
 * deliver-image over the console. `url`: the device is told where to fetch the image (one
 * templated exchange). `base64-lines` and `raw`: `begin` announces the image, the image is
 * streamed (transfer.ts), and `end` collects the device's verdict (named groups `accepted`,
 * `message`; `receipt` says which values of `accepted` mean yes and no). As with HTTP, the outcome decides, not the upload: a device that refuses to begin,
 * breaks the transfer off or answers with something unexpected gives a receipt saying so. Only a
 * port that is gone (E_DUT_UNREACHABLE) or a console that stops answering (E_DUT_TIMEOUT) throws.
 */
import type { DeliverOptions, DeliveryReceipt, ImageSource } from '../../core/dut.ts'
import { DutError } from '../../core/dut.ts'
import { deliveryConfig } from '../kit/delivery.ts'
import { ExtractError } from '../kit/extract.ts'
import { checkSize, imageVars } from '../kit/image.ts'
import { acceptedBy, type ReceiptTable } from '../kit/receipt.ts'
import type { Console } from './console.ts'
import { AnswerMismatch, exchange, type Answer } from './exchange.ts'
import { streamImage, type TransferResult } from './transfer.ts'
import { excerpt } from './transcript.ts'

const op = 'deliver-image' as const

export async function deliverImage(c: Console, image: ImageSource, options: DeliverOptions = {}): Promise<DeliveryReceipt> {
  const cfg = deliveryConfig(c.profile.operations, options)
  const vars = imageVars(c.profile, image, options)
  if (cfg.mode === 'url') {
    if (options.imageUrl === undefined) {
      throw new DutError('E_DUT_PROTOCOL', op, 'mode url needs the URL the image is served at, and none was given')
    }
    return verdict(() => exchange(c, op, cfg.exchange, { vars }), '', cfg.receipt)
  }

  await checkSize(image)
  try {
    await exchange(c, op, cfg.begin, { vars, settle: false, label: 'begin' })
  } catch (err) {
    if (err instanceof AnswerMismatch) return { message: `${strip(err)}; nothing of the image was sent` }
    throw err
  }
  if (cfg.mode === 'base64-lines' && !(Number.isInteger(cfg.lineBytes) && cfg.lineBytes > 0)) {
    throw new DutError('E_DUT_PROTOCOL', op, `lineBytes must be a positive whole number, not ${cfg.lineBytes}`)
  }
  const result = await streamImage(c, op, image, cfg.mode, cfg.mode === 'base64-lines' ? cfg.lineBytes : 0)
  if (result.brokeOff !== undefined) {
    const said = result.brokeOff ? `: ${excerpt(result.brokeOff)}` : ''
    return { message: `the device broke the transfer off after ${progress(result, image)} and returned to its prompt${said}` }
  }
  return verdict(() => exchange(c, op, cfg.end, { vars, label: 'end' }), 'after the transfer, ', cfg.receipt)
}

/**
 * The device's word on the delivery: groups `accepted` (read with the receipt table, where the
 * profile declares one) and `message`; an unexpected answer is itself the word.
 */
async function verdict(run: () => Promise<Answer>, context: string, table: ReceiptTable | undefined): Promise<DeliveryReceipt> {
  let answer: Answer
  try {
    answer = await run()
  } catch (err) {
    if (err instanceof AnswerMismatch) return { message: `${context}${strip(err)}` }
    throw err
  }
  const receipt: DeliveryReceipt = {}
  const notes: string[] = []
  const accepted = answer.groups.accepted
  if (accepted !== undefined) {
    try {
      receipt.accepted = acceptedBy(accepted, table)
    } catch (err) {
      if (!(err instanceof ExtractError)) throw err
      notes.push(`(${err.message})`)
    }
  }
  const message = answer.groups.message?.trim()
  if (message) notes.unshift(message)
  if (notes.length > 0) receipt.message = notes.join('; ')
  return receipt
}

function strip(err: DutError): string {
  return err.message.replace(new RegExp(`^${op}: `), '')
}

function progress(result: TransferResult, image: ImageSource): string {
  const lines = result.lines !== undefined ? `${result.lines} base64 lines, ` : ''
  return `${lines}${result.bytes} of ${image.size} bytes`
}
