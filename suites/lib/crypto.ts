import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { UpdMech } from '../../ixit/types.ts'

export type Rating = 'deprecated' | 'legacy' | 'best'

interface KeyThreshold {
  deprecatedBelow: number
  legacyBelow: number
  ceiling: Rating
}

export interface CryptoThresholds {
  version: string
  hashes: Record<string, Rating>
  signatures: Record<string, KeyThreshold>
  tls: Record<string, Rating>
  protection: Record<string, Rating>
}

const THRESHOLDS_FILE = fileURLToPath(new URL('../../catalog/crypto-thresholds.yaml', import.meta.url))

let loaded: CryptoThresholds | undefined

export function cryptoThresholds(): CryptoThresholds {
  loaded ??= parse(readFileSync(THRESHOLDS_FILE, 'utf8')) as CryptoThresholds
  return loaded
}

export interface Rated {
  what: string
  rating: Rating
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

/** Rates what 7-UpdMech facts say about primitives; unknown names count as legacy for review. */
export function rateCrypto(m: UpdMech, t: CryptoThresholds = cryptoThresholds()): CryptoAssessment {
  const items: Rated[] = []
  const { signature, transport, integrityProtection, delivery } = m.facts
  if (integrityProtection) {
    const onNetwork = delivery === 'network' && integrityProtection === 'checksum' ? ' on a network-delivered update' : ''
    items.push({ what: `image protection "${integrityProtection}"${onNetwork}`, rating: t.protection[integrityProtection] ?? 'legacy' })
  }
  if (signature) {
    const threshold = t.signatures[signature.algorithm]
    items.push({
      what: `${signature.algorithm} ${signature.keySize}-bit${signature.curve ? ` (${signature.curve})` : ''}`,
      rating: threshold ? rateKey(threshold, signature.keySize) : 'legacy',
    })
    items.push({ what: `hash ${signature.hash}`, rating: t.hashes[signature.hash] ?? 'legacy' })
  }
  if (transport?.minTlsVersion) {
    items.push({ what: `TLS ${transport.minTlsVersion} minimum`, rating: t.tls[transport.minTlsVersion] ?? 'legacy' })
  }
  const worst = items.length ? ORDER[Math.min(...items.map((i) => ORDER.indexOf(i.rating)))] : undefined
  return { items, worst }
}
