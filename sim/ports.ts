import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Linux's default, for systems that do not say. */
const DEFAULT_EPHEMERAL_LOW = 32_768
/** Below this the ports belong to well-known services; staying above keeps clear of them. */
const LOWEST = 10_000
const ATTEMPTS = 50

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : DEFAULT_EPHEMERAL_LOW
  } catch {
    return DEFAULT_EPHEMERAL_LOW
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)))
  })
}

/**
 * Why `port` cannot be bound on loopback right now (the listen error: EADDRINUSE, EACCES …), or
 * nothing when it can. Lets a command refuse a taken port at once, before seconds of set-up.
 */
export function bindError(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err))
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(undefined)))
  })
}

/**
 * A loopback port that was free a moment ago, for a server that binds it later (and may rebind it
 * after a stop). It is taken below the kernel's ephemeral range: an ephemeral port can be handed
 * to any outgoing connection in the meantime, and then the later bind fails with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1
  for (let i = 0; i < ATTEMPTS; i++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST))
    if (await bindable(port)) return port
  }
  throw new Error(`no free loopback port between ${LOWEST} and ${high} after ${ATTEMPTS} tries`)
}
