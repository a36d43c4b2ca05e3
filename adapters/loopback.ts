import { isIP } from 'node:net'

/**
 * ts701 only ever contacts loopback addresses (or namespaces it made itself): a lab tool that
 * could be pointed at arbitrary hosts would be an attack tool.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true
  if (isIP(bare) === 4) return bare.startsWith('127.')
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1'
  return false
}
