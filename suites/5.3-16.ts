// Test group 5.3-16: the model designation is clearly recognizable.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck, Observation } from '../harness/functional.ts'
import type { Session } from './lib/functional/session.ts'
import { each, listParam } from './lib/each.ts'
import { perEntry } from './lib/functional/check.ts'
import { required } from '../harness/observe/types.ts'

export const rules: Rule[] = [
  {
    name: 'designation-readable-where-required',
    decides: ['5.3-16-1a'],
    decide: each<UserInfo>(
      (info, input) => {
        const accepted = listParam(input, 'media')
        const media = info.facts.designationMedia
        if (!media) return review(`can the model designation be read from ${accepted.join(' or ')}?`, info, ['modelDesignation'])
        const usable = media.filter((m) => accepted.includes(m))
        return usable.length
          ? pass(`${info.id}: "${info.modelDesignation}" is shown on ${usable.join(' and ')}`)
          : fail(`${info.id}: the designation is only on ${media.join(', ')}; ${input.edition.title} asks for ${accepted.join(' or ')}`)
      },
      (reason) => fail(`the model designation is not documented: ${reason}`),
    ),
  },
]

/** Printable text without markup or control characters: what a person can read off a screen. */
const PLAIN = /^[^\u0000-\u001f\u007f<>]+$/

/** The designation as the device gives it: where the profile says it shows (a boot banner, the server inventory), identify otherwise. */
async function designation(s: Session): Promise<{ model: string; source: string; evidence: string[] }> {
  return s.once('model-designation', async () => {
    const mark = s.evidence.mark()
    const seen = s.profile.observe?.model ? required(await s.observe.model(), 'model') : undefined
    const model = seen ? seen.value : (await s.dut.identify()).model
    const evidence = [...(seen?.evidence ?? []), ...s.evidence.since(mark).map((e) => e.id)]
    return { model, source: seen?.source ?? 'the identify operation', evidence }
  })
}

export const checks: FunctionalCheck[] = [
  {
    name: 'designation-obtained-as-described',
    decides: ['5.3-16-2a'],
    run: perEntry<UserInfo>(async (s, info): Promise<Observation> => {
      const { model, source, evidence } = await designation(s)
      const media = info.facts.designationMedia
      // ts701 reads the device over its interfaces; a designation only on a type label is read by a person.
      if (media && !media.some((m) => m !== 'label')) {
        return {
          verdict: 'INCONCLUSIVE',
          review: true,
          reason: `the IXIT places the designation on a label only: a person reads it there (${source} gave ${JSON.stringify(model)})`,
          evidence,
        }
      }
      return { verdict: 'PASS', reason: `the designation was obtained from ${source}: ${JSON.stringify(model)}`, evidence }
    }),
  },
  {
    name: 'designation-plain-and-as-documented',
    decides: ['5.3-16-2b'],
    run: perEntry<UserInfo>(async (s, info): Promise<Observation> => {
      const { model, evidence } = await designation(s)
      if (!PLAIN.test(model))
        return { verdict: 'FAIL', reason: `the DUT reports its model as ${JSON.stringify(model)}, which is not plain text`, evidence }
      return model.trim() === info.modelDesignation.trim()
        ? { verdict: 'PASS', reason: `the DUT reports "${model}", as the IXIT states`, evidence }
        : { verdict: 'FAIL', reason: `the DUT reports "${model}", the IXIT states "${info.modelDesignation}"`, evidence }
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
