// A restore done by a lab command, on the reference DUT: its profile declares no restore
// operation, and bench.restore runs a script that reinstalls the baseline through the device's
// service endpoint, as a lab's reflashing script would. The attack campaign then goes on after an
// attack the flawed device accepted, instead of stopping there.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { prepareLab } from '../../harness/lab.ts'
import { RunSession } from '../../harness/session.ts'
import { PASSWORD_ENV } from '../../sim/profile.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { campaign, type CampaignResult } from '../../suites/lib/functional/campaign.ts'

const LOCAL = 'UpdMech-LocalUpload'

/** What the lab's script does: the device's own service endpoint, with the password the profile names. */
const RESTORE_SCRIPT = `
const auth = 'Basic ' + Buffer.from('admin:' + process.env.${PASSWORD_ENV}).toString('base64')
fetch(process.argv[1] + '/api/service/restore-baseline', { method: 'POST', headers: { authorization: auth } })
  .then(async (r) => { console.log(r.status, await r.text()); process.exit(r.status === 202 ? 0 : 1) })
  .catch((e) => { console.error(e.message); process.exit(1) })
`

let setup: ReferenceSetup
const outs: string[] = []

beforeAll(async () => {
  // Installs images without a signature: the signature-removed attack gets in. Its folder (and
  // the profiles written there) goes with close().
  setup = await createReferenceSetup({ flaws: ['accept-unsigned'] })
})
afterAll(async () => {
  await setup?.close()
  await Promise.all(outs.map((d) => rm(d, { recursive: true, force: true })))
})

/** The reference profile without its restore operation, with `bench` as given. */
async function profileWith(bench: unknown, name: string): Promise<string> {
  const doc = parseDocument(await readFile(setup.profileFile, 'utf8'))
  doc.deleteIn(['operations', 'restore'])
  if (bench !== undefined) doc.set('bench', bench)
  const file = join(setup.dir, name)
  await writeFile(file, doc.toString())
  return file
}

async function runCampaign(profileFile: string): Promise<{ result: CampaignResult; evidence: string[] }> {
  const out = await mkdtemp(join(tmpdir(), 'ts701-bench-out-'))
  outs.push(out)
  const { lab } = await prepareLab(profileFile, out, setup.env)
  const session = await RunSession.start({ lab, progress: false })
  try {
    const result = await campaign(session, LOCAL)
    return { result, evidence: session.evidence.since(0).map((e) => `${e.channel}: ${e.summary}`) }
  } finally {
    await session.stop()
  }
}

const verdicts = (r: CampaignResult) => Object.fromEntries([...r.byVariant].map(([name, o]) => [name, o.verdict]))

describe('bench.restore as a lab command on the reference DUT', () => {
  it('puts the baseline back after an accepted attack, so every later attack and the control are still tried', async () => {
    const file = await profileWith(
      { restore: { command: { argv: ['node', '-e', RESTORE_SCRIPT, setup.apiUrl], timeoutMs: 30_000 } } },
      'bench.yaml',
    )
    const { result, evidence } = await runCampaign(file)
    const byVariant = verdicts(result)
    expect(byVariant['signature-removed']).toBe('FAIL')
    expect(result.byVariant.get('signature-removed')?.reason).toMatch(/^installed the signature-removed image: version 1\.0\.0 → 1\.1\.0/)
    // Nothing was left unattempted: each variant has the verdict of its own attempt.
    for (const [name, o] of result.byVariant) expect(o.reason, name).not.toMatch(/not attempted/)
    expect(byVariant['valid-image']).toBe('PASS')
    expect(Object.values(byVariant).filter((v) => v === 'PASS').length).toBeGreaterThan(3)

    const bench = evidence.filter((e) => e.startsWith('bench: '))
    expect(bench).toContainEqual(expect.stringMatching(/^bench: restore: node -e .* → exit 0 \(\d+\.\d s\)$/))
    expect(bench).toContainEqual(expect.stringMatching(/^bench: restore \(command\): the device answered again after/))
    // The script got the password the profile names; the evidence never holds it.
    expect(await readFile(join(setup.dir, 'bench.yaml'), 'utf8')).not.toContain(setup.env[PASSWORD_ENV])
    expect(JSON.stringify(evidence)).not.toContain(setup.env[PASSWORD_ENV]!)
  }, 120_000)

  it('without it (and without the restore operation) the campaign stops after the accepted attack', async () => {
    const { result } = await runCampaign(await profileWith(undefined, 'no-restore.yaml'))
    expect(verdicts(result)['signature-removed']).toBe('FAIL')
    expect(result.byVariant.get('valid-image')?.reason).toMatch(
      /^not attempted: the DUT left its baseline 1\.0\.0 after the signature-removed attempt/,
    )
  }, 120_000)
})
