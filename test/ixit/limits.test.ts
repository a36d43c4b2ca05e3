/**
 * Documents are read with a bound: a file far larger than any document (a disk image dropped into
 * the folder, a generated monster) is refused from its size, without being read or parsed whole,
 * and a file that is no regular file is refused without being opened for long.
 */
import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../cli/main.ts'
import { loadAssessment } from '../../ixit/load.ts'
import { DEFAULT_MAX_DOCUMENT_BYTES, readSource } from '../../ixit/source.ts'
import { ts701InProcess } from '../cli/helpers.ts'
import { REFERENCE, tempAssessment } from './helpers.ts'

const TOO_LARGE = /error: the file is .* above the limit of 4 MiB \(4194304 bytes\) for a document/

describe('document size limit', () => {
  it('refuses a 200 MB (sparse) IXIT by its size: one finding naming the file, size and limit; exit 3', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    const file = join(dir, 'ixit.yaml')
    await truncate(file, 200 * 1024 * 1024)
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    const lines = r.stderr.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^${file}:1:1: error: the file is 200 MiB \\(209715200 bytes\\), above the limit of 4 MiB`))
    // The IXIT did not load, so the decisions' references into it are not judged (they would all fail).
    expect(r.stderr).not.toMatch(/no IXIT entry/)
    expect(lines.at(-1)).toBe('ts701: 1 error in the assessment documents')
  })

  it('refuses 6 MB of real YAML lines in decisions.yaml', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    const file = join(dir, 'decisions.yaml')
    await writeFile(
      file,
      'decisions:\n' + '  - { unit: 5.3-1, verdict: PASS, assessor: x, date: 2024-01-01, reason: padding }\n'.repeat(80_000),
    )
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^${file}:1:1: ${TOO_LARGE.source}`))
  })

  it('refuses a DUT profile above the limit the same way', async () => {
    const dir = await tempAssessment({ 'dut.yaml': '' })
    const file = join(dir, 'dut.yaml')
    await truncate(file, DEFAULT_MAX_DOCUMENT_BYTES + 1)
    const r = await ts701InProcess(['lint', REFERENCE, '--dut', file])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^${file}:1:1: error: the file is 4 MiB \\(4194305 bytes\\), above the limit`))
  })

  it('keeps to the limit it is given, and reads a file of exactly that size', async () => {
    const dir = await tempAssessment({ 'small.yaml': `a: ${'x'.repeat(1000)}\n` })
    const file = join(dir, 'small.yaml')
    expect((await readSource(file, { maxBytes: 1004 })).doc?.value).toEqual({ a: 'x'.repeat(1000) })
    expect((await readSource(file, { maxBytes: 1003 })).findings).toMatchObject([{ code: 'too-large', file, line: 1, column: 1 }])
    const loaded = await loadAssessment(await tempAssessment({}, REFERENCE), { maxDocumentBytes: 100 })
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings.map((f) => f.code)).toEqual(['too-large', 'too-large', 'too-large'])
  })

  it("takes the lab's limit from TS701_MAX_DOCUMENT_BYTES, for the documents and the DUT profile", async () => {
    const run = async (limit: string, ...args: string[]) => {
      const out: string[] = []
      const code = await main(['lint', ...args], { out: (l) => out.push(l), err: (l) => out.push(l) }, { TS701_MAX_DOCUMENT_BYTES: limit })
      return { code, text: out.join('\n') }
    }
    const small = await run('1K', REFERENCE)
    expect(small.code).toBe(3)
    expect(small.text).toMatch(/ics\.yaml:1:1: error: the file is .* above the limit of 1 KiB \(1024 bytes\)/)
    // A profile of 30 KiB (comments) beside documents below 20 KiB: the limit is the profile's too.
    const profile = join(await tempAssessment({ 'dut.yaml': `# ${'padding '.repeat(3840)}\nname: x\n` }), 'dut.yaml')
    expect((await run('64M', REFERENCE, '--dut', profile)).text).not.toMatch(/above the limit/)
    expect((await run('20K', REFERENCE, '--dut', profile)).text).toMatch(/dut\.yaml:1:1: error: the file is .* above the limit of 20 KiB/)
    const wrong = await run('lots', REFERENCE)
    expect(wrong).toEqual({ code: 3, text: 'ts701: TS701_MAX_DOCUMENT_BYTES=lots: not a size in bytes (e.g. 4194304, 8M)' })
  })

  it('stops reading at the limit when a file holds more than its size says (/proc files say 0; a file still being written)', async () => {
    const result = await readSource('/proc/self/status', { maxBytes: 16 })
    expect(result.doc).toBeUndefined()
    expect(result.findings).toMatchObject([
      { code: 'too-large', message: expect.stringMatching(/^the file is more than 16 bytes, above the limit/) },
    ])
  })

  it('refuses a device file as a DUT profile without reading it (/dev/zero never ends)', async () => {
    const r = await ts701InProcess(['lint', REFERENCE, '--dut', '/dev/zero'])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toBe(
      '/dev/zero:1:1: error: is not a regular file (a device, FIFO or socket); give the path of the document itself',
    )
  })

  it('keeps the guard against YAML alias bombs', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
          .fill(`*${i === 1 ? 'a' : 'b'.repeat(i - 1)}`)
          .join(',')}]`,
      )
    const dir = await tempAssessment({ 'bomb.yaml': `${levels.join('\n')}\n` })
    const result = await readSource(join(dir, 'bomb.yaml'))
    expect(result.doc).toBeUndefined()
    expect(result.findings).toMatchObject([{ code: 'yaml-syntax' }])
  })
})
