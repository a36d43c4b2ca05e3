// Test group 5.3-16: the model designation is clearly recognizable.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { each, listParam } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'designation-readable-where-required',
    decides: ['5.3-16-1a'],
    decide: each<UserInfo>((info, input) => {
      const accepted = listParam(input, 'media')
      const media = info.facts.designationMedia
      if (!media) return review(`can the model designation be read from ${accepted.join(' or ')}?`, info, ['modelDesignation'])
      const usable = media.filter((m) => accepted.includes(m))
      return usable.length
        ? pass(`${info.id}: "${info.modelDesignation}" is shown on ${usable.join(' and ')}`)
        : fail(`${info.id}: the designation is only on ${media.join(', ')}; ${input.edition.title} asks for ${accepted.join(' or ')}`)
    }, (reason) => fail(`the model designation is not documented: ${reason}`)),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-16', rules)
