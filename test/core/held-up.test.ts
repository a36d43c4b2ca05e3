/**
 * A wait that ends by a timer, in a process held up past its end (a loaded machine): Node runs
 * the due timer before it reads the sockets, so what the peer had sent in time would be seen
 * only after the wait was judged over. Here the peer is in the same process: it sends, then holds
 * the process up 150 ms.
 */
import { once } from 'node:events'
import { createServer, connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Deadline, sleep, WaitTimer } from '../../core/duration.ts'
import { holdProcess } from '../helpers.ts'

/** A connected pair; the server side sends `text` `afterMs` from now, then holds the process up. */
async function peerSendingLate(text: string, afterMs: number): Promise<{ client: Socket; close: () => void }> {
  const server = createServer((socket) => {
    setTimeout(() => setImmediate(() => (socket.write(text), holdProcess(150))), afterMs)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const client = connect(port, '127.0.0.1')
  await once(client, 'connect')
  return { client, close: () => (client.destroy(), server.close()) }
}

describe('a wait in a held-up process', () => {
  const open: Array<() => void> = []
  afterEach(() => open.splice(0).forEach((close) => close()))

  it('a sleep ends after what came during it has been read', async () => {
    const { client, close } = await peerSendingLate('hello', 20)
    open.push(close)
    let heard = ''
    client.on('data', (d) => (heard += d))
    await sleep(50)
    expect(heard).toBe('hello')
  })

  it('a wait timer decides after what came in time has been read, and a cleared one never fires', async () => {
    const { client, close } = await peerSendingLate('hit', 20)
    open.push(close)
    let heard = ''
    client.on('data', (d) => (heard += d))
    const seenAtTimeout = await new Promise<string>((resolve) => new WaitTimer(50, () => resolve(heard)))
    expect(seenAtTimeout).toBe('hit')
    let fired = false
    new WaitTimer(10, () => (fired = true)).clear()
    await sleep(30)
    expect(fired).toBe(false)
  })

  it('an answer that came before the deadline wins the race against it', async () => {
    const { client, close } = await peerSendingLate('answer', 20)
    open.push(close)
    const answer = once(client, 'data').then(([d]) => String(d))
    expect(await Deadline.after(50).race(answer, () => 'timeout')).toBe('answer')
  })
})
