import type { Assessment, UpdMech } from '../ixit/types.ts'
import type { FactName } from './types.ts'

/**
 * Derives a catalog condition from the documents. `undefined` means the documents do not say,
 * and the supplier's ICS answer is all there is to go on.
 */
export type Fact = (a: Assessment) => boolean | undefined

/** True if any entry says yes; false only if every entry states the fact and none says yes. */
function anyStated<T>(items: T[], read: (item: T) => boolean | undefined): boolean | undefined {
  const values = items.map(read)
  if (values.some((v) => v === true)) return true
  if (items.length > 0 && values.every((v) => v === false)) return false
  return undefined
}

/**
 * A mechanism supports automatic updates when it initiates them itself, or when automatic updates
 * are a setting of it at all (switched off by default included: that is what 5.3-4B must see).
 */
export const automatic = (m: UpdMech): boolean | undefined => {
  if (m.facts.initiation === 'automatic' || m.facts.automaticUpdates !== undefined) return true
  return m.facts.initiation === undefined ? undefined : false
}

const notifies = (m: UpdMech): boolean | undefined =>
  m.facts.notifications === undefined ? undefined : m.facts.notifications.kinds.length > 0

export const FACTS: Record<FactName, Fact> = {
  hasUpdateMechanism: (a) => a.ixit['7-UpdMech'].length > 0,
  hasNotUpdatableComponent: (a) =>
    a.ixit['6-SoftComp'].length === 0 ? undefined : a.ixit['6-SoftComp'].some((c) => c.updateMechanisms.length === 0),
  // A component immutable for security reasons (a ROM boot stage) cannot be updated by design:
  // whether that alone makes condition 3 hold is the supplier's answer in the ICS, not the IXIT's.
  hasNotUpdatableComponentBesidesImmutable: (a) => {
    const comps = a.ixit['6-SoftComp']
    if (comps.length === 0) return undefined
    const notUpdatable = comps.filter((c) => c.updateMechanisms.length === 0)
    if (notUpdatable.length === 0) return false
    return notUpdatable.some((c) => c.facts.immutable !== true) ? true : undefined
  },
  hasMutableComponent: (a) =>
    a.ixit['6-SoftComp'].length === 0 ? undefined : a.ixit['6-SoftComp'].some((c) => c.facts.immutable !== true),
  constrained: (a) => a.ics.constrained,
  notConstrained: (a) => !a.ics.constrained,
  hasNetworkDelivery: (a) =>
    anyStated(a.ixit['7-UpdMech'], (m) => (m.facts.delivery === undefined ? undefined : m.facts.delivery === 'network')),
  hasAutomaticUpdates: (a) => anyStated(a.ixit['7-UpdMech'], automatic),
  hasUpdateNotifications: (a) => anyStated(a.ixit['7-UpdMech'], notifies),
  hasAutomaticUpdatesOrNotifications: (a) =>
    anyStated(a.ixit['7-UpdMech'], (m) => {
      const auto = automatic(m)
      const notes = notifies(m)
      if (auto === true || notes === true) return true
      if (auto === false && notes === false) return false
      return undefined
    }),
}

/** Which document a fact is read from, so reasons cite the right one. */
export function factBasis(name: FactName): 'ICS' | 'IXIT' {
  return name === 'constrained' || name === 'notConstrained' ? 'ICS' : 'IXIT'
}
