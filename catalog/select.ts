import type { Assessment, IxitEntry, SoftComp, UpdMech } from '../ixit/types.ts'
import { automatic } from './facts.ts'
import type { Selector, SelectorName } from './types.ts'

/**
 * Entry filters named by the catalog's `forEach.where`; each explains an empty selection.
 * An entry whose facts do not say is kept: silence must reach a rule (and an assessor), never
 * turn into a vacuous pass.
 */
interface Filter {
  keep: (entry: IxitEntry, a: Assessment) => boolean
  /** Completes "no <table> entry …" when nothing is selected. */
  none: string
}

const mech = (e: IxitEntry) => e as UpdMech
const comp = (e: IxitEntry) => e as SoftComp

const FILTERS: Record<SelectorName, Filter> = {
  all: { keep: () => true, none: 'exists' },
  network: { keep: (e) => mech(e).facts.delivery !== 'local', none: 'delivers updates over a network' },
  automatic: {
    keep: (e) => automatic(mech(e)) !== false,
    none: 'updates automatically',
  },
  'with-notifications': {
    // A notice that updating interrupts the device (5.3-12) tells nothing about updates to come.
    keep: (e) => {
      const kinds = mech(e).facts.notifications?.kinds
      return kinds === undefined || kinds.some((k) => k !== 'disruption')
    },
    none: 'notifies the user about updates',
  },
  'not-updatable': { keep: (e) => comp(e).updateMechanisms.length === 0, none: 'lacks an update mechanism' },
  'not-updatable-mutable': {
    keep: (e) => comp(e).updateMechanisms.length === 0 && comp(e).facts.immutable !== true,
    none: 'lacks an update mechanism without being immutable for security reasons',
  },
  updatable: { keep: (e) => comp(e).updateMechanisms.length > 0, none: 'has an update mechanism' },
  tls: {
    keep: (e) => {
      const { delivery, transport } = mech(e).facts
      if (delivery === 'local') return false
      return transport === undefined || transport.minTlsVersion !== undefined || /tls|https|mqtts/i.test(transport.protocol)
    },
    none: 'reaches its update server over TLS',
  },
  referenced: {
    keep: (e, a) => a.ixit['6-SoftComp'].some((c) => c.updateMechanisms.includes(e.id)),
    none: 'is referenced by a 6-SoftComp entry',
  },
}

export interface Selection {
  entries: IxitEntry[]
  /** Why the selection is empty, for vacuous verdicts. */
  emptyReason: string
}

export function select(selector: Selector, a: Assessment): Selection {
  const filter = FILTERS[selector.where ?? 'all']
  const entries = (a.ixit[selector.table] as IxitEntry[]).filter((e) => filter.keep(e, a))
  return { entries, emptyReason: `no ${selector.table} entry ${filter.none}` }
}
