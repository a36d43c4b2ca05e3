/**
 * Facts that are a word or a flag: anti-rollback, who starts an update, how it is delivered,
 * who verifies it and when. Each reader is a pair of phrase lists, "states" and "denies", because
 * a generic negation test gets "downgrades are not possible" (a protection) backwards.
 */
import type { UpdMechFacts } from '../../ixit/types.ts'
import type { FieldAnswer } from './fields.ts'
import { clausesOf, NEGATION, type Sentence } from './text.ts'

const anyOf = (patterns: readonly RegExp[]) => (text: string) => patterns.some((p) => p.test(text))

// --- antiRollback -----------------------------------------------------------------------------

/** Noun phrases that name the protection; denied by a negation in front of them in the same clause. */
const ROLLBACK_NOUNS =
  /\banti-?roll-?back\b|\b(?:roll-?back|downgrade) (?:protection|prevention)\b|\bprotect(?:ion|s|ed)? against (?:roll-?backs?|downgrades?)\b|\bmonotonic(?:ally increasing)? (?:\w+ ){0,2}(?:counter|version)\b/i
/** Verb phrases that state the protection outright; their own wording carries any negation. */
const ROLLBACK_STATED = [
  /\b(?:refuses?|rejects?|blocks?|prevents?|denies|does not accept|doesn't accept|will not install|won't install|never installs?)\b[^.;]{0,40}\b(?:older|earlier|lower|downgrades?|roll-?backs?)\b/i,
  /\b(?:older|earlier|lower)\b[^.;]{0,60}\b(?:is|are) (?:rejected|refused|blocked|not accepted|not installed)\b/i,
  /\b(?:downgrades?|downgrading|roll-?backs?(?: to older versions)?) (?:is|are) (?:rejected|refused|prevented|blocked|not (?:possible|allowed|permitted|accepted))\b/i,
  /\bcannot be (?:downgraded|rolled back)\b/i,
  /\bonly (?:accepts? )?(?:newer|higher|more recent) (?:versions?|images?|firmware)\b/i,
]
const ROLLBACK_DENIED = [
  /\b(?:does not|doesn't|do not|don't|cannot|can't) (?:prevent|block|stop|detect|refuse|reject) (?:roll-?backs?|downgrades?|older)\b/i,
  /\bdowngrades? (?:is|are) (?:also )?(?:possible|allowed|permitted|supported|accepted)\b/i,
  /\b(?:older|earlier|previous) (?:\w+ )?(?:versions?|images?|firmware)\b[^.;]{0,20}\b(?:can|may) (?:still |also )?be (?:installed|flashed|loaded)\b/i,
  /\b(?:older|earlier|previous) (?:\w+ )?(?:versions?|images?|firmware) (?:is|are) (?:also )?(?:accepted|installed|allowed)\b/i,
]

function rollbackClause(clause: string): 'yes' | 'no' | 'both' | undefined {
  // "does not prevent downgrades" contains "prevent downgrades": a negation just before a statement cancels it.
  let yes = ROLLBACK_STATED.some((p) => {
    const m = p.exec(clause)
    return m !== null && !NEGATION.test(clause.slice(Math.max(0, m.index - 12), m.index))
  })
  let no = ROLLBACK_DENIED.some((p) => p.test(clause))
  const noun = ROLLBACK_NOUNS.exec(clause)
  if (noun) {
    // "no anti-rollback counter", "without downgrade protection", "rollback protection is not implemented"
    const before = clause.slice(Math.max(0, noun.index - 30), noun.index)
    const after = clause.slice(noun.index + noun[0].length)
    if (NEGATION.test(before) || /^\s*(?:\w+\s+)?(?:is|are) not\b/i.test(after)) no = true
    else yes = true
  }
  return yes && no ? 'both' : yes ? 'yes' : no ? 'no' : undefined
}

export function readAntiRollback(sentences: Sentence[]): FieldAnswer<boolean> {
  const said = sentences.map((s) => ({ s, says: clausesOf(s.text).map(rollbackClause) }))
  // One sentence that states and denies the protection ("rollback protection, but downgrades are possible") is no reading.
  if (said.some((x) => x.says.includes('both'))) return 'conflict'
  const yes = said.filter((x) => x.says.includes('yes'))
  const no = said.filter((x) => x.says.includes('no'))
  if (yes.length > 0 && no.length > 0) return 'conflict'
  if (yes[0]) return { value: true, sentences: [yes[0].s] }
  if (no[0]) return { value: false, sentences: [no[0].s] }
  return undefined
}

// --- initiation -------------------------------------------------------------------------------

type Initiation = NonNullable<UpdMechFacts['initiation']>

/**
 * Sentences about a non-default setting or an extra option ("with automatic updates off, ...",
 * "the user can also ...") say nothing about who starts an update by default.
 */
const NOT_THE_DEFAULT =
  /\b(?:with|if|when|once|while) (?:the )?(?:automatic updates?|auto-?updates?) (?:is |are )?(?:off|disabled|switched off|turned off|deactivated)\b|\bif the user (?:has )?(?:disabled|switched off|turned off)\b|\bcan also\b|\boptionally\b|\balternatively\b/i

const INITIATED_AUTOMATICALLY = [
  /^Automatic(?:ally)?\b/,
  /\b(?:installs?|installed|applies|applied|downloads? and installs?|downloaded and installed)\b[^.;]{0,40}\bautomatically\b/i,
  /\bautomatically (?:installs?|installed|applies|applied|downloads? and installs?|updates?)\b/i,
  /\bautomatic (?:updates?|installation) (?:is |are )?(?:on|enabled|active|the default)\b/i,
  /\bwithout (?:any )?(?:user )?(?:interaction|intervention|confirmation)\b/i,
]
const NOT_AUTOMATIC =
  /\bnot (?:be )?(?:installed|applied|downloaded) automatically\b|\bno automatic (?:updates?|installation)\b|\bnever (?:installs?|updates?) automatically\b/i

const PERSON = String.raw`(?:user|owner|customer|technician|installer|operator|administrator|admin)`
const INITIATED_BY_USER = [
  new RegExp(String.raw`\b(?:started|initiated|triggered|begun|begins|performed|done) by the ${PERSON}\b`, 'i'),
  new RegExp(String.raw`\b(?:updates?|installation|upload|update process)s? (?:is |are )?by the ${PERSON}\b`, 'i'),
  new RegExp(String.raw`\bthe ${PERSON} (?:starts|initiates|triggers|must start|has to start|needs to start|uploads|installs)\b`, 'i'),
  /\buser-?(?:initiated|triggered|started)\b/i,
  /\bmanual (?:upload|update|installation|install)\b|\bmanually (?:installed|started|uploaded|triggered|initiated)\b/i,
]
/** An app or hub the user owns; a vendor server or cloud pushing an update counts as automatic from the device's view. */
const SERVICE = String.raw`(?:companion app|mobile app|smartphone app|app|hub|bridge|home controller|controller)`
const INITIATED_BY_SERVICE = [
  new RegExp(
    String.raw`\b(?:pushed|triggered|initiated|started|deployed|rolled out) (?:by|from|through|via) the (?:\w+ )?${SERVICE}\b`,
    'i',
  ),
  new RegExp(String.raw`\bthe (?:\w+ )?${SERVICE} (?:pushes|triggers|initiates|starts|deploys)\b`, 'i'),
]

function initiationOf(clause: string): Initiation[] {
  if (NOT_THE_DEFAULT.test(clause)) return []
  const kinds: Initiation[] = []
  if (!NOT_AUTOMATIC.test(clause) && INITIATED_AUTOMATICALLY.some((p) => p.test(clause))) kinds.push('automatic')
  if (INITIATED_BY_USER.some((p) => p.test(clause))) kinds.push('user')
  if (INITIATED_BY_SERVICE.some((p) => p.test(clause))) kinds.push('associated-service')
  return kinds
}

/** One kind stated as the default; two (automatic and user-started, say) is a contradiction. */
export function readInitiation(sentences: Sentence[]): FieldAnswer<Initiation> {
  const said = sentences.flatMap((s) => clausesOf(s.text).flatMap((c) => initiationOf(c).map((kind) => ({ kind, s }))))
  const kinds = new Set(said.map((x) => x.kind))
  if (kinds.size > 1) return 'conflict'
  return said[0] ? { value: said[0].kind, sentences: [said[0].s] } : undefined
}

// --- delivery ---------------------------------------------------------------------------------

type Delivery = NonNullable<UpdMechFacts['delivery']>

const OVER_THE_NETWORK = [
  /\bover[- ]the[- ]air\b|\bOTA\b/i,
  /\b(?:delivered|downloaded|distributed|received|fetched) (?:over|via|through|from) (?:the )?(?:network|internet|(?:\w+ ){0,2}(?:update|firmware) server|cloud)\b/i,
  /\bover the (?:network|internet)\b/i,
  /\bthe (?:device|client|DUT) downloads\b/i,
]
const LOCALLY = [
  /\bUSB\b|\bSD[- ]card\b|\bmemory (?:stick|card)\b/i,
  // An upload by someone from a file; "the cloud uploads the image to the device" is not local.
  /\buploads? (?:it|the (?:\w+ )?(?:file|image|bundle))\b|\bupload(?:s|ed|ing)?\b[^.;]{0,40}\b(?:file|web UI|web interface|update page|browser|computer|PC|laptop)\b/i,
  /\blocal (?:update|connection|file|upload|copy)\b|\bno server is contacted\b/i,
  /\bserial (?:port|line|console|connection)\b|\bservice console\b|\bdebug (?:connector|port)\b/i,
]

/** Network or local; a field that says both gives nothing. */
export function readDelivery(sentences: Sentence[]): FieldAnswer<Delivery> {
  const net = sentences.find((s) => anyOf(OVER_THE_NETWORK)(s.text))
  const local = sentences.find((s) => anyOf(LOCALLY)(s.text))
  if (net && local) return 'conflict'
  if (net) return { value: 'network', sentences: [net] }
  if (local) return { value: 'local', sentences: [local] }
  return undefined
}

// --- verifiedBy, verifiedBeforeInstall ---------------------------------------------------------

const DEVICE = String.raw`(?:device|DUT|boot ?loader)`
const DEVICE_VERIFIES = [
  new RegExp(String.raw`\b(?:verified|checked|validated) (?:by|on) the (?:\w+ )?${DEVICE}\b`, 'i'),
  /\b(?:verified|checked|validated) by the \w+ itself\b/i,
  new RegExp(
    String.raw`\bthe ${DEVICE}(?: itself)? (?:verifies|checks|validates)\b[^.;]{0,40}\b(?:signatures?|images?|integrity|authenticity|bundles?)\b`,
    'i',
  ),
]

/** Only 'dut' is read: a host tool or nobody verifying is rare and worded too many ways. */
export function readVerifiedBy(sentences: Sentence[]): FieldAnswer<'dut'> {
  for (const s of sentences) {
    for (const clause of clausesOf(s.text)) {
      const m = DEVICE_VERIFIES.map((p) => p.exec(clause)).find((x) => x !== null)
      if (m && !NEGATION.test(clause.slice(Math.max(0, m.index - 20), m.index + m[0].length))) return { value: 'dut', sentences: [s] }
    }
  }
  return undefined
}

const BEFORE_INSTALL = [
  /\b(?:verif(?:ied|ication|ies|y)|check(?:ed|s)?|validat(?:ed|ion|es))\b[^.;]{0,60}\bbefore\b[^.;]{0,30}\b(?:commit(?:ted|ting)?|install(?:ed|ing|ation)?|activat(?:ed|ion|ing)|flash(?:ed|ing)|written|writ(?:e|ing)|booted|applied|used)\b/i,
  /\bonly (?:a |the )?verified (?:\w+ )?(?:images?|updates?|bundles?|firmware)s? (?:is|are) (?:marked|installed|booted|activated|committed|written|flashed)\b/i,
]

/** Only true is read; "verified after installation" is left to the human. */
export function readVerifiedBeforeInstall(sentences: Sentence[]): FieldAnswer<true> {
  for (const s of sentences) {
    for (const clause of clausesOf(s.text)) {
      const m = BEFORE_INSTALL.map((p) => p.exec(clause)).find((x) => x !== null)
      if (m && !NEGATION.test(clause.slice(Math.max(0, m.index - 12), m.index + m[0].length))) return { value: true, sentences: [s] }
    }
  }
  return undefined
}
