import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { EXAMPLE } from '../helpers.ts'

describe('a reader that stops reading', () => {
  it('ends the output quietly: no EPIPE stack trace, the command still ends with its own code', async () => {
    // `ts701 plan … | head -1`: the pipe closes after the first chunk, the plan goes on printing.
    const child = spawn(process.execPath, ['bin/ts701.js', 'plan', EXAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /)
    expect(code).toBe(0)
  })
})
