/**
 * The lab's side of the reference DUT's MQTT and console channels, written for the tests: an
 * mqtt.js client speaking the device protocol, and a terminal over a TCP socket or a serial port.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { createConnection } from 'node:net'
import { connect, MqttClient } from 'mqtt'
import type { ImageSource } from '../../core/dut.ts'
import { mqttTopics, type MqttTopics } from '../../sim/mqtt.ts'
import { sleep } from './helpers.ts'

export interface Message {
  topic: string
  payload: Buffer
  retain: boolean
  /** performance.now() on arrival. */
  at: number
  json: any
}

/** An MQTT client of the lab, subscribed to everything under the device's topic root. */
export class LabMqtt {
  readonly messages: Message[] = []
  readonly topics: MqttTopics
  private constructor(
    readonly client: MqttClient,
    root: string,
  ) {
    this.topics = mqttTopics(root)
  }

  static async connect(url: string, root: string): Promise<LabMqtt> {
    // Nagle off, as the device has it: else every exchange waits 40 ms for delayed ACKs.
    const { port, hostname } = new URL(url)
    const client = new MqttClient(() => createConnection({ port: Number(port), host: hostname, noDelay: true }), {
      clientId: `lab-${randomBytes(4).toString('hex')}`,
      reconnectPeriod: 200,
      protocolVersion: 4,
    })
    client.on('error', () => {})
    const lab = new LabMqtt(client, root)
    client.on('message', (topic, payload, packet) => {
      let json: unknown
      try {
        json = JSON.parse(payload.toString('utf8'))
      } catch {
        json = undefined
      }
      lab.messages.push({ topic, payload, retain: packet.retain, at: performance.now(), json })
    })
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      setTimeout(() => reject(new Error(`lab client cannot connect to ${url}`)), 5000)
    })
    await client.subscribeAsync(`${root}/#`, { qos: 1 })
    return lab
  }

  /** Messages on `topic` (exact) since `since`. */
  on(topic: string, since = 0): Message[] {
    return this.messages.filter((m) => m.topic === topic && m.at >= since)
  }

  async waitFor(topic: string, match: (m: Message) => boolean = () => true, timeoutMs = 10_000, since = 0): Promise<Message> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.find((m) => m.topic === topic && m.at >= since && match(m))
      if (found) return found
      if (Date.now() > deadline) {
        const seen = this.messages.filter((m) => m.at >= since).map((m) => `${m.topic} ${m.payload.toString('utf8').slice(0, 160)}`)
        throw new Error(`nothing on ${topic} within ${timeoutMs} ms; seen:\n${seen.join('\n')}`)
      }
      await sleep(5)
    }
  }

  async publish(name: string, payload: string | Buffer | object): Promise<void> {
    const data = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload)
    await this.client.publishAsync(this.topics.cmd(name), data, { qos: 1 })
  }

  /** Sends `cmd/<name>` with a fresh requestId and resolves with the matching `reply/<name>`. */
  async command(name: string, fields: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<any> {
    const requestId = randomBytes(6).toString('hex')
    const since = performance.now()
    await this.publish(name, { requestId, ...fields })
    return (await this.waitFor(this.topics.reply(name), (m) => m.json?.requestId === requestId, timeoutMs, since)).json
  }

  /** The retained message on `topic` as a fresh subscriber gets it. */
  async retained(url: string, topic: string): Promise<any> {
    const reader = connect(url, { clientId: `lab-r-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 })
    reader.on('error', () => {})
    try {
      const got = new Promise<Buffer>((resolve) => reader.on('message', (_t, p, packet) => packet.retain && resolve(p)))
      await new Promise<void>((resolve) => reader.once('connect', () => resolve()))
      await reader.subscribeAsync(topic, { qos: 1 })
      const payload = await Promise.race([got, sleep(3000).then(() => undefined)])
      if (!payload) throw new Error(`no retained message on ${topic}`)
      const text = payload.toString('utf8')
      try {
        return JSON.parse(text)
      } catch {
        return text
      }
    } finally {
      await reader.endAsync()
    }
  }

  /** begin, chunks, end: resolves with the reply to end. */
  async upload(
    image: ImageSource,
    o: { encoding?: 'base64' | 'binary'; chunkBytes?: number; sha256?: string; size?: number } = {},
  ): Promise<any> {
    const encoding = o.encoding ?? 'base64'
    const begun = await this.command('update/begin', { size: o.size ?? image.size, sha256: o.sha256 ?? image.sha256, encoding })
    if (!begun.ok) return begun
    let index = 0
    for await (const chunk of createReadStream(image.path, { highWaterMark: o.chunkBytes ?? 16 * 1024 }) as AsyncIterable<Buffer>) {
      const payload = encoding === 'base64' ? chunk.toString('base64') : chunk
      await this.client.publishAsync(this.topics.cmd(`update/chunk/${index}`), payload, { qos: 1 })
      index++
    }
    return this.command('update/end', {}, 30_000)
  }

  /** `update/status` once no check is under way (the one after a boot, say). */
  async settledStatus(): Promise<any> {
    for (let i = 0; ; i++) {
      const status = await this.command('update/status')
      if (!['checking', 'downloading', 'verifying'].includes(status.state) || i > 200) return status
      await sleep(10)
    }
  }

  /** The next final outcome on events/update, asking for the status first. */
  async outcome(timeoutMs = 10_000): Promise<any> {
    const since = performance.now()
    await this.publish('update/status', { requestId: randomBytes(4).toString('hex') })
    return (await this.waitFor(this.topics.updateEvents, (m) => ['installed', 'rejected'].includes(m.json?.state), timeoutMs, since)).json
  }

  close(): Promise<void> {
    return this.client.endAsync()
  }
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g

/** What a terminal shows: ANSI sequences out, CRLF as LF. */
export function clean(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n')
}

/** A terminal on the console: everything received is kept; commands wait for the prompt. */
export class Terminal {
  raw = ''
  /**
   * `unprompted`: lines the device prints on its own (a check it starts, an install result). They
   * may come between a command's echo and its answer, and are not part of the answer.
   */
  constructor(
    readonly stream: Duplex,
    private readonly unprompted?: RegExp,
  ) {
    stream.on('data', (d: Buffer) => {
      this.raw += d.toString('utf8')
    })
    stream.on('error', () => {})
  }

  /** Cleaned output from `mark` on. */
  since(mark: number): string {
    return clean(this.raw.slice(mark))
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.stream.write(data, (err) => (err ? reject(err) : resolve())))
  }

  /** Waits until the output since `mark` matches. */
  async waitFor(re: RegExp, mark = 0, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const text = this.since(mark)
      if (re.test(text)) return text
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; the console showed:\n${text.slice(-2000)}`)
      await sleep(5)
    }
  }

  /**
   * Sends a line and returns what came back up to the prompt after its echo (echo included),
   * cleaned: a prompt the device printed after a message of its own, before it read the line, does
   * not end the wait.
   */
  async command(line: string, timeoutMs = 10_000): Promise<string> {
    const mark = this.raw.length
    await this.write(`${line}\r\n`)
    // Plain text comes back as typed; a line with control characters is edited by the device first.
    const echo = /^[\x20-\x7e]+$/.test(line.trim()) ? line.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : undefined
    return this.waitFor(echo ? new RegExp(`${echo}\n(?:[\\s\\S]*\n)?ts701> $`) : /\nts701> $/, mark, timeoutMs)
  }

  /** Sends a line and returns the answer without the echo, the trailing prompt and the device's own lines. */
  async answer(line: string, timeoutMs = 10_000): Promise<string> {
    const text = await this.command(line, timeoutMs)
    const lines = text.split('\n')
    // A line the device printed unprompted just before the echo is not part of the answer.
    const found = line.trim() ? lines.findIndex((l) => l.trim().endsWith(line.trim())) : -1
    return lines
      .slice(Math.max(found, 0) + 1, -1)
      .filter((l) => !this.unprompted?.test(l))
      .join('\n')
  }

  /** Waits until the console shows a prompt and is quiet, then returns. */
  async settle(quietMs = 50, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let last = this.raw.length
    let since = Date.now()
    for (;;) {
      await sleep(10)
      if (this.raw.length !== last) {
        last = this.raw.length
        since = Date.now()
      } else if (Date.now() - since >= quietMs && /ts701> $/.test(clean(this.raw))) {
        return
      }
      if (Date.now() > deadline) throw new Error(`the console did not settle at a prompt; it showed:\n${clean(this.raw).slice(-1000)}`)
    }
  }

  /** Streams an image as base64 lines after `update begin`, then `update end`; returns the answer to end. */
  async uploadBase64(image: ImageSource, lineBytes = 768, sha256 = image.sha256): Promise<string> {
    const begin = await this.waitAnswer(`update begin ${image.size} ${sha256}`, /ready: send \d+ bytes/)
    if (!/ready:/.test(begin)) return begin
    for await (const chunk of createReadStream(image.path, { highWaterMark: lineBytes }) as AsyncIterable<Buffer>) {
      await this.write(`${chunk.toString('base64')}\r\n`)
    }
    return this.answer('update end', 30_000)
  }

  /** `update raw`, the bytes, `update end`. */
  async uploadRaw(image: ImageSource): Promise<string> {
    const begin = await this.waitAnswer(`update raw ${image.size}`, /ready: send \d+ raw bytes/)
    if (!/ready:/.test(begin)) return begin
    const mark = this.raw.length
    for await (const chunk of createReadStream(image.path, { highWaterMark: 4096 }) as AsyncIterable<Buffer>) await this.write(chunk)
    await this.waitFor(/received \d+ bytes.*\nts701> $/s, mark)
    return this.answer('update end', 30_000)
  }

  /** Sends a line and waits for `re` (for answers that leave no prompt). */
  async waitAnswer(line: string, re: RegExp, timeoutMs = 10_000): Promise<string> {
    const mark = this.raw.length
    await this.write(`${line}\r\n`)
    return this.waitFor(new RegExp(`${re.source}|error:`), mark, timeoutMs)
  }
}

/** An HTTPS file server (certificate of the setup's vendor CA) for deliveries by URL. */
export class ImageServer {
  readonly hits: string[] = []
  private readonly sockets = new Set<Socket>()
  private constructor(
    private readonly server: Server,
    private readonly files: Map<string, string>,
  ) {}

  static async start(tls: { certPem: string; keyPem: string }): Promise<ImageServer> {
    const files = new Map<string, string>()
    let self!: ImageServer
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      self.hits.push(req.url ?? '')
      const file = files.get(req.url ?? '')
      if (!file) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      createReadStream(file).pipe(res)
    })
    self = new ImageServer(server, files)
    server.on('connection', (socket: Socket) => {
      self.sockets.add(socket)
      socket.on('close', () => self.sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    return self
  }

  /** Serves the image at `/images/<name>` and returns its URL. */
  serve(image: ImageSource): string {
    const path = `/images/${image.name}`
    this.files.set(path, image.path)
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
      for (const socket of this.sockets) socket.destroy()
    })
  }
}
