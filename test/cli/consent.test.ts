// V3 5.3-4B end to end: the reference DUT in the mode where automatic updates stay off after a
// factory reset until the user consents during setup, driven over each channel's consent answer.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup, type ReferenceSetupOptions } from '../../sim/setup.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async } from './helpers.ts'

let setup: ReferenceSetup | undefined

afterEach(async () => {
  await setup?.close()
  setup = undefined
})

async function run4B(options: ReferenceSetupOptions) {
  setup = await createReferenceSetup(options)
  const out = await tempDir('consent')
  const r = await ts701Async(['run', '--assessment', EXAMPLE, '--dut', setup.profileFile, '--out', out, '--group', '5.3-4B'], setup.env)
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  return { ...r, unit: (id: string) => units.find((u) => u.id === id) }
}

describe('5.3-4B: a device that waits for consent during initialization', () => {
  it.each(['http', 'serial'] as const)(
    '%s: off after a factory reset, on once consent is given: PASS',
    async (channel) => {
      const { code, stdout, stderr, unit } = await run4B({ channel, awaitsConsent: true })
      expect(unit('5.3-4B-2a'), stdout + stderr).toMatchObject({
        verdict: 'PASS',
        reason: 'automatic updates are on after an initialization in which the user consented; declining left them off',
      })
      expect(code, stdout + stderr).toBe(0)
    },
    180_000,
  )

  it('http: a device that stays off although the user consents: FAIL', async () => {
    const { code, unit } = await run4B({ awaitsConsent: true, flaws: ['auto-update-off-by-default'] })
    expect(unit('5.3-4B-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: 'automatic updates are off after an initialization in which the user consented to them',
    })
    expect(code).toBe(1)
  }, 180_000)
})
