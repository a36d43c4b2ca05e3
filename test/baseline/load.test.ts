// Reading a baseline: a usable file loads; anything else is one line naming the place and the
// problem, with a stable code, before any run starts.
import { createHash } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BaselineError } from '../../baseline/errors.ts'
import { loadBaseline } from '../../baseline/load.ts'
import { PLACEHOLDER_TICKET } from '../../baseline/types.ts'
import { tempDir } from '../cli/helpers.ts'

const V3 = 'en303645-v3.1.3'
const V2 = 'en303645-v2.1.1'

const VALID = `# a rig's known failures
standard: ${V3}
units:
  - unit: 5.3-16-1a
    target: UserInfo-1
    expected: FAIL
    ticket: " RIG-7 "
    reason: the label is printed from firmware 2.4 on
  - unit: 5.3-8-1a
    expected: INCONCLUSIVE
    ticket: https://tracker.example/RIG-8
    reason: |-
      waiting for the assessor;
      two lines
`

let dir: string
let n = 0

beforeAll(async () => {
  dir = await tempDir('baseline-load')
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function file(text: string): Promise<string> {
  const path = join(dir, `baseline-${n++}.yaml`)
  await writeFile(path, text)
  return path
}

/** The error loading `text` gives: its code and its one line. */
async function refusal(text: string, standard = V3): Promise<{ code: string; message: string; path: string }> {
  const path = await file(text)
  const err: unknown = await loadBaseline(path, standard).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof BaselineError)) throw new Error(`expected a BaselineError, got ${String(err)}`)
  expect(err.message).not.toContain('\n')
  return { code: err.code, message: err.message, path }
}

const withEntry = (lines: string, standard = V3) => `standard: ${standard}\nunits:\n  - ${lines.trim().split('\n').join('\n    ')}\n`

describe('loadBaseline', () => {
  it('loads a valid baseline: entries in file order, only the fields given, tickets trimmed, the file hashed', async () => {
    const path = await file(VALID)
    const b = await loadBaseline(path, V3)
    expect(b).toEqual({
      file: path,
      sha256: createHash('sha256').update(VALID).digest('hex'),
      standard: V3,
      entries: [
        { unit: '5.3-16-1a', target: 'UserInfo-1', expected: 'FAIL', ticket: 'RIG-7', reason: 'the label is printed from firmware 2.4 on' },
        {
          unit: '5.3-8-1a',
          expected: 'INCONCLUSIVE',
          ticket: 'https://tracker.example/RIG-8',
          reason: 'waiting for the assessor;\ntwo lines',
        },
      ],
    })
    expect('target' in b.entries[1]!).toBe(false)
  })

  it('takes an empty list: a rig without known failures', async () => {
    expect((await loadBaseline(await file(`standard: ${V3}\nunits: []\n`), V3)).entries).toEqual([])
  })

  it('a missing file or a folder: E_BASELINE_READ naming it', async () => {
    const missing = join(dir, 'nope.yaml')
    await expect(loadBaseline(missing, V3)).rejects.toMatchObject({
      code: 'E_BASELINE_READ',
      message: expect.stringMatching(new RegExp(`^${missing}:1:1: error: cannot read file`)),
    })
    const folder = join(dir, 'folder.yaml')
    await mkdir(folder)
    await expect(loadBaseline(folder, V3)).rejects.toMatchObject({
      code: 'E_BASELINE_READ',
      message: expect.stringContaining('is a directory'),
    })
  })

  it('not YAML: E_BASELINE_SYNTAX with the line', async () => {
    const r = await refusal(`standard: ${V3}\nunits: [\n  unit: "5.3-7-1a\n`)
    expect(r.code).toBe('E_BASELINE_SYNTAX')
    expect(r.message).toMatch(new RegExp(`^${r.path}:\\d+:\\d+: error: invalid YAML`))
  })

  it('an empty file: E_BASELINE_SCHEMA saying it is empty', async () => {
    const r = await refusal('')
    expect(r).toMatchObject({ code: 'E_BASELINE_SCHEMA', message: expect.stringContaining('the document is empty') })
  })

  it('a verdict a baseline cannot expect: E_BASELINE_SCHEMA at the value, naming the allowed ones', async () => {
    const r = await refusal(withEntry('unit: 5.3-7-1a\nexpected: PASS\nticket: RIG-1\nreason: r'))
    expect(r.code).toBe('E_BASELINE_SCHEMA')
    expect(r.message).toBe(`${r.path}:4:15: error: /units/0/expected: expected one of "FAIL", "INCONCLUSIVE", found "PASS"`)
  })

  it('a missing ticket or reason, a misspelt key: E_BASELINE_SCHEMA', async () => {
    const missing = await refusal(withEntry('unit: 5.3-7-1a\nexpected: FAIL\nreason: r'))
    expect(missing).toMatchObject({ code: 'E_BASELINE_SCHEMA', message: expect.stringContaining('missing required property "ticket"') })
    const typo = await refusal(withEntry('unit: 5.3-7-1a\nexpected: FAIL\ntiket: RIG-1\nreason: r'))
    expect(typo).toMatchObject({ code: 'E_BASELINE_SCHEMA', message: expect.stringContaining('did you mean "ticket"?') })
    const blankReason = await refusal(withEntry('unit: 5.3-7-1a\nexpected: FAIL\nticket: RIG-1\nreason: "  "'))
    expect(blankReason).toMatchObject({ code: 'E_BASELINE_SCHEMA', message: expect.stringContaining('reason of 5.3-7-1a is blank') })
  })

  it('a unit the edition does not have: E_BASELINE_UNIT, with the closest unit', async () => {
    const r = await refusal(withEntry('unit: 5.3-7-1x\nexpected: FAIL\nticket: RIG-1\nreason: r'))
    expect(r).toEqual({
      code: 'E_BASELINE_UNIT',
      path: r.path,
      message: `${r.path}:3:11: error: /units/0/unit: 5.3-7-1x is not a unit of ${V3} (did you mean 5.3-7-1a?)`,
    })
    // A unit of the other edition only.
    const other = await refusal(withEntry('unit: 5.3-4A-1a\nexpected: FAIL\nticket: RIG-1\nreason: r', V2), V2)
    expect(other).toMatchObject({ code: 'E_BASELINE_UNIT', message: expect.stringContaining(`5.3-4A-1a is not a unit of ${V2}`) })
  })

  it('a ticket still the placeholder, or blank: E_BASELINE_TICKET saying to fill it in', async () => {
    const r = await refusal(withEntry(`unit: 5.3-7-1a\nexpected: FAIL\nticket: ${PLACEHOLDER_TICKET}\nreason: r`))
    expect(r.code).toBe('E_BASELINE_TICKET')
    expect(r.message).toMatch(
      /^.*:5:13: error: \/units\/0\/ticket: the ticket of 5\.3-7-1a is still the placeholder TICKET-TO-FILL-IN .*fill in the ticket/,
    )
    const blank = await refusal(withEntry('unit: 5.3-7-1a\nexpected: FAIL\nticket: "  "\nreason: r'))
    expect(blank).toMatchObject({ code: 'E_BASELINE_TICKET', message: expect.stringContaining('the ticket of 5.3-7-1a is blank') })
  })

  it('the same unit, target and variant twice: E_BASELINE_DUPLICATE at the second', async () => {
    const one = 'unit: 5.3-7-1c\ntarget: UpdMech-1\nexpected: FAIL\nticket: RIG-1\nreason: r'
    const text = `standard: ${V3}\nunits:\n${[one, one].map((e) => `  - ${e.split('\n').join('\n    ')}`).join('\n')}\n`
    const r = await refusal(text)
    expect(r).toMatchObject({
      code: 'E_BASELINE_DUPLICATE',
      message: expect.stringContaining('/units/1: 5.3-7-1c [UpdMech-1] is listed twice (also /units/0)'),
    })
    // Another target is another entry.
    await expect(loadBaseline(await file(text.replace(/UpdMech-1(?![\s\S]*UpdMech-1)/, 'UpdMech-2')), V3)).resolves.toBeDefined()
  })

  it('a baseline of another edition, or of none ts701 knows: E_BASELINE_EDITION', async () => {
    const r = await refusal(VALID, V2)
    expect(r).toMatchObject({
      code: 'E_BASELINE_EDITION',
      message: expect.stringContaining(`the baseline is for ${V3}, but this run assesses against ${V2}`),
    })
    const unknown = await refusal(VALID.replace(V3, 'en303645-v9'))
    expect(unknown).toMatchObject({ code: 'E_BASELINE_EDITION', message: expect.stringContaining('unknown edition "en303645-v9"') })
  })

  it('several problems: the first in the file, and how many more', async () => {
    const text = `standard: ${V3}\nunits:\n  - unit: 5.3-7-1x\n    expected: FAIL\n    ticket: ${PLACEHOLDER_TICKET}\n    reason: r\n`
    const r = await refusal(text)
    expect(r.code).toBe('E_BASELINE_UNIT')
    expect(r.message).toMatch(/\(and 1 more problem in the baseline\)$/)
  })
})
