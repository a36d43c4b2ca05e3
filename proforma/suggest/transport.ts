/**
 * How the image travels: protocol, lowest TLS version accepted, whether the server is authenticated.
 * Read field by field; a field that names two unrelated protocols gives no transport at all.
 */
import type { TlsVersion, UpdMechFacts } from '../../ixit/types.ts'
import type { FieldAnswer } from './fields.ts'
import { clausesOf, NEGATION, type Sentence } from './text.ts'

type Transport = NonNullable<UpdMechFacts['transport']>

/**
 * Protocol names, most specific first. "TLS" in a threat ("TLS interception") names an attack,
 * not the channel, so it is not a protocol mention.
 */
const PROTOCOLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMQTTS\b|\bMQTT\b[^.;]{0,30}\bTLS\b/i, 'MQTT over TLS'],
  [/\bCoAPS\b|\bCoAP\b[^.;]{0,30}\bDTLS\b/i, 'CoAP over DTLS'],
  [/\bHTTPS\b|\bHTTP\b(?:\/[\d.]+)? (?:over|with) TLS\b/i, 'HTTPS'],
  [/\bSFTP\b/i, 'SFTP'],
  [/\bFTPS\b/i, 'FTPS'],
  [/\bMQTT\b/i, 'MQTT'],
  [/\bCoAP\b/i, 'CoAP'],
  [/\bTFTP\b/i, 'TFTP'],
  [/\bFTP\b/i, 'FTP'],
  [/\bDTLS\b(?! (?:interception|attacks?|stripping|proxy|inspection))/i, 'DTLS'],
  [/(?<!D)\bTLS\b(?! (?:interception|termination|attacks?|stripping|proxy|inspection|downgrade))/i, 'TLS'],
  [/\bHTTP\b/i, 'HTTP'],
]

/** A protocol that runs over TLS or DTLS makes a separate mention of TLS (or the bare protocol) redundant. */
const IMPLIES: Readonly<Record<string, readonly string[]>> = {
  HTTPS: ['TLS'],
  'MQTT over TLS': ['TLS', 'MQTT'],
  'CoAP over DTLS': ['DTLS', 'CoAP'],
  FTPS: ['TLS'],
}

function protocolsIn(sentence: string): string[] {
  const found: string[] = []
  let rest = sentence
  for (const [pattern, name] of PROTOCOLS) {
    if (!pattern.test(rest)) continue
    found.push(name)
    // Blank the match so "HTTPS with TLS 1.2" is not also a bare TLS mention.
    rest = rest.replace(new RegExp(pattern.source, 'gi'), ' ')
  }
  return found
}

// --- minimum TLS version ----------------------------------------------------------------------

const VERSION = String.raw`(?:TLS\s?v?|v)?(1\.[0-3])`
/** "TLS 1.2", "TLS 1.2/1.3", "TLS 1.2 and 1.3", "TLSv1.2, TLSv1.3"; the list continues while joined by /, commas, and, or, to. */
const TLS_LIST = new RegExp(String.raw`\bTLS\s?v?(1\.[0-3])((?:\s?(?:\/|,|and|or|to|-)\s?${VERSION})*)`, 'gi')
const MIN_AFTER =
  /^\s*(?:\+|or (?:later|higher|newer|above|greater)|and (?:later|higher|newer|above)|minimum|at (?:the )?minimum|as (?:a |the )?minimum|only)\b/i
const MIN_BEFORE = /(?:at least|minimum(?: of)?|min\.|no (?:older|lower|earlier) than|≥|>=|only)\s*$/i
const AT_LEAST = /\bTLS\s?(?:≥|>=)\s?(1\.[0-3])\b/gi
const SSL3 = /\bSSL\s?v?3(?:\.0)?\b/i
const VERSION_DENIED = /\b(?:disabled|not (?:supported|accepted|allowed|offered)|rejected|refused|deprecated|turned off|no longer)\b/i

const ORDER: readonly TlsVersion[] = ['SSL3', '1.0', '1.1', '1.2', '1.3']

/**
 * The lowest version the text says is accepted. Evidence is a version marked as the minimum
 * ("TLS 1.2 or later", "at least TLS 1.3", "TLS 1.2 minimum", "only TLS 1.3"), a list of accepted
 * versions ("TLS 1.2/1.3", "TLS 1.2 and 1.3": its lowest), or SSLv3 named as supported. A single
 * bare "TLS 1.2" is not evidence: it says what is used, not what else is refused. Versions in a
 * clause that disables them ("TLS 1.0 and 1.1 are disabled") are not accepted versions.
 */
function minimumIn(sentence: string): TlsVersion[] {
  const accepted: TlsVersion[] = []
  for (const clause of clausesOf(sentence)) {
    if (VERSION_DENIED.test(clause)) continue
    for (const m of clause.matchAll(TLS_LIST)) {
      const listed = [m[1]!, ...[...(m[2] ?? '').matchAll(/1\.[0-3]/g)].map((v) => v[0])] as TlsVersion[]
      const qualified = MIN_AFTER.test(clause.slice(m.index + m[0].length)) || MIN_BEFORE.test(clause.slice(0, m.index))
      if (qualified || listed.length > 1) accepted.push(lowest(listed))
    }
    for (const m of clause.matchAll(AT_LEAST)) accepted.push(m[1] as TlsVersion)
    if (SSL3.test(clause) && !NEGATION.test(clause)) accepted.push('SSL3')
  }
  return accepted
}

const lowest = (versions: readonly TlsVersion[]): TlsVersion => [...versions].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))[0]!

// --- server authentication --------------------------------------------------------------------

const SERVER_AUTHENTICATED = [
  /\b(?:server|host|peer|broker)(?:'s)? certificates?\b[^.;]{0,60}?\b(?:verified|validated|checked|pinned|authenticated)\b/i,
  /\bcertificate pinning\b|\b(?:pinned|pins) (?:to )?(?:the )?(?:\w+ ){0,2}(?:CA|certificates?|keys?|public keys?)\b/i,
  /\b(?:authenticates|verifies|validates) the (?:update |vendor |\w+ )?(?:server|broker)\b/i,
  /\bserver (?:is |are )?authenticated\b|\bserver authentication\b/i,
  /\bmutual(?:ly authenticated)? TLS\b|\bmTLS\b/i,
]
const SERVER_NOT_AUTHENTICATED = [
  /\b(?:does not|doesn't|do not|don't|never|cannot)\s+(?:verify|validate|check|authenticate|pin)\b[^.;]{0,40}\b(?:server|broker|certificates?|host)\b/i,
  /\bcertificates?\b[^.;]{0,40}\b(?:is|are)\s+not\s+(?:verified|validated|checked|pinned|authenticated)\b/i,
  /\bserver (?:is |are )?not authenticated\b/i,
  /\b(?:accepts?|trusts?) (?:any|all|every|self-signed) (?:server )?certificates?\b/i,
  /\bcertificate (?:verification|validation|checking|checks?) (?:is |are )?(?:disabled|off|skipped|turned off)\b/i,
  /\bwithout (?:any )?(?:server )?(?:certificate (?:verification|validation|checks?)|server authentication)\b/i,
  /\bno (?:server authentication|certificate (?:verification|validation|checks?|pinning))\b/i,
]

/** true, false, or undefined when the clause says neither or both. A statement with a negation inside ("is not verified") is not a statement. */
function serverAuthenticationIn(clause: string): boolean | undefined {
  const no = SERVER_NOT_AUTHENTICATED.some((p) => p.test(clause))
  const yes = SERVER_AUTHENTICATED.some((p) => {
    const m = p.exec(clause)
    return m !== null && !NEGATION.test(m[0])
  })
  return yes === no ? undefined : yes
}

// --- the fact ---------------------------------------------------------------------------------

export function readTransport(sentences: Sentence[]): FieldAnswer<Transport> {
  const mentions = sentences.map((s) => ({ sentence: s, protocols: protocolsIn(s.text) }))
  const named = new Set(mentions.flatMap((m) => m.protocols))
  for (const p of [...named]) for (const implied of IMPLIES[p] ?? []) named.delete(implied)
  if (named.size === 0) return undefined
  if (named.size > 1) return 'conflict'
  const protocol = [...named][0]!
  const value: Transport = { protocol }
  const used = [mentions.find((m) => m.protocols.includes(protocol))!.sentence]

  const versions = sentences.map((s) => ({ sentence: s, accepted: minimumIn(s.text) })).filter((v) => v.accepted.length > 0)
  if (versions.length > 0) {
    value.minTlsVersion = lowest(versions.flatMap((v) => v.accepted))
    used.push(versions.find((v) => v.accepted.includes(value.minTlsVersion!))!.sentence)
  }

  const auth = sentences.flatMap((s) =>
    clausesOf(s.text)
      .map((c) => ({ sentence: s, says: serverAuthenticationIn(c) }))
      .filter((a) => a.says !== undefined),
  )
  const says = new Set(auth.map((a) => a.says))
  if (says.size === 1) {
    value.serverAuthenticated = auth[0]!.says!
    used.push(auth[0]!.sentence)
  }
  return { value, sentences: used }
}

/** Protocols agree when equal or when one runs over the other ("HTTPS" and "TLS"); the other members as usual. */
export function transportsAgree(a: Transport, b: Transport): boolean {
  const same =
    a.protocol === b.protocol || (IMPLIES[a.protocol] ?? []).includes(b.protocol) || (IMPLIES[b.protocol] ?? []).includes(a.protocol)
  return (
    same &&
    (a.minTlsVersion === undefined || b.minTlsVersion === undefined || a.minTlsVersion === b.minTlsVersion) &&
    (a.serverAuthenticated === undefined || b.serverAuthenticated === undefined || a.serverAuthenticated === b.serverAuthenticated)
  )
}
