import { describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../core/evidence.ts'
import { describeMatrix } from './matrix.ts'

const matrix = describeMatrix('console')

/** The console lines the device printed, among a unit's evidence. */
const received = (entries: RecordedEntry[]): string[] =>
  entries.filter((e) => e.channel === 'serial' && e.detail?.direction === 'received').map((e) => String(e.detail!.text))

// The console-only updater has no API: what the judges rest on are the lines it printed.
describe('the console-only updater, judged from what it printed', () => {
  it('the conformant device: its boot check is seen as the check line it printed', async () => {
    const lines = received(await matrix.run().evidence('5.3-5-2a'))
    expect(lines.some((l) => /^\[upd\] checking for updates \(boot\)/.test(l))).toBe(true)
  })

  it('no-boot-check: 5.3-5-2a FAILs on check lines printed after the power cycle, none of them a boot check', async () => {
    const run = matrix.run('no-boot-check')
    expect(run.failed).toContain('5.3-5-2a')
    const lines = received(await run.evidence('5.3-5-2a'))
    expect(lines.some((l) => /^\[upd\] checking for updates \(periodic\)/.test(l))).toBe(true)
    expect(lines.some((l) => /^\[upd\] checking for updates \(boot\)/.test(l))).toBe(false)
  })

  it('accept-unsigned: the unsigned image installed, seen in the success line the device printed', async () => {
    const run = matrix.run('accept-unsigned')
    expect(run.failed).toContain('5.3-2-2b signature-removed')
    const lines = received(await run.evidence('5.3-2-2b signature-removed'))
    expect(lines.some((l) => /^\[upd\] install \S+: success$/.test(l))).toBe(true)
  })
})
