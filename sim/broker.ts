import { createServer, type Server, type Socket } from 'node:net'
import { Aedes } from 'aedes'
import { SimError } from './errors.ts'

export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>`. */
  url: string
  port: number
  close(): Promise<void>
}

/**
 * An MQTT broker in this process (aedes, in-memory sessions and retained messages) on a loopback
 * port, for a lab without a broker of its own. `ts701 sim --broker <url>` uses an existing one
 * (mosquitto, say) instead.
 */
export async function startEmbeddedBroker(port = 0): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    // Small messages both ways: without this, Nagle and delayed ACKs add 40 ms to every exchange.
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    broker.handle(socket)
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()))
    const code = (err as { code?: string }).code
    if (code === 'EADDRINUSE') {
      throw new SimError(
        'E_SIM_CONFIG',
        `port ${port} is in use (a broker such as mosquitto already running?): use it with --broker mqtt://127.0.0.1:${port}, or choose another port for the embedded broker`,
      )
    }
    throw err
  }
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  let closed: Promise<void> | undefined
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    close() {
      closed ??= (async () => {
        for (const s of sockets) s.destroy()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await new Promise<void>((resolve) => broker.close(() => resolve()))
      })()
      return closed
    },
  }
}
