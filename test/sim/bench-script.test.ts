import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { writeBenchScript } from '../../sim/bench.ts'
import { tempDir } from '../cli/helpers.ts'

const run = promisify(execFile)

/** What the harness reads of a bench command is its exit code and its words: the script must keep both. */
describe('the bench script the simulator writes', () => {
  it('exits 0 with the bench answer, 1 with the words of a refusal, 2 naming an unreachable controller', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/power-cycle') res.writeHead(200).end('power-cycle: done\n')
      else res.writeHead(404).end('unknown bench action\n')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const script = join(await tempDir('bench-script'), 'bench.mjs')
    await writeBenchScript(script, url)
    try {
      await expect(run(process.execPath, [script, 'power-cycle'])).resolves.toMatchObject({ stdout: 'power-cycle: done\n' })
      await expect(run(process.execPath, [script, 'melt'])).rejects.toMatchObject({ code: 1, stderr: 'unknown bench action\n' })
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    // The port is free now: nothing answers there.
    await expect(run(process.execPath, [script, 'power-cycle'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^bench controller unreachable: .*ECONNREFUSED/),
    })
  })
})
