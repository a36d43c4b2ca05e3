// The `bench` section of the DUT profile: what it accepts, what it refuses and how it says so.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { tempAssessment } from '../ixit/helpers.ts'

const HEAD = `name: bench DUT
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1' }
operations:
  identify: { request: { method: GET, path: /i }, extract: { model: { pointer: /m }, version: { pointer: /v } } }
  reboot: { request: { method: POST, path: /r } }
`

async function load(bench: string) {
  const dir = await tempAssessment()
  const file = join(dir, 'dut.yaml')
  await writeFile(file, `${HEAD}bench:\n${bench}`)
  const { profile, findings } = await loadDutProfile(file)
  return { profile, messages: findings.map((f) => `${f.line}: ${f.message}`) }
}

describe('the bench section of the DUT profile', () => {
  it('loads the README’s example as written: nothing filled in, nothing resolved at load time', async () => {
    const { profile, messages } = await load(`  power-cycle:
    command: { argv: [uhubctl, -l, 1-1, -p, '2', -a, cycle], timeoutMs: 30000 }
    readyTimeoutMs: 120000
  restore:
    manual: Reflash firmware 1.0.0 with the vendor tool, then power the device on.
    timeoutMs: 1800000
  factory-reset: { command: { argv: [./reset.sh, --outlet, '4'], cwd: tools, env: { PDU_HOST: 127.0.0.1 } } }
  reboot: { operation: true }
  check-now: { command: { argv: ['kill -HUP $(cat /run/agent.pid)'], shell: true } }
`)
    expect(messages).toEqual([])
    expect(profile?.bench).toEqual({
      'power-cycle': { command: { argv: ['uhubctl', '-l', '1-1', '-p', '2', '-a', 'cycle'], timeoutMs: 30000 }, readyTimeoutMs: 120000 },
      restore: { manual: 'Reflash firmware 1.0.0 with the vendor tool, then power the device on.', timeoutMs: 1800000 },
      // cwd stays as written: the bench resolves it against the profile's folder when it runs.
      'factory-reset': { command: { argv: ['./reset.sh', '--outlet', '4'], cwd: 'tools', env: { PDU_HOST: '127.0.0.1' } } },
      reboot: { operation: true },
      'check-now': { command: { argv: ['kill -HUP $(cat /run/agent.pid)'], shell: true } },
    })
  })

  it('refuses a power cycle as a device operation, an unknown action, and an empty argv', async () => {
    expect((await load('  power-cycle: { operation: true }\n')).messages).toEqual([
      expect.stringMatching(
        /^\d+: \/bench\/power-cycle: unknown property "operation" \(allowed: command, readyTimeoutMs, manual, timeoutMs\)$/,
      ),
    ])
    expect((await load('  reflash: { manual: do it }\n')).messages).toEqual([
      expect.stringMatching(
        /^\d+: \/bench: unknown property "reflash" \(allowed: reboot, power-cycle, power-off, power-on, restore, factory-reset, check-now, consent-automatic-updates, decline-automatic-updates\)$/,
      ),
    ])
    expect((await load('  restore: { command: { argv: [] } }\n')).messages).toEqual([
      expect.stringMatching(/must NOT have fewer than 1 items/),
    ])
  })

  it('refuses a step that is two things at once, and timeouts that are not milliseconds', async () => {
    // The first shape written decides (command, manual, operation); the other key is the stray one.
    expect((await load('  restore: { operation: true, manual: reflash }\n')).messages).toEqual([
      expect.stringMatching(/unknown property "operation" \(allowed: manual, timeoutMs, readyTimeoutMs\)$/),
    ])
    expect((await load('  restore: {}\n')).messages).toEqual([expect.stringMatching(/missing required property "command"$/)])
    expect((await load('  restore: { manual: reflash, timeoutMs: 0 }\n')).messages).toEqual([expect.stringMatching(/must be >= 1/)])
    expect((await load('  restore: { command: { argv: [x], shell: yes } }\n')).messages).toEqual([
      expect.stringMatching(/expected boolean, found "yes"/),
    ])
  })
})
