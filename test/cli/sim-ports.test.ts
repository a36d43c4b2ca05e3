import { spawn } from 'node:child_process'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { bindError } from '../../sim/ports.ts'
import { portError, SimPortError } from '../../sim/errors.ts'
import { tempDir, ts701InProcess, type CliResult } from './helpers.ts'

/** The real executable, killed after `ms` if it has not ended by itself (a sim that started runs until told to stop). */
function simFor(args: string[], ms: number): Promise<CliResult & { ms: number }> {
  const started = Date.now()
  const child = spawn(process.execPath, ['bin/ts701.js', 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGTERM'), ms)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started })
    })
  })
}

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

describe('ts701 sim: ports', () => {
  it('refuses a port that is not a number from 1 to 65535 as a usage error, for every port option', async () => {
    for (const option of ['--port', '--update-server-port', '--bench-port', '--broker-port', '--console-port']) {
      for (const value of ['99999', '0', '-1', '80.5', 'http', '']) {
        const r = await ts701InProcess(['sim', option, value])
        expect(r.code, `${option} ${value}`).toBe(3)
        expect(r.stderr).toContain(option)
        expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
      }
    }
  })

  it('says which port is taken, in one line, and exits 3 within seconds', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => new Promise((resolve) => holder.close(resolve)))
    const port = (holder.address() as AddressInfo).port
    const dir = await tempDir('sim-ports')
    cleanup.push(() => rm(dir, { recursive: true, force: true }))

    const r = await simFor(['--port', String(port), '--dir', join(dir, 'sim')], 60_000)
    expect(r.code, r.stderr).toBe(3)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`port ${port} is already in use`)
    expect(lines[0]).toContain('--port')
    // Refused before the keys and images are made.
    expect(r.ms).toBeLessThan(10_000)
  }, 70_000)

  it('turns a failed bind during set-up into the same typed error, naming the option', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => new Promise((resolve) => holder.close(resolve)))
    const port = (holder.address() as AddressInfo).port
    const err = portError(await bindError(port), new Map([[port, '--bench-port']]))
    expect(err).toBeInstanceOf(SimPortError)
    expect(err?.code).toBe('E_SIM_PORT')
    expect(err?.message).toBe(`port ${port} is already in use; free it or choose another with --bench-port`)
    expect(portError(new Error('other'))).toBeUndefined()
  })
})
