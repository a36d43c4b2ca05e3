import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { sleep } from '../../core/duration.ts'
import { BENCH_AFTER_EXIT_MS, BENCH_OFF_MS, BENCH_SCRIPT, writeBenchScript } from '../../sim/bench.ts'
import { createReferenceSetup } from '../../sim/setup.ts'
import { tempDir } from '../cli/helpers.ts'

const run = promisify(execFile)

/** What the harness reads of a bench command is its exit code and its words: the script must keep both. */
describe('the bench script the simulator writes', () => {
  it('exits 0 with the bench answer, 1 with the words of a refusal, 2 naming an unreachable controller', async () => {
    const server = createServer((req, res) => {
      // As the bench controller answers: with the length, on a connection the script keeps open.
      const [status, text] = req.url === '/power-cycle' ? [200, 'power-cycle: done\n'] : [404, 'unknown bench action\n']
      res.writeHead(status, { 'content-length': Buffer.byteLength(text) }).end(text)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const script = join(await tempDir('bench-script'), 'bench.sh')
    await writeBenchScript(script, url)
    try {
      await expect(run('bash', [script, 'power-cycle'])).resolves.toMatchObject({ stdout: 'power-cycle: done\n' })
      await expect(run('bash', [script, 'melt'])).rejects.toMatchObject({ code: 1, stderr: 'unknown bench action\n' })
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    // The port is free now: nothing answers there.
    await expect(run('bash', [script, 'power-cycle'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^bench controller unreachable: nothing accepts connections on 127\.0\.0\.1:\d+\n$/),
    })
  })

  it('keeps the device off until the script has exited, then boots it well before the longest off-time', async () => {
    const setup = await createReferenceSetup({ dir: await tempDir('bench-boot'), mode: 'console' })
    try {
      // The device's first boot is over once the setup returns; every later "up" is the power cycle's.
      const ups: number[] = []
      const off = setup.sim.signals.power.on((p) => {
        if (p.up) ups.push(Date.now())
      })
      for (let i = 0; i < 3; i++) {
        ups.length = 0
        await run('bash', [join(setup.dir, BENCH_SCRIPT), 'power-cycle'])
        const exited = Date.now()
        const until = exited + 2 * BENCH_OFF_MS
        while (ups.length === 0 && Date.now() < until) await sleep(5)
        expect(ups, 'the device came back').toHaveLength(1)
        // Booted after the command was gone, as a relay's device would, and not half a second later.
        expect(ups[0]!).toBeGreaterThanOrEqual(exited)
        expect(ups[0]! - exited).toBeLessThan(BENCH_AFTER_EXIT_MS + (BENCH_OFF_MS - BENCH_AFTER_EXIT_MS) / 2)
      }
      off()
    } finally {
      await setup.close()
    }
  })
})
