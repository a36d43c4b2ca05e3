import type { CaseKind } from '../core/verdict.ts'
import type { IxitTableId } from '../ixit/types.ts'

/**
 * The catalog describes one edition pair (EN 303 645 + TS 103 701) as data: which provisions
 * exist, when they apply, and which test cases and units check them. Rules live in suites/.
 */
/** `text`: the published TS 103 701 text; `reading`: ts701's reading where that text is not public. */
export type UnitBasis = 'text' | 'reading'

export interface Edition {
  /** CLI key, e.g. `en303645-v3.1.3`. */
  id: string
  /** e.g. `EN 303 645 V3.1.3 / TS 103 701 V2.1.1`. */
  title: string
  /** What the unit IDs and meanings rest on: the published TS text, or ts701's reading of the provision. */
  unitBasis: UnitBasis
  conditions: Record<string, ConditionDef>
  groups: GroupDef[]
}

/**
 * A numbered condition `C(n)` or a feature `F(x)`. `fact` names a derivation from the documents
 * (see catalog/facts.ts); without one, only the ICS can tell whether it holds.
 */
export interface ConditionDef {
  id: string
  kind: 'condition' | 'feature'
  text: string
  fact?: FactName
  /**
   * How ts701 reads the condition where the standard leaves it open and the documents cannot
   * settle it; said in every applicability reason that the ICS decides for it.
   */
  reading?: string
}

export type FactName =
  | 'hasUpdateMechanism'
  | 'hasNotUpdatableComponent'
  | 'hasNotUpdatableComponentBesidesImmutable'
  | 'hasMutableComponent'
  | 'constrained'
  | 'notConstrained'
  | 'hasNetworkDelivery'
  | 'hasAutomaticUpdates'
  | 'hasUpdateNotifications'
  | 'hasAutomaticUpdatesOrNotifications'

export interface GroupDef {
  /** Test group ID = provision ID, e.g. `5.3-4A`. */
  id: string
  title: string
  /** As the edition prints it, e.g. `M C(12)`, `RF(g)`. */
  status: string
  /** Other ways the edition's own tables print it (V2.1.1 Table B.1 gives 5.3-10 as `M (11, 12)`). */
  printedAs?: string[]
  level: 'M' | 'R'
  /** All must hold for the provision to apply; IDs into `Edition.conditions`. */
  requires: string[]
  cases: CaseDef[]
}

export interface CaseDef {
  id: string
  /** `ts701` marks cases the harness adds to corroborate the standard's own. */
  origin?: 'ts701'
  kind: CaseKind
  /** `all`: every unit result must pass. `any-target`: passes when one target passes every unit. */
  aggregate: 'all' | 'any-target'
  units: UnitDef[]
}

export interface UnitDef {
  /** e.g. `5.3-7-1c`. */
  id: string
  kind: CaseKind
  /** What the unit checks, in our words. */
  gist: string
  /** IXIT fields read, as `7-UpdMech.cryptographicDetails` (prose) or `7-UpdMech.facts.signature`. */
  reads: string[]
  /** The entries the unit runs once for; absent means once for the whole assessment. */
  forEach?: Selector
  /** For functional units: what the lab must provide (DUT operations, lab procedures). */
  needs?: string[]
  /**
   * Functional units run once per variant: a fixed list (e.g. enable, disable, postpone) or
   * `attacks`, the attack images derived for the DUT under test.
   */
  variants?: string[] | 'attacks'
  /** `ts701` marks units the harness adds to corroborate the standard's own (a unit of a ts701 case is one too); reports say so. */
  origin?: 'ts701'
  /** The standard's units only: what the unit's ID and meaning rest on (the edition's `unitBasis` unless given). */
  basis?: UnitBasis
  /** Edition-specific knobs a rule reads, so a new edition can differ by data alone. */
  params?: Record<string, string[] | string | boolean>
}

export type SelectorName =
  'all' | 'network' | 'automatic' | 'with-notifications' | 'not-updatable' | 'not-updatable-mutable' | 'updatable' | 'referenced' | 'tls'

export interface Selector {
  table: IxitTableId
  where?: SelectorName
}
