import { pass, type Outcome, type RuleInput } from '../../harness/rule.ts'
import type { IxitEntry } from '../../ixit/types.ts'

type Decide = (input: RuleInput) => Outcome

/**
 * Builds a rule body for units run once per entry. When nothing is selected the unit is met
 * vacuously unless `whenNone` says otherwise (e.g. "no update procedure documented" fails).
 */
export function each<T extends IxitEntry>(
  check: (entry: T, input: RuleInput) => Outcome,
  whenNone: (reason: string, input: RuleInput) => Outcome = (reason) => pass(`nothing to check: ${reason}`),
): Decide {
  return (input) => (input.target ? check(input.target as T, input) : whenNone(input.emptyReason ?? 'no entry selected', input))
}

/** Reads a string-list parameter of the unit from the catalog. */
export function listParam(input: RuleInput, name: string): string[] {
  const value = input.unit.params?.[name]
  if (!Array.isArray(value)) throw new Error(`catalog unit ${input.unit.id} lacks the list parameter "${name}"`)
  return value
}

/** Reads a yes/no parameter of the unit from the catalog; absent is no. */
export function flag(input: RuleInput, name: string): boolean {
  return input.unit.params?.[name] === true
}

export function missingFrom<T>(wanted: readonly T[], have: readonly T[] | undefined): T[] {
  return wanted.filter((w) => !(have ?? []).includes(w))
}
