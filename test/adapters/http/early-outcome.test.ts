/**
 * An outcome stream is subscribed when the delivery starts. The device here is an agent as met in
 * the field: it answers the upload, says its verdict 50 ms later to whoever listens at that moment,
 * and greets every new subscriber with the state of its last completed update, which is stale.
 * Subscribing only when read-outcome is asked would miss the verdict and read the greeting.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import type { OperationMap, OutcomeConfig } from '../../../adapters/http/profile.ts'
import { holdProcess } from '../../helpers.ts'
import { acceptWebSocket, dutFor, fakeDevice, imageFile, json, profile, tempDir } from './helpers.ts'

const states = { installed: ['installed'], rejected: ['verification-failed'], pending: ['installing'] }
const extract = { state: { pointer: '/state' }, detail: { pointer: '/reason' } }
const STALE = '{"state":"installed"}'
const VERDICT = '{"state":"verification-failed","reason":"bad signature"}'

/** The agent: `/api/update` takes the image; `/api/events` (SSE) and `/ws` (WebSocket) carry what it says. */
async function agent() {
  const listeners = new Set<(text: string) => void>()
  const device = await fakeDevice((req, res) => {
    if (req.url === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      const send = (text: string) => res.write(`data: ${text}\n\n`)
      send(STALE)
      listeners.add(send)
      res.on('close', () => listeners.delete(send))
      return
    }
    if (req.url !== '/api/update') return json(res, 404, {})
    json(res, 200, { ok: true })
    setTimeout(() => listeners.forEach((send) => send(VERDICT)), 50)
  })
  device.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const send = acceptWebSocket(req, socket)
    send(STALE)
    listeners.add(send)
    socket.on('close', () => listeners.delete(send))
  })
  return device
}

const deliver = { mode: 'raw', request: { method: 'POST', path: '/api/update' } } as const
const outcomes: Array<[string, OutcomeConfig, boolean]> = [
  ['sse', { mode: 'sse', request: { method: 'GET', path: '/api/events' }, extract, states, timeoutMs: 600 }, false],
  ['sse, lenient', { mode: 'sse', request: { method: 'GET', path: '/api/events' }, extract, states, timeoutMs: 600 }, true],
  ['websocket', { mode: 'websocket', path: '/ws', extract, states, timeoutMs: 600 }, false],
]

describe.each(outcomes)('read-outcome on a stream subscribed at the delivery (%s)', (_name, outcome, lenient) => {
  const ops: OperationMap = { 'deliver-image': deliver, 'read-outcome': outcome }

  it('reads the verdict an agent sent 50 ms after answering the upload, before read-outcome was asked', async () => {
    const device = await agent()
    const image = await imageFile(await tempDir(), 'img', 1000)
    const { dut, entries } = dutFor(profile(device.url, ops, { lenient }))
    expect(await dut.deliverImage(image)).toEqual({ status: 200 })
    await sleep(300)
    expect(await dut.readOutcome()).toEqual({ state: 'rejected', detail: 'bad signature' })
    // The greeting came before the image went out: set aside, and said so.
    expect(entries().map((e) => e.summary)).toContain('1 message on the outcome stream came before the delivery; not read as its outcome')
    if (outcome.mode === 'sse') expect(device.requests.map((r) => r.url)).toEqual(['/api/events', '/api/update'])
  })

  it('a second read-outcome subscribes afresh, and reads what the device says then', async () => {
    const device = await agent()
    const image = await imageFile(await tempDir(), 'img', 1000)
    const { dut } = dutFor(profile(device.url, ops, { lenient }))
    await dut.deliverImage(image)
    expect(await dut.readOutcome()).toEqual({ state: 'rejected', detail: 'bad signature' })
    expect(await dut.readOutcome()).toEqual({ state: 'installed' })
  })
})

describe('a greeting that reaches a held-up process after the greeting window', () => {
  /**
   * The device greets 20 ms after the upgrade and then holds the (shared) process up 150 ms, as a
   * loaded machine does to ts701: when it runs again the greeting waits in the socket while the
   * greeting window's timer is due, and timers run before sockets are read.
   */
  async function slowGreeter() {
    const listeners = new Set<(text: string) => void>()
    const device = await fakeDevice((req, res) => {
      if (req.url !== '/api/update') return json(res, 404, {})
      json(res, 200, { ok: true })
      setTimeout(() => listeners.forEach((send) => send(VERDICT)), 50)
    })
    device.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      const send = acceptWebSocket(req, socket)
      listeners.add(send)
      socket.on('close', () => listeners.delete(send))
      setTimeout(() => {
        setImmediate(() => {
          send(STALE)
          holdProcess(150)
        })
      }, 20)
    })
    return device
  }

  it('is still set aside, and the verdict after the upload is read', async () => {
    const device = await slowGreeter()
    const image = await imageFile(await tempDir(), 'img', 1000)
    const { dut, entries } = dutFor(profile(device.url, { 'deliver-image': deliver, 'read-outcome': outcomes[2]![1] }))
    expect(await dut.deliverImage(image)).toEqual({ status: 200 })
    expect(await dut.readOutcome()).toEqual({ state: 'rejected', detail: 'bad signature' })
    expect(entries().map((e) => e.summary)).toContain('1 message on the outcome stream came before the delivery; not read as its outcome')
  })
})

describe('a stream that cannot be subscribed at the delivery', () => {
  it('leaves the delivery alone; read-outcome reports the stream as it would have', async () => {
    const device = await fakeDevice((req, res) => (req.url === '/api/update' ? json(res, 200, {}) : json(res, 503, {})))
    const image = await imageFile(await tempDir(), 'img', 1000)
    const { dut } = dutFor(
      profile(device.url, {
        'deliver-image': deliver,
        'read-outcome': { mode: 'sse', request: { method: 'GET', path: '/api/events' }, extract, states, timeoutMs: 300 },
      }),
    )
    expect(await dut.deliverImage(image)).toEqual({ status: 200 })
    expect(await dut.readOutcome()).toEqual({
      state: 'unknown',
      detail: 'no final outcome within 300 ms (last answer: 503 Service Unavailable)',
    })
  })
})
