import { describe, expect, it } from 'vitest'
import { DEFAULT_EDITION, listEditions, loadEdition, UnknownEditionError } from '../../catalog/editions.ts'
import type { Edition, UnitDef } from '../../catalog/types.ts'
import { indexRules } from '../../harness/evaluate.ts'
import { IXIT_TABLES } from '../../ixit/types.ts'
import { indexChecks } from '../../harness/functional.ts'
import { ALL_CHECKS, ALL_RULES } from '../../suites/index.ts'
import { EDITIONS } from '../helpers.ts'

const units = (e: Edition): UnitDef[] => e.groups.flatMap((g) => g.cases.flatMap((c) => c.units))

describe('the catalog', () => {
  it('holds both editions, with V3.1.3 as the default', () => {
    expect(listEditions()).toEqual([...EDITIONS])
    expect(DEFAULT_EDITION).toBe('en303645-v3.1.3')
    expect(() => loadEdition('en303645-v9')).toThrow(UnknownEditionError)
  })

  it('splits 5.3-4, 5.3-6 and 5.3-15 in V3.1.3 and adds the functional 5.3-9-2', () => {
    const v2 = loadEdition('en303645-v2.1.1').groups.map((g) => g.id)
    const v3 = loadEdition('en303645-v3.1.3')
    expect(v2).toEqual(expect.arrayContaining(['5.3-4', '5.3-6', '5.3-15']))
    expect(v2).not.toContain('5.3-4A')
    const ids = v3.groups.map((g) => g.id)
    expect(ids).toEqual(expect.arrayContaining(['5.3-4A', '5.3-4B', '5.3-6A', '5.3-6B', '5.3-15A', '5.3-15B']))
    expect(ids).not.toContain('5.3-6')
    const nine = v3.groups.find((g) => g.id === '5.3-9')!
    expect(nine.cases.map((c) => [c.id, c.kind])).toContainEqual(['5.3-9-2', 'functional'])
  })

  describe.each(EDITIONS)('%s', (id) => {
    const edition = loadEdition(id)

    it('has unique unit IDs, each prefixed by its case and group', () => {
      const seen = new Set<string>()
      for (const g of edition.groups) {
        for (const c of g.cases) {
          expect(c.id.startsWith(`${g.id}-`)).toBe(true)
          for (const u of c.units) {
            expect(u.id).toMatch(new RegExp(`^${c.id.replaceAll('.', '\\.')}[a-z]$`))
            expect(seen.has(u.id)).toBe(false)
            seen.add(u.id)
          }
        }
      }
    })

    it('defines every condition a group requires, and a status for each group', () => {
      for (const g of edition.groups) {
        expect(g.status).toMatch(/^[MR]/)
        for (const c of g.requires) expect(edition.conditions[c], `${g.id} requires ${c}`).toBeDefined()
      }
    })

    it('reads only the IXIT tables it knows', () => {
      for (const u of units(edition)) {
        for (const read of u.reads) expect(IXIT_TABLES).toContain(read.split('.')[0])
        if (u.forEach) expect(IXIT_TABLES).toContain(u.forEach.table)
      }
    })

    it('has a rule for every conceptual unit, and says what the lab must provide for every functional one', () => {
      const rules = indexRules(ALL_RULES)
      for (const u of units(edition)) {
        if (u.kind === 'conceptual') expect(rules.has(u.id), `rule for ${u.id}`).toBe(true)
        else expect(u.needs?.length, `needs of ${u.id}`).toBeGreaterThan(0)
      }
    })

    it('automates every functional unit except those that need a person at the bench', () => {
      const checks = indexChecks(ALL_CHECKS)
      const manual = (u: UnitDef) => (u.needs ?? []).some((n) => n === 'lab-procedure' || n === 'network-scan')
      for (const u of units(edition).filter((x) => x.kind === 'functional')) {
        expect(checks.has(u.id), `check for ${u.id}`).toBe(!manual(u))
      }
    })
  })

  it('has no rule for a unit that no edition defines', () => {
    const known = new Set(EDITIONS.flatMap((id) => units(loadEdition(id)).map((u) => u.id)))
    for (const rule of [...ALL_RULES, ...ALL_CHECKS]) for (const id of rule.decides) expect(known.has(id), `${rule.name} decides ${id}`).toBe(true)
  })
})
