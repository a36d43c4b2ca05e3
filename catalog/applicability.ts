import type { Assessment, Finding, IcsEntry } from '../ixit/types.ts'
import { FACTS } from './facts.ts'
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
export function decideApplicability(
  edition: Edition,
  group: GroupDef,
  a: Assessment,
  findings: Finding[],
): Applicability {
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
    const which = absent.map((c) => describeCondition(c.def)).join(' and ')
    if (ics && ics.support !== 'N/A') {
      findings.push(contradiction(ics,
        `ICS answers ${ics.provision} with ${ics.support}, but the IXIT shows ${which} does not hold`))
    }
    return { applicable: false, reason: `${which} does not hold per the IXIT${icsQuote(ics)}`, conditions }
  }

  const unknown = conditions.filter((c) => c.derived === undefined)
  if (unknown.length === 0) {
    const which = conditions.map((c) => describeCondition(c.def)).join(' and ')
    if (ics?.support === 'N/A') {
      findings.push(contradiction(ics,
        `ICS declares ${ics.provision} not applicable, but the IXIT shows ${which} holds; it is tested`))
    }
    return { applicable: true, reason: `${which} holds per the IXIT`, conditions }
  }

  const which = unknown.map((c) => describeCondition(c.def)).join(' and ')
  if (ics?.support === 'N/A') {
    return {
      applicable: false,
      reason: `the ICS declares ${which} absent and the IXIT does not say otherwise${icsQuote(ics)}`,
      conditions,
    }
  }
  return { applicable: true, reason: `the ICS declares ${which} present${icsQuote(ics)}`, conditions }
}
