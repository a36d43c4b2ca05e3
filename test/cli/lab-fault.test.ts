import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async } from './helpers.ts'

let setup: ReferenceSetup | undefined
let squatter: Server | undefined

afterEach(async () => {
  await setup?.close()
  await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()))
  setup = undefined
  squatter = undefined
})

/** Takes the port the profile gives the update-server emulator, as a leftover process would. */
async function occupy(port: number): Promise<Server> {
  // The device may knock on it too: those connections are dropped, so the port closes at once later.
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve())
  })
  return server
}

describe('a lab fault', () => {
  it('the emulator port taken: exit 3, one line naming it, and no verdict about the DUT written', async () => {
    setup = await createReferenceSetup()
    squatter = await occupy(Number(new URL(setup.updateServerUrl).port))
    const out = await tempDir('lab-fault')
    const { code, stdout, stderr } = await ts701Async(
      ['run', '--assessment', EXAMPLE, '--dut', setup.profileFile, '--out', out, '--group', '5.3-2', '--group', '5.3-16'],
      setup.env,
    )
    expect(code, stdout + stderr).toBe(3)
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^ts701: lab fault, the run stopped without verdicts: .*address already in use/)
    expect(stderr).not.toMatch(/\n\s+at /)
    // No report, so nothing a reader could take for a verdict on the device.
    for (const file of ['results.json', 'junit.xml']) expect(existsSync(join(out, file)), file).toBe(false)
    expect(stdout).not.toMatch(/\b(PASS|FAIL)\b/)
    // The evidence says what stopped the run.
    expect(await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')).toMatch(/lab fault, the run stops: .*address already in use/)
  }, 120_000)
})
