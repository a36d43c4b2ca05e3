/**
 * The supplier's one source: the example assessment exported as Markdown and as Word, and imported
 * again, gives the same ICS and IXIT documents, suggested facts and notes included.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { EXAMPLE } from '../helpers.ts'
import { exampleCopy, tempDir, ts701InProcess } from '../cli/helpers.ts'

async function documents(dir: string): Promise<{ ics: unknown; ixit: unknown }> {
  const read = async (name: string) => {
    const { $schema: _, ...rest } = parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>
    return rest
  }
  return { ics: await read('ics.yaml'), ixit: await read('ixit.yaml') }
}

async function roundTrip(dir: string, format: 'md' | 'docx'): Promise<string> {
  const file = join(await tempDir('proforma-export'), `proforma.${format}`)
  const exported = await ts701InProcess(['export', dir, '--format', format, '--out', file])
  expect([exported.code, exported.stderr]).toEqual([0, ''])
  const out = await tempDir('proforma-reimport')
  const imported = await ts701InProcess(['import', file, '--out', out])
  expect([imported.code, imported.stderr]).toEqual([0, ''])
  return out
}

describe('ts701 export, then ts701 import', () => {
  it.each(['md', 'docx'] as const)('gives the example assessment back unchanged (%s)', async (format) => {
    const out = await roundTrip(EXAMPLE, format)
    expect(await documents(out)).toEqual(await documents(EXAMPLE))
    // The re-import is an assessment in its own right.
    expect((await ts701InProcess(['lint', out])).code).toBe(0)
  })

  it('carries suggested facts and notes through Word unchanged', async () => {
    const dir = await exampleCopy({
      ixit: (doc) => {
        doc.setIn(
          ['7-UpdMech', 0, 'facts', 'antiRollback'],
          doc.createNode({ value: true, quote: 'Older images are refused.', suggested: true }),
        )
        doc.setIn(['7-UpdMech', 1, 'notes'], doc.createNode({ 'Vendor remarks': 'reviewed | twice\nby QA' }))
      },
    })
    const out = await roundTrip(dir, 'docx')
    expect(await documents(out)).toEqual(await documents(dir))
  })

  it('writes next to the documents by default and keeps an existing file unless --force', async () => {
    const dir = await exampleCopy()
    const first = await ts701InProcess(['export', dir])
    expect(first.stdout).toBe(`${join(dir, 'proforma.md')}: ICS and 7 IXIT table(s) as md; edit it and bring it back with ts701 import`)
    expect(await readFile(join(dir, 'proforma.md'), 'utf8')).toContain('## IXIT 7-UpdMech: Update Mechanisms')
    await writeFile(join(dir, 'proforma.md'), 'edited')
    const again = await ts701InProcess(['export', dir])
    expect([again.code, again.stderr]).toEqual([
      3,
      `ts701: ${join(dir, 'proforma.md')} already exists; give --force to replace it, or another --out`,
    ])
    expect(await readFile(join(dir, 'proforma.md'), 'utf8')).toBe('edited')
  })

  it('refuses to export documents that do not lint', async () => {
    const r = await ts701InProcess(['export', 'examples/broken'])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n').at(-1)).toBe('ts701: 8 errors in the assessment documents')
  })
})
