// The second Ctrl+C kills what a run started and exits (cli/signals.ts): by then nothing it started
// may still run, though a killed process takes a moment to end on a loaded machine.
import { spawn, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { descendants, killAllBelow } from '../../harness/process-tree.ts'

const started: ChildProcess[] = []

/** A shell that starts `script` and waits: the root whose descendants the tests kill. */
async function shell(script: string, children: number): Promise<number> {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore' })
  started.push(child)
  await vi.waitFor(() => expect(descendants(child.pid!).length).toBeGreaterThanOrEqual(children), { timeout: 10_000, interval: 20 })
  return child.pid!
}

afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL')
})

describe('killAllBelow', () => {
  it('returns once every process below the root has ended', async () => {
    const root = await shell('sleep 60 & (sleep 60 & wait) & wait', 3)
    killAllBelow(2_000, root)
    expect(descendants(root).filter((p) => !p.zombie)).toEqual([])
  })
})
