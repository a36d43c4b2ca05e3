// The `probe` source (harness/observe/probe.ts): a lab command asks the device (here: `node -e`
// scripts standing in for `ssh dut cat /etc/version`). Its output carries the value, its exit
// code says whether the device is alive; every run is evidence.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../../core/evidence.ts'
import type { CommandSpec } from '../../../profile/types.ts'
import { sleep } from '../../emulator/helpers.ts'
import { observeProfile, observing } from './helpers.ts'

const node = (script: string): CommandSpec => ({ argv: [process.execPath, '-e', script], timeoutMs: 10_000 })

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ts701-probe-'))
  dirs.push(d)
  return d
}

describe.concurrent('probe source', () => {
  it('takes the version from standard output, by regex or whole, citing the run', async () => {
    const { observe, evidence } = observing(
      observeProfile({
        version: { from: 'probe', command: node('console.log("NAME=dut\\nVERSION_ID=3.1.4")'), extract: { regex: 'VERSION_ID=(\\S+)' } },
      }),
    )
    const v = await observe.version()
    expect(v).toMatchObject({ observed: true, value: '3.1.4', source: expect.stringMatching(/^the probe `.*node.* -e console\.log/) })
    expect(evidence.since(0).find((e) => e.id === v.evidence[0])).toMatchObject({
      channel: 'bench',
      summary: expect.stringMatching(/^observe version: .* → exit 0/),
    })

    const whole = observing(observeProfile({ version: { from: 'probe', command: node('console.log("  2.0.0  ")') } }))
    expect(await whole.observe.version()).toMatchObject({ observed: true, value: '2.0.0' })
  })

  it('masks a secret in the output it quotes before cutting the quote short', async () => {
    const secret = `pw-${Date.now().toString(36)}-hunter`
    // The secret straddles the 160th character, where the quote of output without a match is cut.
    const file = join(await scratch(), 'out.txt')
    await writeFile(file, `${'x'.repeat(155)}${secret} and more\n`)
    const { observe } = observing(
      observeProfile({
        version: {
          from: 'probe',
          command: node(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}))`),
          extract: { regex: 'VERSION=(\\S+)' },
        },
      }),
      { evidence: new EvidenceLog(undefined, [secret]) },
    )
    const v = await observe.version()
    const reason = !v.observed ? v.reason : ''
    expect(reason).toMatch(/finds nothing in "x+\*\*\*/)
    expect(reason).not.toContain(secret.slice(0, 4))
  })

  it('is not observed when the probe fails, with its exit code and last error line', async () => {
    const { observe } = observing(
      observeProfile({
        version: { from: 'probe', command: node('console.error("ssh: connect to host dut: No route to host"); process.exit(255)') },
      }),
    )
    const v = await observe.version()
    expect(v).toMatchObject({ observed: false, declared: true, evidence: [expect.any(String)] })
    expect(!v.observed && v.reason).toMatch(/gave no version: exit 255: ssh: connect to host dut: No route to host$/)
  })

  it('asked to wait for a restarting device, runs again until the probe answers', async () => {
    const flag = join(await scratch(), 'up')
    const { observe } = observing(
      observeProfile({
        version: {
          from: 'probe',
          command: node(`require('fs').existsSync(${JSON.stringify(flag)}) ? console.log('5.0') : process.exit(1)`),
        },
      }),
    )
    const reading = observe.version({ waitMs: 10_000 })
    await sleep(300)
    await writeFile(flag, '')
    expect(await reading).toMatchObject({ observed: true, value: '5.0' })
  })

  it('repeats the outcome probe until the state is final', async () => {
    const file = join(await scratch(), 'state')
    await writeFile(file, 'upgrade_available=1\nstate=installing\n')
    const { observe } = observing(
      observeProfile({
        outcome: {
          from: 'probe',
          command: node(`process.stdout.write(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`),
          extract: { state: { regex: 'state=(\\w+)' } },
          states: { installed: ['committed'], rejected: ['rolled_back'], pending: ['installing'] },
          intervalMs: 50,
          timeoutMs: 10_000,
        },
      }),
    )
    const reading = observe.outcome(Date.now())
    await sleep(200)
    await writeFile(file, 'upgrade_available=0\nstate=rolled_back\n')
    expect(await reading).toMatchObject({ observed: true, value: { state: 'rejected' } })
  })

  it('alive: exit code 0 is alive, anything else is not', async () => {
    expect(await observing(observeProfile({ alive: { from: 'probe', command: node('process.exit(0)') } })).observe.alive()).toMatchObject({
      observed: true,
      value: true,
    })
    expect(await observing(observeProfile({ alive: { from: 'probe', command: node('process.exit(2)') } })).observe.alive()).toMatchObject({
      observed: true,
      value: false,
      detail: expect.stringMatching(/failed: exit 2$/),
    })
  })

  it("hands the probe the credentials the lab read, and nothing else of ts701's environment", async () => {
    process.env.TS701_PROBE_LEAK = 'leaked'
    const { observe } = observing(
      observeProfile({
        version: { from: 'probe', command: node('console.log(`${process.env.DUT_TOKEN}/${process.env.TS701_PROBE_LEAK}`)') },
      }),
      {
        credentials: { DUT_TOKEN: 't0k' },
      },
    )
    expect(await observe.version()).toMatchObject({ value: 't0k/undefined' })
    delete process.env.TS701_PROBE_LEAK
  })

  it('a probe that cannot start is an error of the lab, not a silent device', async () => {
    const { observe } = observing(observeProfile({ alive: { from: 'probe', command: { argv: ['/nonexistent/ts701-probe'] } } }))
    await expect(observe.alive()).rejects.toMatchObject({
      code: 'E_OBSERVE_PROBE',
      message: expect.stringMatching(/cannot start \/nonexistent\/ts701-probe: ENOENT/),
    })
  })
})
