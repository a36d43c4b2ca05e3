/**
 * The byte pipe to the console: a serial device (a UART adapter, a pseudo-terminal) opened with
 * serialport, or `tcp://host:port`, a raw network serial port as ser2net exports it. Both look
 * the same to the console: bytes in, bytes out, writes that resolve once the port took them, and
 * one `closed` notice with the reason when the port goes away.
 */
import { Socket } from 'node:net'
import type { SerialAdapterConfig } from './profile.ts'
import { WaitTimer } from '../../core/duration.ts'
import { Ts701Error } from '../../core/errors.ts'
import { isLoopbackHost, LOOPBACK_RULE } from '../../core/loopback.ts'

export type PortAddress = { kind: 'device'; path: string } | { kind: 'tcp'; host: string; port: number }

/** The profile names a port ts701 cannot drive; raised when the adapter is created. */
export class SerialPortUnsupported extends Ts701Error {
  constructor(message: string) {
    super('E_SERIAL_PORT_UNSUPPORTED', message)
  }
}

/** Parses `adapter.port`; throws SerialPortUnsupported for forms that are not implemented. */
export function parsePort(port: string): PortAddress {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(port)?.[1]?.toLowerCase()
  if (scheme === undefined) {
    if (port.trim() === '') throw new SerialPortUnsupported('adapter.port is empty; name a device path (/dev/ttyUSB0) or tcp://host:port')
    return { kind: 'device', path: port }
  }
  if (scheme === 'rfc2217') {
    throw new SerialPortUnsupported(
      `adapter.port ${port}: RFC 2217 (serial over telnet, with the baud rate and framing negotiated) is not supported yet; ` +
        'export the port as raw TCP (ser2net: "accepter: tcp,…" with "connector: serialdev,…") and use tcp://host:port',
    )
  }
  if (scheme !== 'tcp') {
    throw new SerialPortUnsupported(`adapter.port ${port}: unsupported scheme ${scheme}://; use a device path or tcp://host:port`)
  }
  let url: URL
  try {
    url = new URL(port)
  } catch {
    throw new SerialPortUnsupported(`adapter.port ${port} is not a valid tcp://host:port address`)
  }
  const portNumber = Number(url.port)
  if (!url.hostname || !url.port || !Number.isInteger(portNumber) || portNumber <= 0 || (url.pathname !== '' && url.pathname !== '/')) {
    throw new SerialPortUnsupported(`adapter.port ${port} is not a valid tcp://host:port address`)
  }
  return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port: portNumber }
}

/** Why ts701 must not connect to the address, or undefined. */
export function refusal(address: PortAddress): string | undefined {
  if (address.kind === 'tcp' && !isLoopbackHost(address.host)) {
    return `host "${address.host}" of adapter.port is not a loopback address; ${LOOPBACK_RULE}`
  }
  return undefined
}

export function describeAddress(address: PortAddress): string {
  return address.kind === 'device'
    ? address.path
    : `tcp://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`
}

/** An open port. `closed` is called once, whoever closed it; writes after that reject. */
export interface Link {
  /**
   * Writes the bytes. Resolves once the port has sent them all (drained), which paces a transfer
   * to the line; with `accepted` once the operating system has taken them, which is enough for a
   * command line whose answer is awaited anyway. `onAccepted` tells a timeout which stage held.
   */
  write(data: Buffer, options?: WriteOptions): Promise<void>
  close(): Promise<void>
  readonly isOpen: boolean
}

export interface WriteOptions {
  until?: 'drained' | 'accepted'
  onAccepted?: () => void
}

export interface LinkEvents {
  data(chunk: Buffer): void
  /** The port went away or was closed; `reason` completes "the serial port X closed (…)". */
  closed(reason: string): void
}

/** Raised when the port cannot be opened; the message completes "cannot open the serial port X (…)". */
export class OpenFailure extends Error {}

/** Raised by a write on a port that closed; the message is the close reason. */
export class LinkClosed extends Error {}

export function openLink(address: PortAddress, cfg: SerialAdapterConfig, events: LinkEvents, timeoutMs: number): Promise<Link> {
  return address.kind === 'device' ? openDevice(address.path, cfg, events, timeoutMs) : openTcp(address, events, timeoutMs)
}

async function openDevice(path: string, cfg: SerialAdapterConfig, events: LinkEvents, timeoutMs: number): Promise<Link> {
  // Loaded here, not with the module: serialport brings a native binding, and a console reached
  // over TCP or a run over another channel never needs it. A binding that does not load (built for
  // another Node) fails this open with the reason, not the run.
  let SerialPort: typeof import('serialport').SerialPort
  try {
    ;({ SerialPort } = await import('serialport'))
  } catch (err) {
    throw new OpenFailure(`serialport did not load: ${err instanceof Error ? err.message : String(err)}`)
  }
  return new Promise((resolve, reject) => {
    let settled = false
    let closedReason: string | undefined
    const port = new SerialPort({
      path,
      baudRate: cfg.baudRate,
      dataBits: cfg.dataBits,
      parity: cfg.parity,
      stopBits: cfg.stopBits,
      autoOpen: false,
    })
    const writes = new Set<(reason: string) => void>()
    const finish = (reason: string) => {
      if (closedReason !== undefined) return
      closedReason = reason
      for (const fail of writes) fail(reason)
      writes.clear()
      events.closed(reason)
    }
    // Errors come with a close (or a failed open); the listener keeps them from being thrown.
    port.on('error', () => {})
    port.on('data', (chunk: Buffer) => events.data(chunk))
    port.on('close', (err: (Error & { disconnected?: boolean }) | null) => {
      finish(err?.disconnected ? 'the device disconnected' : err ? `${lower(err.message)}` : 'closed by ts701')
    })
    const timer = new WaitTimer(timeoutMs, () => {
      if (settled) return
      settled = true
      reject(new OpenFailure(`it did not open within ${timeoutMs} ms`))
      port.close(() => {})
    })
    port.open((err) => {
      timer.clear()
      if (settled) {
        if (!err && port.isOpen) port.close(() => {})
        return
      }
      settled = true
      if (err) {
        reject(new OpenFailure(openProblem(err, path)))
        return
      }
      resolve({
        get isOpen() {
          return closedReason === undefined && port.isOpen
        },
        write(data: Buffer, options: WriteOptions = {}): Promise<void> {
          return new Promise<void>((done, fail) => {
            if (closedReason !== undefined || !port.isOpen) {
              fail(new LinkClosed(closedReason ?? 'the port is not open'))
              return
            }
            const onClosed = (reason: string) => fail(new LinkClosed(reason))
            writes.add(onClosed)
            port.write(data, (writeErr) => {
              if (writeErr) {
                writes.delete(onClosed)
                fail(new LinkClosed(closedReason ?? lower(writeErr.message)))
                return
              }
              if (closedReason !== undefined || !port.isOpen) return
              options.onAccepted?.()
              if (options.until === 'accepted') {
                writes.delete(onClosed)
                done()
                return
              }
              port.drain((drainErr) => {
                writes.delete(onClosed)
                if (drainErr) fail(new LinkClosed(closedReason ?? lower(drainErr.message)))
                else done()
              })
            })
          })
        },
        close(): Promise<void> {
          return new Promise<void>((done) => {
            if (!port.isOpen) {
              finish('closed by ts701')
              done()
              return
            }
            port.close(() => {
              finish('closed by ts701')
              done()
            })
          })
        },
      })
    })
  })
}

function openTcp(address: Extract<PortAddress, { kind: 'tcp' }>, events: LinkEvents, timeoutMs: number): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let connected = false
    let closedReason: string | undefined
    let lastError: (Error & { code?: string }) | undefined
    const writes = new Set<(reason: string) => void>()
    const timer = new WaitTimer(timeoutMs, () => {
      if (connected) return
      reject(new OpenFailure(`no connection within ${timeoutMs} ms`))
      socket.destroy()
    })
    socket.setNoDelay(true)
    socket.on('error', (err: Error & { code?: string }) => {
      lastError = err
      if (!connected) {
        timer.clear()
        reject(new OpenFailure(socketProblem(err)))
      }
    })
    socket.on('data', (chunk: Buffer) => events.data(chunk))
    socket.on('close', () => {
      timer.clear()
      if (!connected || closedReason !== undefined) return
      closedReason = lastError ? socketProblem(lastError) : 'the peer closed the connection'
      for (const fail of writes) fail(closedReason)
      writes.clear()
      events.closed(closedReason)
    })
    // A peer that half-closes its side is gone as far as a console is concerned.
    socket.on('end', () => socket.destroy())
    socket.connect({ host: address.host, port: address.port }, () => {
      timer.clear()
      connected = true
      resolve({
        get isOpen() {
          return closedReason === undefined && !socket.destroyed
        },
        write(data: Buffer, options: WriteOptions = {}): Promise<void> {
          return new Promise<void>((done, fail) => {
            if (closedReason !== undefined || socket.destroyed) {
              fail(new LinkClosed(closedReason ?? 'the connection is closed'))
              return
            }
            const onClosed = (reason: string) => fail(new LinkClosed(reason))
            writes.add(onClosed)
            socket.write(data, (err) => {
              writes.delete(onClosed)
              if (err) fail(new LinkClosed(closedReason ?? socketProblem(err)))
              else {
                options.onAccepted?.()
                done()
              }
            })
          })
        },
        close(): Promise<void> {
          return new Promise<void>((done) => {
            if (closedReason === undefined) {
              closedReason = 'closed by ts701'
              for (const fail of writes) fail(closedReason)
              writes.clear()
              events.closed(closedReason)
            }
            if (socket.destroyed) {
              done()
              return
            }
            socket.once('close', () => done())
            socket.destroy()
          })
        },
      })
    })
  })
}

const SOCKET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the peer',
  EPIPE: 'the peer closed the connection',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EADDRNOTAVAIL: 'address not available',
}

function socketProblem(err: Error & { code?: string }): string {
  return (err.code && SOCKET_PROBLEMS[err.code]) ?? lower(err.message)
}

/** serialport says e.g. "Error: No such file or directory, cannot open /dev/ttyUSB0". */
function openProblem(err: Error, path: string): string {
  const text = err.message.replace(/^Error:\s*/, '').replace(new RegExp(`,?\\s*cannot open ${escapeRegex(path)}$`), '')
  if (/Cannot lock port|Resource temporarily unavailable/i.test(text)) return 'another program has it open and locked'
  return lower(text)
}

function lower(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
