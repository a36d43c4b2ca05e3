import type { Assessment, Finding, IcsEntry } from '../ixit/types.ts'
import { factBasis, FACTS } from './facts.ts'
import type { ConditionDef, Edition, GroupDef } from './types.ts'

export interface ConditionState {
  def: ConditionDef
  /** What the documents show; `undefined` when they do not say. */
  derived: boolean | undefined
}

export interface Applicability {
  applicable: boolean
  /** Why the provision applies or not; NOT APPLICABLE verdicts carry this text. */
  reason: string
  conditions: ConditionState[]
}

export function describeCondition(def: ConditionDef): string {
  return `${def.kind} ${def.id} (${def.text})`
}

/** "condition 3 (…) does not hold per the IXIT", in singular or plural, citing each basis. */
function claim(states: ConditionState[], verb: 'holds' | 'does not hold'): string {
  const plural = states.length > 1
  const verbText = verb === 'holds' ? (plural ? 'hold' : 'holds') : plural ? 'do not hold' : 'does not hold'
  const bases = [...new Set(states.map((c) => (c.def.fact ? factBasis(c.def.fact) : 'ICS')))]
  return `${states.map((c) => describeCondition(c.def)).join(' and ')} ${verbText} per the ${bases.join(' and ')}`
}

function icsQuote(ics: IcsEntry | undefined): string {
  return ics ? `; ICS ${ics.provision}: ${ics.support} — "${ics.detail}"` : ''
}

function contradiction(ics: IcsEntry, message: string): Finding {
  return { severity: 'warning', code: 'ics-contradiction', ...ics.source, message }
}

/**
 * Decides whether a provision applies. The IXIT wins over the ICS where it speaks, because a
 * harness that skips a provision the design plainly has would pass a device it never tested;
 * disagreements between the two are reported as findings.
 */
export function decideApplicability(edition: Edition, group: GroupDef, a: Assessment, findings: Finding[]): Applicability {
  const ics = a.ics.provisions[group.id]
  const conditions = group.requires.map((id): ConditionState => {
    const def = edition.conditions[id]
    if (!def) throw new Error(`catalog ${edition.id}: group ${group.id} requires unknown condition ${id}`)
    return { def, derived: def.fact ? FACTS[def.fact](a) : undefined }
  })

  if (conditions.length === 0) {
    return { applicable: true, reason: `${group.status}: applies to every device`, conditions }
  }

  const absent = conditions.filter((c) => c.derived === false)
  if (absent.length > 0) {
    const why = claim(absent, 'does not hold')
    if (ics && ics.support !== 'N/A') {
      findings.push(contradiction(ics, `ICS answers ${ics.provision} with ${ics.support}, but ${why}`))
    }
    return { applicable: false, reason: `${why}${icsQuote(ics)}`, conditions }
  }

  const unknown = conditions.filter((c) => c.derived === undefined)
  if (unknown.length === 0) {
    const why = claim(conditions, 'holds')
    if (ics?.support === 'N/A') {
      findings.push(contradiction(ics, `ICS declares ${ics.provision} not applicable, but ${why}; it is tested`))
    }
    return { applicable: true, reason: why, conditions }
  }

  const which = unknown.map((c) => describeCondition(c.def)).join(' and ')
  const readings = unknown
    .flatMap((c) => (c.def.reading ? [`; reading applied to ${c.def.kind} ${c.def.id}: ${c.def.reading}`] : []))
    .join('')
  if (ics?.support === 'N/A') {
    return {
      applicable: false,
      reason: `the ICS declares ${which} absent and the IXIT does not say otherwise${readings}${icsQuote(ics)}`,
      conditions,
    }
  }
  return { applicable: true, reason: `the ICS declares ${which} present${readings}${icsQuote(ics)}`, conditions }
}
