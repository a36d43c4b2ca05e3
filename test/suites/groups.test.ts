import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { listEditions, loadEdition } from '../../catalog/editions.ts'
import type { FunctionalCheck } from '../../harness/functional.ts'
import type { Rule } from '../../harness/rule.ts'

/**
 * A run registers each suite file's rules and checks for that file's group only. A rule filed in
 * the wrong suite would pass rule tests that use every rule at once, yet never run: so each file
 * must decide units of its own group, and every unit must be decided by its group's file.
 */
const SUITES = new URL('../../suites/', import.meta.url)
const files = readdirSync(SUITES).filter((name) => /^5\.3-.+\.ts$/.test(name))

interface SuiteModule {
  rules?: Rule[]
  checks?: FunctionalCheck[]
}

const suites = await Promise.all(
  files.map(async (name) => {
    const mod = (await import(new URL(name, SUITES).href)) as SuiteModule
    return { group: name.slice(0, -'.ts'.length), decides: [...(mod.rules ?? []), ...(mod.checks ?? [])].flatMap((x) => x.decides) }
  }),
)

const editions = listEditions().map((id) => loadEdition(id))
const unitsOf = (group: string, kind?: 'conceptual' | 'functional') =>
  new Set(
    editions.flatMap((e) =>
      e.groups
        .filter((g) => g.id === group)
        .flatMap((g) => g.cases.flatMap((c) => c.units.filter((u) => !kind || u.kind === kind).map((u) => u.id))),
    ),
  )

describe('suite files and their groups', () => {
  it('there is one suite file per test group of every edition', () => {
    const groups = new Set(editions.flatMap((e) => e.groups.map((g) => g.id)))
    expect(new Set(suites.map((s) => s.group))).toEqual(groups)
  })

  it.each(suites)('$group decides only units of its own group', ({ group, decides }) => {
    const own = unitsOf(group)
    expect(decides.filter((id) => !own.has(id))).toEqual([])
  })

  it.each(suites)('every conceptual unit of $group is decided in its own suite file', ({ group, decides }) => {
    const decided = new Set(decides)
    expect([...unitsOf(group, 'conceptual')].filter((id) => !decided.has(id))).toEqual([])
  })
})
