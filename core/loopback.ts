/**
 * ts701 reaches devices only on loopback: the device under test, the update-server emulator and
 * rewritten publications all live on 127.0.0.0/8, ::1 or localhost (or in a network namespace
 * ts701 creates, where they again appear as loopback). Shared by the loader and the adapters.
 */
import { isIPv6 } from 'node:net'

export const LOOPBACK_RULE = 'ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates'

/** Whether a host name or address (IPv6 with or without brackets) is loopback. */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1)
  let normalized: string
  try {
    // The URL parser normalizes 127.1, 0x7f.0.0.1, 0:0:0:0:0:0:0:1 and friends.
    normalized = new URL(`http://${isIPv6(h) ? `[${h}]` : h}/`).hostname
  } catch {
    return false
  }
  if (normalized === 'localhost' || normalized === 'localhost.') return true
  if (/^127\.\d+\.\d+\.\d+$/.test(normalized)) return true
  if (normalized === '[::1]') return true
  // IPv4-mapped 127.x.y.z, which the parser writes as ::ffff:7fxx:yyzz.
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normalized)
}

/**
 * The address to bind or connect to for a loopback host, in the form the socket APIs take:
 * `localhost` → `127.0.0.1`, `[::1]` → `::1`, IPv4-mapped `::ffff:127.0.0.1` → `127.0.0.1`.
 * Undefined for a host that is not loopback.
 */
export function loopbackAddress(host: string): string | undefined {
  if (!isLoopbackHost(host)) return undefined
  let h = host.trim().toLowerCase()
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1)
  const normalized = new URL(`http://${isIPv6(h) ? `[${h}]` : h}/`).hostname
  if (normalized === 'localhost' || normalized === 'localhost.') return '127.0.0.1'
  if (normalized === '[::1]') return '::1'
  const mapped = /^\[::ffff:7f([0-9a-f]{2}):([0-9a-f]{1,4})\]$/.exec(normalized)
  if (mapped) {
    const low = parseInt(mapped[2]!, 16)
    return `127.${parseInt(mapped[1]!, 16)}.${low >> 8}.${low & 0xff}`
  }
  return normalized
}

/** Why a URL is not a loopback URL, or undefined when it is one. */
export function loopbackProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `"${url}" is not a valid URL`
  }
  if (!isLoopbackHost(parsed.hostname)) return `host "${parsed.hostname}" is not a loopback address; ${LOOPBACK_RULE}`
  return undefined
}
