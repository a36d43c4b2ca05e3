import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXAMPLE } from '../helpers.ts'
import { exampleCopy, tempDir, ts701InProcess } from './helpers.ts'

const FINDING = /^(\S+):(\d+):(\d+): (error|warning): \S.*$/

describe('ts701 lint', () => {
  it('accepts the reference assessment with exit code 0', async () => {
    const r = await ts701InProcess(['lint', EXAMPLE])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(`${EXAMPLE}: no errors`)
  })

  it('reports every problem of a broken assessment as one file:line:column line, and exits 3', async () => {
    const r = await ts701InProcess(['lint', 'examples/broken'])
    expect(r.code).toBe(3)
    const lines = r.stderr.split('\n')
    expect(lines.at(-1)).toBe('ts701: 8 errors in the assessment documents')
    const findings = lines.slice(0, -1)
    expect(findings).toHaveLength(8)
    for (const line of findings) expect(line).toMatch(FINDING)
    expect(findings).toContain(
      'examples/broken/ics.yaml:8:14: error: /provisions/5.3-1/support: expected one of "Y", "N", "N/A", found "yes"',
    )
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('checks a DUT profile with --dut: an unquoted template in a flow mapping is an error at its line, exit 3', async () => {
    const dir = await tempDir('lint-dut')
    const file = join(dir, 'dut.yaml')
    await writeFile(
      file,
      'name: x\nadapter: { kind: none }\nobserve:\n  version: { from: probe, command: { argv: [echo, {{image.version}}] } }\n',
    )
    const r = await ts701InProcess(['lint', EXAMPLE, '--dut', file])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^${file}:4:\\d+: error: `))
    await writeFile(file, "name: x\nadapter: { kind: none }\nobserve:\n  version: { from: probe, command: { argv: [echo, '1.0'] } }\n")
    const ok = await ts701InProcess(['lint', EXAMPLE, '--dut', file])
    expect(ok.stderr).toBe('')
    expect(ok.stdout).toBe(`${EXAMPLE} and ${file}: no errors`)
    expect(ok.code).toBe(0)
  })

  it('points at YAML syntax errors by line and column', async () => {
    const dir = await exampleCopy()
    await writeFile(join(dir, 'ics.yaml'), 'constrained: false\nprovisions:\n  "5.3-1": { support: Y, detail: "x"\n')
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^${join(dir, 'ics.yaml')}:\\d+:\\d+: error: `))
  })

  it('requires an ICS answer for every provision of the selected edition', async () => {
    const dir = await exampleCopy({
      ics: (doc) => {
        doc.deleteIn(['provisions', '5.3-4B'])
      },
    })
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(
      `${join(dir, 'ics.yaml')}:1:1: error: ICS has no entry for 5.3-4B, a provision of EN 303 645 V3.1.3 / TS 103 701 V2.1.1`,
    )
    expect((await ts701InProcess(['lint', dir, '--standard', 'en303645-v2.1.1'])).code).toBe(0)
  })

  it('rejects N/A for an unconditional provision and warns about a copied status that differs', async () => {
    const dir = await exampleCopy({
      ics: (doc) => {
        doc.setIn(['provisions', '5.3-13', 'support'], 'N/A')
        doc.setIn(['provisions', '5.3-7', 'status'], 'R')
      },
    })
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/ics\.yaml:\d+:\d+: error: ICS declares 5\.3-13 not applicable, but it is unconditional/)
    expect(r.stderr).toMatch(/ics\.yaml:\d+:\d+: warning: ICS gives 5\.3-7 the status "R"; .* says "MF\(g\)"/)
  })

  it('warns about ICS answers the IXIT contradicts, without failing the lint', async () => {
    const dir = await exampleCopy({
      ics: (doc) => {
        doc.setIn(['provisions', '5.3-10', 'support'], 'N/A')
      },
    })
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(
      /ics\.yaml:\d+:\d+: warning: ICS declares 5\.3-10 not applicable, but feature j .* holds per the IXIT; it is tested/,
    )
    expect(r.stdout).toMatch(/no errors, 1 warning$/)
  })

  it('rejects decisions for units that do not exist', async () => {
    const dir = await exampleCopy({
      decisions: (doc) => {
        doc.setIn(['decisions', 0, 'unit'], '5.3-99-1a')
      },
    })
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/decisions\.yaml:\d+:\d+: error: decision for 5\.3-99-1a, which is not a test unit of any known edition/)
  })

  it('explains a missing folder instead of crashing', async () => {
    const r = await ts701InProcess(['lint', 'no/such/folder'])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toMatch(/^no\/such\/folder:1:1: error: /)
  })
})

describe('ts701 usage errors', () => {
  it.each([
    [['lint'], /missing required argument 'dir'/],
    [['lint', EXAMPLE, '--standard', 'en303645-v1'], /en303645-v1.*invalid/i],
    [['run', '--assessment', EXAMPLE, '--group', '5.3-99', '--conceptual-only'], /5\.3-99: not a test group of EN 303 645 V3\.1\.3/],
    [['run', '--assessment', EXAMPLE, '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j exits 3 with a message', async (args, message) => {
    const r = await ts701InProcess(args)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(message)
  })
})
