// Every rule and functional check of every test group, for use outside a vitest run.
import type { FunctionalCheck } from '../harness/functional.ts'
import type { Rule } from '../harness/rule.ts'
import { rules as g1, checks as g1c } from './5.3-1.ts'
import { rules as g2, checks as g2c } from './5.3-2.ts'
import { rules as g3 } from './5.3-3.ts'
import { rules as g4 } from './5.3-4.ts'
import { rules as g4A, checks as g4Ac } from './5.3-4A.ts'
import { rules as g4B, checks as g4Bc } from './5.3-4B.ts'
import { rules as g5, checks as g5c } from './5.3-5.ts'
import { rules as g6, checks as g6c } from './5.3-6.ts'
import { rules as g6A, checks as g6Ac } from './5.3-6A.ts'
import { rules as g6B, checks as g6Bc } from './5.3-6B.ts'
import { rules as g7 } from './5.3-7.ts'
import { rules as g8 } from './5.3-8.ts'
import { rules as g9, checks as g9c } from './5.3-9.ts'
import { rules as g10, checks as g10c } from './5.3-10.ts'
import { rules as g11 } from './5.3-11.ts'
import { rules as g12 } from './5.3-12.ts'
import { rules as g13, checks as g13c } from './5.3-13.ts'
import { rules as g14, checks as g14c } from './5.3-14.ts'
import { rules as g15 } from './5.3-15.ts'
import { rules as g15A } from './5.3-15A.ts'
import { rules as g15B } from './5.3-15B.ts'
import { rules as g16, checks as g16c } from './5.3-16.ts'

export const ALL_RULES: readonly Rule[] = [
  ...g1,
  ...g2,
  ...g3,
  ...g4,
  ...g4A,
  ...g4B,
  ...g5,
  ...g6,
  ...g6A,
  ...g6B,
  ...g7,
  ...g8,
  ...g9,
  ...g10,
  ...g11,
  ...g12,
  ...g13,
  ...g14,
  ...g15,
  ...g15A,
  ...g15B,
  ...g16,
]

export const ALL_CHECKS: readonly FunctionalCheck[] = [
  ...g1c,
  ...g2c,
  ...g4Ac,
  ...g4Bc,
  ...g5c,
  ...g6c,
  ...g6Ac,
  ...g6Bc,
  ...g9c,
  ...g10c,
  ...g13c,
  ...g14c,
  ...g16c,
]
