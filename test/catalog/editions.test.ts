import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import Ajv2020Module from 'ajv/dist/2020.js'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { BASE_FILE, DEFAULT_EDITION, EditionInvalidError, listEditions, loadEdition, UnknownEditionError } from '../../catalog/editions.ts'
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
    for (const rule of [...ALL_RULES, ...ALL_CHECKS])
      for (const id of rule.decides) expect(known.has(id), `${rule.name} decides ${id}`).toBe(true)
  })
})

const EDITIONS_DIR = fileURLToPath(new URL('../../catalog/editions/', import.meta.url))
const SCHEMA = JSON.parse(readFileSync(new URL('../../catalog/schemas/edition.schema.json', import.meta.url), 'utf8')) as { $id: string }
const readYaml = (dir: string, name: string): unknown => parse(readFileSync(join(dir, name), 'utf8'))

describe('the edition files', () => {
  it('validate against the published schema: each edition file, and base.yaml against $defs/base', () => {
    // A fresh validator, not the loader's, so the schema is checked as editors would use it.
    const ajv = new Ajv2020Module.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true })
    ajv.addSchema(SCHEMA)
    const edition = ajv.getSchema(SCHEMA.$id)!
    const base = ajv.getSchema(`${SCHEMA.$id}#/$defs/base`)!
    for (const id of EDITIONS) {
      expect(edition(readYaml(EDITIONS_DIR, `${id}.yaml`)), `${id}: ${JSON.stringify(edition.errors)}`).toBe(true)
    }
    expect(base(readYaml(EDITIONS_DIR, BASE_FILE)), JSON.stringify(base.errors)).toBe(true)
    expect(listEditions()).not.toContain('base')
  })

  // Catalog facts, counted from the editions as they were before base.yaml existed: a change to
  // the data or to the resolution that moves a unit shows up here.
  const UNITS_PER_GROUP: Record<(typeof EDITIONS)[number], Record<string, number>> = {
    'en303645-v2.1.1': {
      '5.3-1': 3,
      '5.3-2': 3,
      '5.3-3': 1,
      '5.3-4': 2,
      '5.3-5': 4,
      '5.3-6': 9,
      '5.3-7': 4,
      '5.3-8': 2,
      '5.3-9': 4,
      '5.3-10': 4,
      '5.3-11': 2,
      '5.3-12': 1,
      '5.3-13': 4,
      '5.3-14': 6,
      '5.3-15': 7,
      '5.3-16': 3,
    },
    'en303645-v3.1.3': {
      '5.3-1': 3,
      '5.3-2': 3,
      '5.3-3': 1,
      '5.3-4A': 2,
      '5.3-4B': 3,
      '5.3-5': 3,
      '5.3-6A': 3,
      '5.3-6B': 3,
      '5.3-7': 4,
      '5.3-8': 2,
      '5.3-9': 7,
      '5.3-10': 4,
      '5.3-11': 2,
      '5.3-12': 1,
      '5.3-13': 4,
      '5.3-14': 5,
      '5.3-15A': 2,
      '5.3-15B': 2,
      '5.3-16': 3,
    },
  }

  it.each(EDITIONS)('%s resolves to its groups, in order, with their unit counts', (id) => {
    const edition = loadEdition(id)
    const counts = edition.groups.map((g) => [g.id, g.cases.reduce((n, c) => n + c.units.length, 0)])
    // toEqual on entries, not objects, so the order of the groups is asserted too.
    expect(counts).toEqual(Object.entries(UNITS_PER_GROUP[id]))
  })

  it('resolves per-edition fields on shared items and keeps the edition-only ones where they were', () => {
    const [v2, v3] = EDITIONS.map((id) => loadEdition(id))
    const group = (e: Edition, id: string) => e.groups.find((g) => g.id === id)!
    expect([group(v2!, '5.3-2').status, group(v3!, '5.3-2').status]).toEqual(['M C(5)', 'MC(15)'])
    expect([group(v2!, '5.3-2').requires, group(v3!, '5.3-2').requires]).toEqual([['5'], ['15']])
    const unit = (e: Edition, id: string) => units(e).find((u) => u.id === id)!
    expect(unit(v2!, '5.3-5-1a').params).toEqual({ checkers: ['dut'], periodic: true })
    expect(unit(v3!, '5.3-5-1a').params).toEqual({ checkers: ['dut', 'associated-service'], periodic: false })
    expect(group(v3!, '5.3-9').cases.map((c) => c.id)).toEqual(['5.3-9-1', '5.3-9-2'])
    expect(Object.keys(v2!.conditions).sort()).toEqual(['11', '12', '3', '4', '5', '9'])
    expect(Object.keys(v3!.conditions).sort()).toEqual(['12', '15', '3', 'f', 'g', 'h', 'i', 'j'])
    // Same condition; V3.1.3 reads a component immutable for security reasons as leaving it to the ICS.
    expect(v3!.conditions['3']).toMatchObject({ text: v2!.conditions['3']!.text, fact: 'hasNotUpdatableComponentBesidesImmutable' })
    expect(v3!.conditions['3']!.reading).toMatch(/immutable for security reasons/)
    expect(v2!.conditions['3']).toMatchObject({ fact: 'hasNotUpdatableComponent' })
  })

  it('writes what both editions share once, in base.yaml', () => {
    const base = readFileSync(join(EDITIONS_DIR, BASE_FILE), 'utf8')
    const deltas = EDITIONS.map((id) => readFileSync(join(EDITIONS_DIR, `${id}.yaml`), 'utf8'))
    // What a unit rests on is the edition's (unitBasis), not the unit's own content.
    const bare = ({ basis: _basis, ...u }: UnitDef) => u
    const [v2, v3] = EDITIONS.map((id) => new Map(units(loadEdition(id)).map((u) => [u.id, bare(u)])))
    const shared = [...v2!.values()].filter((u) => isDeepStrictEqual(u, v3!.get(u.id)))
    expect(shared.length).toBeGreaterThan(30)
    const mentions = (text: string, id: string) => new RegExp(`(^|[^\\w.-])${id.replaceAll('.', '\\.')}($|[^\\w-])`, 'm').test(text)
    for (const u of shared) {
      expect(mentions(base, u.id), `${u.id} in ${BASE_FILE}`).toBe(true)
      for (const [i, text] of deltas.entries()) expect(mentions(text, u.id), `${u.id} in ${EDITIONS[i]}.yaml`).toBe(false)
    }
    // One concrete case: base.yaml's 5.3-7-1c is exactly the unit both editions resolve to.
    const fromBase = (parse(base) as { groups: Edition['groups'] }).groups
      .flatMap((g) => g.cases.flatMap((c) => c.units))
      .find((u) => u.id === '5.3-7-1c')
    expect(fromBase).toBeDefined()
    expect(v2!.get('5.3-7-1c')).toEqual(fromBase)
    expect(v3!.get('5.3-7-1c')).toEqual(fromBase)
  })

  describe('when an edition file is malformed', () => {
    const scratch: string[] = []
    afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

    /** A copy of the editions folder with one edition file edited. */
    const broken = (id: string, edit: (text: string) => string): string => {
      const dir = mkdtempSync(join(tmpdir(), 'ts701-editions-'))
      scratch.push(dir)
      cpSync(EDITIONS_DIR, dir, { recursive: true })
      const file = join(dir, `${id}.yaml`)
      const text = readFileSync(file, 'utf8')
      const edited = edit(text)
      expect(edited, 'the edit applies').not.toBe(text)
      writeFileSync(file, edited)
      return dir
    }
    const failure = (id: string, dir: string): EditionInvalidError => {
      try {
        loadEdition(id, { dir })
      } catch (err) {
        expect(err).toBeInstanceOf(EditionInvalidError)
        return err as EditionInvalidError
      }
      throw new Error(`${id} loaded from ${dir}`)
    }

    it('names the file, line and JSON pointer of a value of the wrong type', () => {
      const id = 'en303645-v3.1.3'
      const dir = broken(id, (t) => t.replace('"5.3-7": { status: MF(g), requires: [g] }', '"5.3-7": { status: 7, requires: [g] }'))
      const err = failure(id, dir)
      expect(err.code).toBe('E_EDITION_INVALID')
      expect(err.file).toBe(join(dir, `${id}.yaml`))
      expect(err.pointer).toBe('/groups/5.3-7/status')
      expect(err.message).toContain(`${id}.yaml:`)
      expect(err.message).toContain('at /groups/5.3-7/status')
      expect(err.message).not.toMatch(/\n\s+at /)
    })

    it('reports a misspelt field and an anchor that does not exist', () => {
      const id = 'en303645-v2.1.1'
      const dir = broken(id, (t) =>
        t.replace('after: "5.3-14"', 'after: "5.3-41"').replace('gist: the product is set up', 'gsit: the product is set up'),
      )
      // The file fails its schema first; the anchor is only looked at once that passes.
      expect(failure(id, dir).problems.map((p) => p.pointer)).toEqual([
        '/groups/5.3-15/cases/1/units/0/gsit',
        '/groups/5.3-15/cases/1/units/0',
      ])
      const dir2 = broken(id, (t) => t.replace('after: "5.3-14"', 'after: "5.3-41"'))
      const err = failure(id, dir2)
      expect(err.pointer).toBe('/groups/5.3-15/after')
      expect(err.message).toContain('5.3-41')
    })

    it('says where a field is missing once base.yaml and the edition are combined', () => {
      const id = 'en303645-v3.1.3'
      const dir = broken(id, (t) => t.replace('"5.3-7": { status: MF(g), requires: [g] }', '"5.3-7": { requires: [g] }'))
      const err = failure(id, dir)
      expect(err.pointer).toBe('/groups/5.3-7')
      expect(err.message).toMatch(/"status" is missing once base\.yaml and this file are combined/)
    })

    it('leaves the other editions of the folder loadable, and lists only editions', () => {
      const dir = broken('en303645-v3.1.3', (t) => t.replace('title: EN 303', 'title: [EN 303'))
      expect(failure('en303645-v3.1.3', dir).problems[0]!.text).toMatch(/not valid YAML/)
      expect(loadEdition('en303645-v2.1.1', { dir })).toEqual(loadEdition('en303645-v2.1.1'))
      expect(listEditions({ dir })).toEqual([...EDITIONS])
    })
  })
})
