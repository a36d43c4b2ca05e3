import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { UpdMech } from '../../ixit/types.ts'

export type Rating = 'deprecated' | 'legacy' | 'best'

interface KeyThreshold {
  deprecatedBelow: number
  legacyBelow: number
  ceiling: Rating
}

/** Catalogue name → last calendar year it accepts the item. */
export type AcceptedThrough = Record<string, number>

export interface CryptoThresholds {
  version: string
  hashes: Record<string, Rating>
  signatures: Record<string, KeyThreshold>
  tls: Record<string, Rating>
  protection: Record<string, Rating>
  lifetime?: {
    hashes?: Record<string, AcceptedThrough>
    signatures?: Record<string, AcceptedThrough>
  }
}

const THRESHOLDS_FILE = fileURLToPath(new URL('../../catalog/crypto-thresholds.yaml', import.meta.url))

/**
 * The table as JSON, written by the build (scripts/build.mjs) beside the YAML in dist/: a run's
 * worker then loads no YAML library for it. The sources have no such file and read the YAML.
 */
export const PREBUILT_THRESHOLDS = new URL('../../catalog/crypto-thresholds.json', import.meta.url)

let loaded: CryptoThresholds | undefined

/** The table as the YAML says it (what the build stores as JSON). */
export function readThresholdsYaml(): CryptoThresholds {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return parse(readFileSync(THRESHOLDS_FILE, 'utf8')) as CryptoThresholds
}

export function cryptoThresholds(): CryptoThresholds {
  loaded ??= existsSync(PREBUILT_THRESHOLDS)
    ? (JSON.parse(readFileSync(PREBUILT_THRESHOLDS, 'utf8')) as CryptoThresholds)
    : readThresholdsYaml()
  return loaded
}

export interface Rated {
  what: string
  rating: Rating
  /** How the device's lifetime bore on the rating, for items the catalogues accept only for a while. */
  lifetime?: string
}

export interface CryptoAssessment {
  /** Every primitive and parameter the IXIT states, with its rating. */
  items: Rated[]
  worst: Rating | undefined
}

const ORDER: Rating[] = ['deprecated', 'legacy', 'best']

function rateKey(t: KeyThreshold, bits: number): Rating {
  const bySize: Rating = bits < t.deprecatedBelow ? 'deprecated' : bits < t.legacyBelow ? 'legacy' : 'best'
  return ORDER[Math.min(ORDER.indexOf(bySize), ORDER.indexOf(t.ceiling))]!
}

function inLegacySizes(t: KeyThreshold, bits: number): boolean {
  return bits >= t.deprecatedBelow && bits < t.legacyBelow
}

const list = (names: string[]) => names.join(', ')

/**
 * Reads a legacy-by-lifetime item against the support end (YYYY-MM-DD): deprecated once no
 * named catalogue accepts it that long, otherwise legacy with who accepts it and who does not.
 */
function rateForLifetime(
  rating: Rating,
  accepted: AcceptedThrough | undefined,
  supportEnds: string | undefined,
): Pick<Rated, 'rating' | 'lifetime'> {
  const entries = Object.entries(accepted ?? {})
  if (rating !== 'legacy' || !entries.length) return { rating }
  if (!supportEnds) {
    const until = entries.map(([name, year]) => `${name} through ${year}`)
    return { rating, lifetime: `support end not stated in 2-UserInfo; accepted by ${list(until)}` }
  }
  const endYear = Number(supportEnds.slice(0, 4))
  const accepting = entries.filter(([, year]) => endYear <= year).map(([name, year]) => `${name} (through ${year})`)
  const rejecting = entries.filter(([, year]) => endYear > year).map(([name, year]) => `${name} (only through ${year})`)
  if (!accepting.length)
    return { rating: 'deprecated', lifetime: `support ends ${supportEnds}, later than any catalogue accepts it: ${list(rejecting)}` }
  const not = rejecting.length ? `; not by ${list(rejecting)}` : ''
  return { rating, lifetime: `support ends ${supportEnds}: accepted by ${list(accepting)}${not}` }
}

/**
 * Rates what 7-UpdMech facts say about primitives; unknown names count as legacy for review.
 * `supportEnds` (2-UserInfo) decides whether short-lived items still hold for the device.
 */
export function rateCrypto(m: UpdMech, supportEnds?: string, t: CryptoThresholds = cryptoThresholds()): CryptoAssessment {
  const items: Rated[] = []
  const { signature, transport, integrityProtection, delivery } = m.facts
  if (integrityProtection) {
    const onNetwork = delivery === 'network' && integrityProtection === 'checksum' ? ' on a network-delivered update' : ''
    items.push({ what: `image protection "${integrityProtection}"${onNetwork}`, rating: t.protection[integrityProtection] ?? 'legacy' })
  }
  if (signature) {
    const threshold = t.signatures[signature.algorithm]
    // Only the key size is time-limited; a scheme that is legacy by design stays legacy however short-lived.
    const bySize = threshold && inLegacySizes(threshold, signature.keySize) ? t.lifetime?.signatures?.[signature.algorithm] : undefined
    items.push({
      what: `${signature.algorithm} ${signature.keySize}-bit${signature.curve ? ` (${signature.curve})` : ''}`,
      ...rateForLifetime(threshold ? rateKey(threshold, signature.keySize) : 'legacy', bySize, supportEnds),
    })
    items.push({
      what: `hash ${signature.hash}`,
      ...rateForLifetime(t.hashes[signature.hash] ?? 'legacy', t.lifetime?.hashes?.[signature.hash], supportEnds),
    })
  }
  if (transport?.minTlsVersion) {
    items.push({ what: `TLS ${transport.minTlsVersion} minimum`, rating: t.tls[transport.minTlsVersion] ?? 'legacy' })
  }
  const worst = items.length ? ORDER[Math.min(...items.map((i) => ORDER.indexOf(i.rating)))] : undefined
  return { items, worst }
}
