/**
 * What is in the assessment folder but is no document: a symlink out of it, a directory with a
 * document's name, a system file. Each is said once, quoting nothing of the file, and before the
 * findings that only follow from it.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAssessment } from '../../ixit/load.ts'
import { ts701InProcess } from '../cli/helpers.ts'
import { REFERENCE, tempAssessment } from './helpers.ts'

/** Lines a system file might hold, `key: value` so YAML reads each as a property. */
const SYSTEM_FILE = Array.from({ length: 40 }, (_, i) => `Secret${i}: hunter${i}`).join('\n') + '\n'

describe('files in the assessment folder that are not documents', () => {
  it('refuses a document that is a symlink out of the folder, without reading its target', async () => {
    const elsewhere = await tempAssessment({ 'passwd.yaml': SYSTEM_FILE })
    const dir = await tempAssessment({}, REFERENCE)
    await rm(join(dir, 'ixit.yaml'))
    await symlink(join(elsewhere, 'passwd.yaml'), join(dir, 'ixit.yaml'))
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')).toEqual([
      `${join(dir, 'ixit.yaml')}:1:1: error: is a symbolic link out of the assessment folder; ts701 does not follow it: put the document itself in the folder`,
      'ts701: 1 error in the assessment documents',
    ])
  })

  it('follows a symlink that stays inside the folder', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    await mkdir(join(dir, 'sources'))
    await writeFile(
      join(dir, 'sources', 'ics.yaml'),
      await import('node:fs/promises').then((fs) => fs.readFile(join(REFERENCE, 'ics.yaml'))),
    )
    await rm(join(dir, 'ics.yaml'))
    await symlink(join('sources', 'ics.yaml'), join(dir, 'ics.yaml'))
    const loaded = await loadAssessment(dir)
    expect(loaded.findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(loaded.assessment).toBeDefined()
  })

  it('says once that a system file is not a document, quoting none of it', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    await writeFile(join(dir, 'ixit.yaml'), SYSTEM_FILE)
    const r = await ts701InProcess(['lint', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).not.toMatch(/Secret|hunter/)
    expect(r.stderr.split('\n')).toEqual([
      `${join(dir, 'ixit.yaml')}:1:1: error: no top-level key of this file is a property of an IXIT document (expected 2-UserInfo, 4-Conf, 6-SoftComp, 7-UpdMech, 8-UpdProc, 9-ReplSup, 26-UserDec): check that this is the right file`,
      'ts701: 1 error in the assessment documents',
    ])
  })

  it('does not quote a file whose top level is text or a list', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    await writeFile(join(dir, 'ics.yaml'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n')
    const loaded = await loadAssessment(dir)
    const messages = loaded.findings.map((f) => f.message).join('\n')
    expect(messages).not.toMatch(/root|daemon/)
    expect(loaded.findings).toMatchObject([
      {
        code: 'not-a-document',
        file: join(dir, 'ics.yaml'),
        message: expect.stringMatching(/^the top level is plain text, not a mapping/),
      },
    ])
  })

  it('lists a handful of duplicate keys of a non-document, then counts the rest', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    await writeFile(join(dir, 'ixit.yaml'), 'processor: 0\nmodel: x\n'.repeat(30))
    const loaded = await loadAssessment(dir)
    const duplicates = loaded.findings.filter((f) => f.code === 'duplicate-key')
    expect(duplicates).toHaveLength(6)
    expect(duplicates.map((f) => f.message)).toContain('53 more duplicate keys not listed: is this the right file?')
  })

  it('reports a directory named ics.yaml as a directory, not as a missing ICS', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    await rm(join(dir, 'ics.yaml'))
    await mkdir(join(dir, 'ics.yaml'))
    const loaded = await loadAssessment(dir)
    expect(loaded.findings).toEqual([
      { severity: 'error', code: 'not-a-file', file: join(dir, 'ics.yaml'), line: 1, column: 1, message: 'is a directory, not a document' },
    ])
  })

  it('puts the file that did not load before the findings that follow from it', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    // decisions.yaml sorts before ixit.yaml, and its own problem comes after the IXIT's.
    await writeFile(join(dir, 'ixit.yaml'), '2-UserInfo: [\n')
    await writeFile(join(dir, 'decisions.yaml'), 'decisions: 3\n')
    const loaded = await loadAssessment(dir)
    expect(loaded.findings.map((f) => [f.file, f.code])).toEqual([
      [join(dir, 'ixit.yaml'), 'yaml-syntax'],
      [join(dir, 'decisions.yaml'), 'schema'],
    ])
  })
})
