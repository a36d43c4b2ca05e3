import { connect, createServer } from 'node:net'
import type { MqttClient } from 'mqtt'
import { describe, expect, it } from 'vitest'
import { sendAtOnce } from '../../../adapters/mqtt/socket.ts'

describe('sendAtOnce', () => {
  it("switches Nagle's algorithm off on the client's TCP socket", async () => {
    const server = createServer((s) => s.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    const socket = connect({ port, host: '127.0.0.1' })
    socket.on('error', () => {})
    const calls: boolean[] = []
    const setNoDelay = socket.setNoDelay.bind(socket)
    socket.setNoDelay = (on?: boolean) => {
      calls.push(on ?? true)
      return setNoDelay(on)
    }
    sendAtOnce({ stream: socket } as unknown as MqttClient)
    expect(calls).toEqual([true])
    socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it('leaves a stream without the switch (MQTT over WebSocket) as it is', () => {
    expect(() => sendAtOnce({ stream: {} } as unknown as MqttClient)).not.toThrow()
    expect(() => sendAtOnce({} as unknown as MqttClient)).not.toThrow()
  })
})
