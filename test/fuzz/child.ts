/**
 * Part of the CI fuzz in a process of its own (lint-fuzz.test.ts starts them at idle priority):
 * runs `fuzzLint` for the iterations, seed and first iteration it is given and prints the summary
 * as one JSON line, the failures without their documents (their seed and iteration replay them).
 */
import { fuzzLint } from './lint-fuzz.ts'

const [iterations, seed, first] = process.argv.slice(2).map(Number)
const summary = await fuzzLint({ seed: seed!, iterations: iterations!, first: first! })
process.stdout.write(`${JSON.stringify({ ...summary, failures: summary.failures.map(({ bytes: _bytes, ...failure }) => failure) })}\n`)
