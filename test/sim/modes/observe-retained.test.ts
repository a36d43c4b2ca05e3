import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../../core/evidence.ts'
import { MqttWatcher } from '../../../harness/observe/mqtt.ts'

/**
 * The jobs agent publishes its state retained and then only when something happens: a lab that
 * subscribes later must get the retained copy. A broker may send it in the very TCP segment that
 * carries the SUBACK; this broker always does, to pin that case down.
 */
function retainedWithSuback(topic: string, payload: string): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('data', (data: Buffer) => {
      const type = data[0]! >> 4
      if (type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))
      if (type === 8) {
        // Remaining length (one byte for a short SUBSCRIBE), then the packet identifier.
        const id = data.subarray(2, 4)
        const suback = Buffer.concat([Buffer.from([0x90, 0x03]), id, Buffer.from([0x00])])
        const t = Buffer.from(topic)
        const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from(payload)])
        const publish = Buffer.concat([Buffer.from([0x31, body.length]), body])
        socket.write(Buffer.concat([suback, publish]))
      }
      if (type === 12) socket.write(Buffer.from([0xd0, 0x00]))
    })
  })
  const close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy())
      server.close(() => resolve())
    })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, close })),
  )
}

describe('MQTT observations: the retained state a broker hands over with the SUBACK', () => {
  let broker: { close(): Promise<void> } | undefined
  let watcher: MqttWatcher | undefined
  afterEach(async () => {
    await watcher?.close()
    await broker?.close()
  })

  it('is observed, not lost before the subscription is acknowledged', async () => {
    const fake = await retainedWithSuback('dev/state', '{"firmware":{"version":"1.0.0"}}')
    broker = fake
    watcher = new MqttWatcher({ url: fake.url }, ['dev/state'], new EvidenceLog())
    await watcher.start()
    const seen = await watcher.feed('dev/state').next(() => true, Number.NEGATIVE_INFINITY, 2000)
    expect(seen?.report.text).toBe('{"firmware":{"version":"1.0.0"}}')
  })
})
