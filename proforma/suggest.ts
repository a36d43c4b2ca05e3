/**
 * Facts suggested from a supplier's description of an update mechanism (IXIT 7-UpdMech).
 *
 * The reader is a heuristic one for English prose: tables of phrases, read field by field. It
 * prefers saying nothing to saying something the text does not: a fact is suggested only when
 * every required member can be read, fields that contradict each other give no suggestion, and
 * every suggestion carries the sentence(s) it was read from so the human can judge it.
 * The readers live in proforma/suggest/; this file is the contract and the order of the facts.
 */
import type { UpdMech, UpdMechFacts } from '../ixit/types.ts'
import { readAntiRollback, readDelivery, readInitiation, readVerifiedBeforeInstall, readVerifiedBy } from './suggest/behaviour.ts'
import { readChecking } from './suggest/checking.ts'
import { acrossFields, memberCount, type Prose, type Reading } from './suggest/fields.ts'
import { readIntegrityProtection, readSignature } from './suggest/signature.ts'
import { quoteOf, sentencesOf } from './suggest/text.ts'
import { readTransport, transportsAgree } from './suggest/transport.ts'

/** The 7-UpdMech fields written in prose, the ones facts are read from. */
export const UPDMECH_TEXT_FIELDS = [
  'description',
  'securityGuarantees',
  'cryptographicDetails',
  'initiationAndInteraction',
  'configuration',
  'updateChecking',
  'userNotification',
] as const

export type UpdMechTextField = (typeof UPDMECH_TEXT_FIELDS)[number]

export type SuggestedFact = {
  [K in keyof UpdMechFacts]-?: { fact: K; value: NonNullable<UpdMechFacts[K]>; quote: string; field: UpdMechTextField }
}[keyof UpdMechFacts]

const same = <V>(a: V, b: V): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Where each fact is looked for, in order of preference: the field meant for it first. */
const WHERE = {
  security: ['securityGuarantees', 'description', 'cryptographicDetails'],
  crypto: ['cryptographicDetails', 'securityGuarantees', 'description'],
  transport: ['cryptographicDetails', 'description', 'securityGuarantees'],
  delivery: ['description', 'initiationAndInteraction'],
  initiation: ['initiationAndInteraction', 'description', 'configuration'],
  checking: ['updateChecking', 'description', 'initiationAndInteraction'],
} as const satisfies Record<string, readonly UpdMechTextField[]>

/** The readers in the order the facts are suggested (the order of UpdMechFacts). */
function readings(prose: Prose): Array<[keyof UpdMechFacts, Reading<unknown> | undefined]> {
  return [
    ['delivery', acrossFields(prose, WHERE.delivery, readDelivery, { agree: same })],
    ['verifiedBy', acrossFields(prose, WHERE.security, readVerifiedBy, { agree: same })],
    ['integrityProtection', readIntegrityProtection(sentencesOf(prose, WHERE.security))],
    ['signature', acrossFields(prose, WHERE.crypto, readSignature, { agree: same })],
    ['transport', acrossFields(prose, WHERE.transport, readTransport, { agree: transportsAgree, weight: memberCount })],
    ['antiRollback', acrossFields(prose, WHERE.security, readAntiRollback, { agree: same })],
    ['verifiedBeforeInstall', acrossFields(prose, WHERE.security, readVerifiedBeforeInstall, { agree: same })],
    ['initiation', acrossFields(prose, WHERE.initiation, readInitiation, { agree: same })],
    ['checking', acrossFields(prose, WHERE.checking, readChecking, { agree: same })],
  ]
}

/** Facts read from the mechanism's prose, at most one per fact name, in a stable order. */
export function suggestFacts(text: Partial<Pick<UpdMech, UpdMechTextField>>): SuggestedFact[] {
  const out: SuggestedFact[] = []
  for (const [fact, reading] of readings(text)) {
    if (!reading) continue
    // Each reader returns the value type of its own fact; the table above pairs them.
    out.push({ fact, value: reading.value, quote: quoteOf(reading.sentences), field: reading.sentences[0]!.field } as SuggestedFact)
  }
  return out
}
