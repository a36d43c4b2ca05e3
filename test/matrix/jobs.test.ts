import { describe, expect, it } from 'vitest'
import { describeMatrix } from './matrix.ts'

const matrix = describeMatrix('jobs')

// The jobs agent answers no lab API: checks and outcomes come from what it publishes, restarts
// and reflashes from the bench.
describe('the MQTT jobs agent, judged from what it publishes', () => {
  it('the conformant agent: only its own topics, job notifications and the bench were used', async () => {
    const summaries = (await matrix.run().allEvidence()).map((e) => e.summary)
    expect(summaries.filter((s) => /cmd\/(identify|update\/status|reboot|factory-reset|service)/.test(s))).toEqual([])
    expect(summaries.some((s) => /^power-off: bash bench\.sh power-off → exit 0/.test(s))).toBe(true)
    expect(summaries.some((s) => /^power-on: bash bench\.sh power-on → exit 0/.test(s))).toBe(true)
    expect(summaries.some((s) => /^restore: bash bench\.sh reflash-baseline → exit 0/.test(s))).toBe(true)
    expect(summaries.some((s) => /jobs\/notify-next/.test(s))).toBe(true)
    expect(summaries.some((s) => /observed ts701\/ts701-ref-hw1\/jobs\/[^/]+\/update: \{"status":"SUCCEEDED"/.test(s))).toBe(true)
  })

  it('no-boot-check: 5.3-5-2a FAILs on the check announcements the agent published', async () => {
    const run = matrix.run('no-boot-check')
    expect(run.failed).toContain('5.3-5-2a')
    const cited = (await run.evidence('5.3-5-2a')).map((e) => e.summary)
    expect(cited.some((s) => s.startsWith('observed ts701/ts701-ref-hw1/jobs/get: '))).toBe(true)
  })
})
