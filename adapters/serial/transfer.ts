/**
 * Streaming an image over the console, from disk (never read whole): as base64 lines of
 * `lineBytes` input bytes each, or as the raw bytes. Every write waits until the port took it
 * (drained), so a slow UART or a device holding back with flow control sets the pace; a port
 * that takes nothing for the operation's timeout ends the transfer with E_DUT_TIMEOUT.
 *
 * What the device prints meanwhile is not logged line by line (it echoes the base64 lines):
 * it is counted, its echo recognised, and anything else kept for the summary. When the device
 * drops back to its prompt in the middle, it broke the transfer off; the rest is not sent.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Deadline } from '../../core/duration.ts'
import type { ImageSource, Operation } from '../../core/dut.ts'
import { formatBytes } from '../kit/text.ts'
import type { CleanLine } from './clean.ts'
import type { Console } from './console.ts'
import { promptLine, quietFor } from './login.ts'
import { pattern } from './pattern.ts'

/** Raw bytes go out in pieces of this size, each drained before the next. */
const RAW_CHUNK = 1024
/** How many lines the device printed besides its echo are kept for evidence and messages. */
const KEEP_SAID = 20
/** After the last write: wait for the echo to catch up, or for this much quiet, at most TAIL_WAIT_MS. */
const TAIL_QUIET_MS = 150
const TAIL_WAIT_MS = 2000
/** How many recently sent lines are remembered to recognise their echo. */
const ECHO_MEMORY = 256

export interface TransferResult {
  mode: 'base64-lines' | 'raw'
  /** Bytes of the image sent. */
  bytes: number
  /** Bytes written to the port (base64 text and line endings included). */
  wireBytes: number
  /** base64 lines sent. */
  lines?: number
  /** SHA-256 of the image bytes sent. */
  sha256: string
  ms: number
  /** The device dropped back to its prompt before the end: what it said. */
  brokeOff?: string
  /** What the device printed during the transfer. */
  device: { lines: number; echoed: number; said: string[] }
}

/** Watches the device's output during a transfer. */
class Listener {
  lines = 0
  echoed = 0
  readonly said: string[] = []
  brokeOff = false
  private readonly recent = new Set<string>()
  private readonly order: string[] = []

  constructor(private readonly prompt: RegExp | undefined) {}

  sent(line: string): void {
    this.recent.add(line)
    this.order.push(line)
    if (this.order.length > ECHO_MEMORY) this.recent.delete(this.order.shift()!)
  }

  readonly sink = (line: CleanLine): void => {
    const text = line.text.trim()
    if (text === '') return
    this.lines++
    if (this.recent.has(text)) {
      this.echoed++
      return
    }
    if (this.said.length < KEEP_SAID) this.said.push(line.text)
    if (this.prompt && (this.prompt.test(line.text) || this.prompt.test(this.withoutEcho(line.text)))) this.brokeOff = true
  }

  /** A line that ends with the echo of a sent line (the prompt, then the echo): what comes before. */
  private withoutEcho(text: string): string {
    for (const sent of this.recent) {
      if (text.length > sent.length && text.endsWith(sent)) return text.slice(0, -sent.length)
    }
    return text
  }

  /** The device sits at its prompt (quiet, prompt on the open line). */
  check(c: Console): void {
    if (!this.prompt || this.brokeOff) return
    const line = promptLine(c)
    if (line !== undefined && this.prompt.test(line)) {
      this.brokeOff = true
      if (this.said.length < KEEP_SAID) this.said.push(line)
    }
  }
}

export async function streamImage(
  c: Console,
  op: Operation,
  image: ImageSource,
  mode: 'base64-lines' | 'raw',
  lineBytes = 0,
): Promise<TransferResult> {
  const idleMs = c.timeoutFor(op)
  // At a low baud rate a long line takes a while to go out: the port gets twice its wire time.
  const framing = 1 + c.cfg.dataBits + (c.cfg.parity === 'none' ? 0 : 1) + c.cfg.stopBits
  const budget = (length: number) => Math.max(idleMs, Math.ceil(((length * framing) / c.cfg.baudRate) * 1000 * 2))
  const prompt = c.cfg.prompt ? pattern(op, c.cfg.prompt, 'adapter.prompt') : undefined
  const listener = new Listener(prompt)
  const hash = createHash('sha256')
  const started = Date.now()
  let bytes = 0
  let wireBytes = 0
  let lines = 0
  const undivert = c.divert(listener.sink)
  const chunkSize = mode === 'raw' ? RAW_CHUNK : lineBytes
  const stream = createReadStream(image.path, { highWaterMark: Math.max(64 * 1024, chunkSize) })
  let result: TransferResult
  let failure: string | undefined
  try {
    let pending: Buffer = Buffer.alloc(0)
    const send = async (piece: Buffer): Promise<boolean> => {
      listener.check(c)
      if (listener.brokeOff) return false
      let data: Buffer
      if (mode === 'raw') {
        data = piece
      } else {
        const line = piece.toString('base64')
        listener.sent(line)
        data = Buffer.from(line + c.cfg.lineEnding, 'latin1')
        lines++
      }
      await c.write(op, data, Deadline.after(budget(data.length)), {
        what: () =>
          mode === 'raw'
            ? `the image bytes after ${bytes} of ${image.size}`
            : `base64 line ${lines} (after ${bytes} of ${image.size} bytes)`,
      })
      hash.update(piece)
      bytes += piece.length
      wireBytes += data.length
      return true
    }
    let going = true
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      let offset = 0
      while (going && pending.length - offset >= chunkSize) {
        going = await send(pending.subarray(offset, offset + chunkSize))
        offset += chunkSize
      }
      pending = pending.subarray(offset)
      if (!going) break
    }
    if (going && pending.length > 0) going = await send(pending)
    if (going) {
      // The echo of the last lines, and what the device says right after them, belong to the transfer.
      const echoes = listener.echoed > 0
      await c.waitFor(
        op,
        () => (echoes && listener.echoed >= lines) || quietFor(c, TAIL_QUIET_MS),
        Deadline.after(Math.min(idleMs, TAIL_WAIT_MS)),
      )
      listener.check(c)
    }
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err)
    throw err
  } finally {
    stream.destroy()
    undivert()
    result = {
      mode,
      bytes,
      wireBytes,
      sha256: hash.digest('hex'),
      ms: Date.now() - started,
      device: { lines: listener.lines, echoed: listener.echoed, said: listener.said.map((l) => c.transcript.masker.text(l)) },
    }
    if (mode === 'base64-lines') result.lines = lines
    if (listener.brokeOff) result.brokeOff = result.device.said.filter((l) => !prompt?.test(l)).join(' / ')
    record(c, op, image, result, failure)
  }
  return result
}

/** The transfer in one evidence entry: what was sent (bytes, lines, SHA-256) and what the device said meanwhile. */
function record(c: Console, op: Operation, image: ImageSource, r: TransferResult, failure: string | undefined): void {
  const how = r.mode === 'raw' ? 'as raw bytes' : `as ${r.lines} base64 line${r.lines === 1 ? '' : 's'}`
  const echo = r.device.echoed > 0 ? `; the device echoed ${r.device.echoed} line${r.device.echoed === 1 ? '' : 's'}` : ''
  const cut =
    r.brokeOff !== undefined
      ? ` — broken off by the device after ${r.bytes} of ${image.size} bytes`
      : failure !== undefined
        ? ` — failed after ${r.bytes} of ${image.size} bytes: ${failure}`
        : ''
  c.transcript.note(
    op,
    `${op}: sent ${image.name} ${how} (${formatBytes(r.bytes)} in ${r.ms} ms, SHA-256 ${r.sha256.slice(0, 16)}…)${echo}${cut}`,
    {
      event: 'transfer',
      mode: r.mode,
      image: image.name,
      bytes: r.bytes,
      size: image.size,
      ...(r.lines !== undefined ? { lines: r.lines } : {}),
      wireBytes: r.wireBytes,
      sha256: r.sha256,
      ...(r.bytes === image.size && r.sha256 !== image.sha256 ? { expectedSha256: image.sha256 } : {}),
      ms: r.ms,
      deviceLines: r.device.lines,
      echoedLines: r.device.echoed,
      ...(r.device.said.length > 0 ? { deviceSaid: r.device.said } : {}),
      ...(r.brokeOff !== undefined ? { brokenOff: true } : {}),
      ...(failure !== undefined ? { error: failure } : {}),
    },
  )
}
