/**
 * The image signature and the strength of the image's integrity protection.
 *
 * Which algorithm, when the prose names several: a supplier often mentions what the signing side
 * could also do ("the signing service also supports RSA-PSS"). The fact is about what the DEVICE
 * verifies, so the reader
 *   1. drops mentions that sit in a TLS context (a server certificate's ECDSA key is not the
 *      image signature) and mentions marked as secondary ("also", "alternatively", "supported by
 *      the signing service", "legacy"...);
 *   2. takes the one algorithm stated as what the device verifies or accepts, if exactly one is;
 *   3. otherwise takes the first remaining mention stated as a signature ("image signature: ...",
 *      "signed with ...").
 * Key size, hash and curve come from the words around the chosen mention (up to the next
 * algorithm), or else from signature-related clauses of the same field that name no algorithm.
 */
import type { HashName, SignatureAlgorithm, UpdMechFacts } from '../../ixit/types.ts'
import type { FieldAnswer, Reading } from './fields.ts'
import { clausesOf, type Sentence } from './text.ts'

type Signature = NonNullable<UpdMechFacts['signature']>
/** `RSA` is an RSA signature whose padding the prose does not name. */
type Named = SignatureAlgorithm | 'RSA'

interface Mention {
  algorithm: Named
  start: number
  end: number
  /** Where each token of the mention ends: a key size may follow any of them ("RSA-4096 ... PKCS#1 v1.5"). */
  tokenEnds: number[]
}

/** Each table row finds one algorithm; the token's own digits ("RSA-4096") are read later. */
const ALGORITHMS: ReadonlyArray<readonly [RegExp, Named]> = [
  [/\bRSASSA[- ]PSS\b|\bRSA[- ]PSS\b|\bPSS\b/gi, 'RSA-PSS'],
  // "PKCS#1" alone also covers PSS (PKCS#1 v2.1), so only the v1.5 forms name the old padding.
  [/\bRSASSA[- ]PKCS ?#? ?1[-_ ]?v1[_.]5\b|\b(?:RSA[- ])?PKCS ?#? ?1[-_ ]?v?1[_.]5\b/gi, 'RSA-PKCS1-v1_5'],
  [/\bECDSA\b/gi, 'ECDSA'],
  [/\bEdDSA\b|\bEd25519\b|\bEd448\b/gi, 'EdDSA'],
  [/\bDSA\b/g, 'DSA'],
  [/\bRSA\b(?![- ]?(?:PSS|PKCS))/gi, 'RSA'],
]

const HASHES: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => HashName]> = [
  [/\bSHA-?3[- ]?(256|384|512)\b/gi, (m) => `SHA3-${m[1]}` as HashName],
  // SHA-256, SHA256, SHA2-256, SHA-2 256; not SHA-512/256, which the enum does not have.
  [/\bSHA[- ]?(?:2[- ])?(224|256|384|512)\b(?![/\d])/gi, (m) => `SHA-${m[1]}` as HashName],
  [/\bSHA-?1\b/gi, () => 'SHA-1'],
  [/\bMD5\b/gi, () => 'MD5'],
  [/\bBLAKE2b\b/gi, () => 'BLAKE2b'],
  [/\bBLAKE2s\b/gi, () => 'BLAKE2s'],
]

interface Curve {
  name: string
  size: number
  family: 'EC' | 'Ed'
}

const CURVES: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => Curve]> = [
  [/\b(?:NIST[- ])?P-?(192|224|256|384|521)\b/g, (m) => nist(m[1]!)],
  [/\bsecp(192|224|256|384|521)r1\b/gi, (m) => nist(m[1]!)],
  [/\bprime(192|256)v1\b/gi, (m) => nist(m[1]!)],
  [/\bsecp256k1\b/gi, () => ({ name: 'secp256k1', size: 256, family: 'EC' })],
  [/\bbrainpoolP(256|384|512)([rt])1\b/gi, (m) => ({ name: `brainpoolP${m[1]}${m[2]}1`, size: Number(m[1]), family: 'EC' })],
  // Ed25519 is counted as a 256-bit key, as the schema's description of keySize asks.
  [/\bEd25519\b/gi, () => ({ name: 'Ed25519', size: 256, family: 'Ed' })],
  [/\bEd448\b/gi, () => ({ name: 'Ed448', size: 448, family: 'Ed' })],
]

const nist = (bits: string): Curve => ({ name: `P-${bits}`, size: Number(bits), family: 'EC' })

const BITS = /\b(\d{3,5})[- ]?bits?\b/gi

/** The TLS side of a product uses signatures too; they are not the image signature. */
const TLS_CONTEXT = /\b(?:D?TLS|SSL|cipher|handshake|key exchange|(?:server|client|TLS) certificates?)\b/i
const SECONDARY =
  /\b(?:also|alternatively|optionally|additionally|future|planned|legacy|fallback|deprecated)\b|\bsigning service\b|\bsupported by\b/i
const DEVICE_VERIFIES =
  /\b(?:device|DUT|boot ?loader|client|firmware)\b[^,;]{0,40}\b(?:verif(?:y|ies)|accepts?|checks?|validates?|requires?)\b|\b(?:verified|checked|validated|accepted|required)\b[^,;]{0,20}\bby the (?:device|DUT|boot ?loader)\b/i
const SIGNATURE_WORD = /\bsign(?:s|ed|ing|atures?)?\b/i

/** Algorithm mentions in one clause; adjacent mentions of one scheme ("EdDSA (Ed25519)", "RSA ... PSS padding") are one. */
function mentionsIn(clause: string): Mention[] {
  const all: Mention[] = []
  for (const [pattern, algorithm] of ALGORITHMS) {
    for (const m of clause.matchAll(pattern)) {
      const end = m.index + m[0].length
      all.push({ algorithm, start: m.index, end, tokenEnds: [end] })
    }
  }
  all.sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: Mention[] = []
  for (const m of all) {
    const last = merged.at(-1)
    if (last && m.start < last.end) continue // inside a longer token already taken
    if (last && (last.algorithm === m.algorithm || isPadding(last, m) || isPadding(m, last))) {
      if (last.algorithm === 'RSA') last.algorithm = m.algorithm
      last.end = m.end
      last.tokenEnds.push(m.end)
      continue
    }
    merged.push({ ...m, tokenEnds: [...m.tokenEnds] })
  }
  return merged
}

const isPadding = (rsa: Mention, padded: Mention): boolean =>
  rsa.algorithm === 'RSA' && (padded.algorithm === 'RSA-PSS' || padded.algorithm === 'RSA-PKCS1-v1_5')

/**
 * The words that belong to the i-th mention. Between two mentions the words after the last "and",
 * "or", "but" or comma belong to the later one ("ECDSA P-256 and alternatively RSA-PSS": the
 * "alternatively" is RSA-PSS's); a mention inside brackets ends at the closing bracket.
 */
function segmentOf(clause: string, mentions: readonly Mention[], i: number): string {
  const split = (k: number): number => {
    if (k === 0) return 0
    if (k >= mentions.length) return clause.length
    const gapStart = mentions[k - 1]!.end
    const gap = clause.slice(gapStart, mentions[k]!.start)
    const joins = [...gap.matchAll(/\b(?:and|or|but|while|whereas)\b|[,(]/gi)]
    const last = joins.at(-1)
    return last ? gapStart + last.index + last[0].length : mentions[k]!.start
  }
  const m = mentions[i]!
  let end = split(i + 1)
  const before = clause.slice(0, m.start)
  if (before.split('(').length > before.split(')').length) {
    const close = clause.indexOf(')', m.end)
    if (close >= 0) end = Math.min(end, close)
  }
  return clause.slice(split(i), end)
}

interface Parameters {
  sizes: number[]
  hashes: HashName[]
  curves: Curve[]
}

function parametersIn(text: string, tokenTails: readonly string[] = []): Parameters {
  const sizes = [...text.matchAll(BITS)].map((m) => Number(m[1]))
  // "RSA-4096", "RSA-PSS 3072": a number right after the algorithm is its key size.
  for (const tail of tokenTails) {
    const size = /^[- ]?(\d{3,5})\b(?![.,]\d)/.exec(tail)
    if (size) sizes.push(Number(size[1]))
  }
  const curves: Curve[] = []
  for (const [pattern, curve] of CURVES) for (const m of text.matchAll(pattern)) curves.push(curve(m))
  const hashes: HashName[] = []
  for (const [pattern, hash] of HASHES) for (const m of text.matchAll(pattern)) hashes.push(hash(m))
  return { sizes: [...new Set(sizes)], hashes: [...new Set(hashes)], curves: unique(curves) }
}

const unique = (curves: Curve[]): Curve[] => curves.filter((c, i) => curves.findIndex((d) => d.name === c.name) === i)

interface Candidate {
  algorithm: Named
  sentence: Sentence
  segment: string
  tails: string[]
  deviceVerifies: boolean
  secondary: boolean
  signatureWord: boolean
}

function candidatesIn(sentences: readonly Sentence[]): Candidate[] {
  const out: Candidate[] = []
  for (const sentence of sentences) {
    for (const clause of clausesOf(sentence.text)) {
      const mentions = mentionsIn(clause)
      mentions.forEach((m, i) => {
        const segment = segmentOf(clause, mentions, i)
        if (TLS_CONTEXT.test(segment)) return
        out.push({
          algorithm: m.algorithm,
          sentence,
          segment,
          tails: m.tokenEnds.map((end) => clause.slice(end)),
          deviceVerifies: DEVICE_VERIFIES.test(segment),
          secondary: SECONDARY.test(segment),
          signatureWord: SIGNATURE_WORD.test(segment) || SIGNATURE_WORD.test(sentence.text),
        })
      })
    }
  }
  return out
}

/** The rule in the module comment: the device's own algorithm, else the first stated image signature. */
function choose(candidates: readonly Candidate[]): Candidate | undefined {
  const primary = candidates.filter((c) => !c.secondary)
  const verified = primary.filter((c) => c.deviceVerifies)
  if (new Set(verified.map((c) => c.algorithm)).size === 1) return verified[0]
  return primary.find((c) => c.signatureWord)
}

/** Clauses of the field that speak about the signature without naming an algorithm: "The digest is SHA-256." */
function supportingClauses(sentences: readonly Sentence[]): Array<{ sentence: Sentence; clause: string }> {
  return sentences.flatMap((sentence) =>
    clausesOf(sentence.text)
      .filter((clause) => mentionsIn(clause).length === 0 && !TLS_CONTEXT.test(clause) && /\b(?:sign|digest|hash)/i.test(clause))
      .map((clause) => ({ sentence, clause })),
  )
}

/** One value, from the chosen mention's own words if they have it, else from supporting clauses; none if either is ambiguous. */
function pick<T>(own: T[], support: Array<{ sentence: Sentence; values: T[] }>): { value: T; from?: Sentence } | undefined {
  if (own.length === 1) return { value: own[0]! }
  if (own.length > 1) return undefined
  const found = support.filter((s) => s.values.length > 0)
  const values = [...new Set(found.flatMap((s) => s.values))]
  return values.length === 1 ? { value: values[0]!, from: found[0]!.sentence } : undefined
}

export function readSignature(sentences: Sentence[]): FieldAnswer<Signature> {
  const chosen = choose(candidatesIn(sentences))
  // A plain "RSA" signature: which padding the device expects is not something to guess.
  if (!chosen || chosen.algorithm === 'RSA') return undefined
  const algorithm = chosen.algorithm
  const own = parametersIn(chosen.segment, chosen.tails)
  const support = supportingClauses(sentences).map((c) => ({ sentence: c.sentence, p: parametersIn(c.clause) }))
  const family = algorithm === 'ECDSA' ? 'EC' : algorithm === 'EdDSA' ? 'Ed' : undefined
  const curveOf = (p: Parameters) => (family ? p.curves : [])
  if (curveOf(own).some((c) => c.family !== family)) return undefined
  const curve = pick(
    curveOf(own),
    family ? support.map((s) => ({ sentence: s.sentence, values: s.p.curves.filter((c) => c.family === family) })) : [],
  )
  const sizesOf = (p: Parameters, c: Curve[]) => [...new Set([...p.sizes, ...c.map((x) => x.size)])]
  const keySize = pick(
    sizesOf(own, curveOf(own)),
    support.map((s) => ({ sentence: s.sentence, values: sizesOf(s.p, family ? s.p.curves.filter((c) => c.family === family) : []) })),
  )
  const hash = pick(
    own.hashes,
    support.map((s) => ({ sentence: s.sentence, values: s.p.hashes })),
  )
  if (!keySize || !hash) return undefined
  if (curve && curve.value.size !== keySize.value) return undefined
  const value: Signature = { algorithm, keySize: keySize.value, hash: hash.value }
  if (curve) value.curve = curve.value.name
  const used = [chosen.sentence, keySize.from, hash.from, curve?.from].filter((s): s is Sentence => s !== undefined)
  return { value, sentences: used }
}

// --- integrity protection ---------------------------------------------------------------------

type Protection = NonNullable<UpdMechFacts['integrityProtection']>

const SIGNATURE_DENIED =
  /\bunsigned\b|\b(?:not|never)\s+(?:\w+\s+)?signed\b|\bno\s+(?:digital\s+)?signatures?\b|\bwithout\s+(?:a\s+|any\s+)?(?:digital\s+)?signatures?\b|\bsignatures?\s+(?:is|are)\s+not\s+(?:checked|verified|validated)\b/i
const CHECKED = /\b(?:verif|check|validat|accept|reject|refus|compar|match)/i
const MAC = /\b[HC]?MAC\b|\bmessage authentication code\b/
const MAC_DENIED = /\b(?:no|without(?: an?)?)\s+(?:[HC]?MAC|message authentication code)\b/i
const DIGEST = /\b(?:hash(?:es)?|digests?)\b|\bSHA-?\d|\bMD5\b|\bBLAKE2/i
const CHECKSUM = /\bchecksums?\b|\bCRC(?:-?\d+)?\b/i

/**
 * The strongest protection stated for the image, read over all fields at once (a hash compared in
 * one field does not weaken a signature checked in another). A signature claimed in one place and
 * denied in another gives nothing. Clauses about TLS are skipped: a MAC or certificate signature
 * inside the TLS channel protects the transport, not the image.
 */
export function readIntegrityProtection(sentences: readonly Sentence[]): Reading<Protection> | undefined {
  const levels: Array<{ level: Protection; sentence: Sentence }> = []
  let denied = false
  for (const sentence of sentences) {
    for (const clause of clausesOf(sentence.text)) {
      if (TLS_CONTEXT.test(clause)) continue
      // "not signed, only its SHA-256 is compared": the denial still leaves the weaker protection to read.
      if (SIGNATURE_DENIED.test(clause)) denied = true
      else if (SIGNATURE_WORD.test(clause) && (CHECKED.test(clause) || mentionsIn(clause).length > 0)) {
        levels.push({ level: 'signature', sentence })
        continue
      }
      if (MAC.test(clause) && !MAC_DENIED.test(clause)) levels.push({ level: 'mac', sentence })
      else if (DIGEST.test(clause) && CHECKED.test(clause)) levels.push({ level: 'hash', sentence })
      else if (CHECKSUM.test(clause)) levels.push({ level: 'checksum', sentence })
    }
  }
  const order: Protection[] = ['signature', 'mac', 'hash', 'checksum']
  const strongest = order.find((level) => levels.some((l) => l.level === level))
  if (!strongest || (denied && strongest === 'signature')) return undefined
  return { value: strongest, sentences: [levels.find((l) => l.level === strongest)!.sentence] }
}
