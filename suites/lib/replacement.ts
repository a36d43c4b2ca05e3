import { fail, review, type Outcome } from '../../harness/rule.ts'
import type { ReplSup } from '../../ixit/types.ts'
import { each } from './each.ts'

/** 9-ReplSup: suitability of isolation and replacement methods is the assessor's call. */
export const isolationSuitable = each<ReplSup>(
  (r) => review('is the isolation method suitable, losing no more than connectivity?', r, ['isolation']),
  (reason): Outcome => fail(`no isolation method is documented: ${reason}`),
)

export const replacementSuitable = each<ReplSup>(
  (r) => review('is the hardware replacement method suitable for regaining the functionality?', r, ['hardwareReplacement']),
  (reason): Outcome => fail(`no hardware replacement method is documented: ${reason}`),
)
