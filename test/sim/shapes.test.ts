// The worked profiles of README's "Writing a profile for your device" (examples/devices/): each is
// what the profile builder of the reference DUT's mode writes, kept current, and each passes
// `ts701 lint` next to the keys, images and bench script a running simulator makes for it.
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ts701InProcess } from '../cli/helpers.ts'
import { SHAPES, SHAPES_DIR, shapeProfileText } from '../../sim/examples.ts'
import type { Mode } from '../../sim/modes/index.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { EXAMPLE } from '../helpers.ts'

const setups: ReferenceSetup[] = []
afterAll(async () => {
  await Promise.all(setups.map((s) => s.close()))
})

/** The mode a shape's `ts701 sim` options name. */
const modeOf = (sim: string): Mode => (/--mode (\w+)/.exec(sim)?.[1] as Mode | undefined) ?? 'api'

describe('the worked example profiles', () => {
  it.each(SHAPES.map((s) => [s.file, s] as const))('%s is what its builder writes today', async (file, shape) => {
    expect(await readFile(join(SHAPES_DIR, file), 'utf8'), 'regenerate with: npx tsx sim/examples.ts').toBe(shapeProfileText(shape))
  })

  it.each(SHAPES.map((s) => [s.file, s] as const))(
    '%s passes ts701 lint beside the files the simulator makes',
    async (file, shape) => {
      const setup = await createReferenceSetup({ mode: modeOf(shape.sim) })
      setups.push(setup)
      const copy = join(setup.dir, file)
      await copyFile(join(SHAPES_DIR, file), copy)
      const { code, stdout, stderr } = await ts701InProcess(['lint', EXAMPLE, '--dut', copy])
      expect(stderr).toBe('')
      expect(stdout).toMatch(/: no errors$/)
      expect(code).toBe(0)
    },
    60_000,
  )
})
