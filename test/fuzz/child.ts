/**
 * The CI fuzz in a process of its own (lint-fuzz.test.ts starts it at idle priority): runs
 * `fuzzLint` for the iterations and seed it is given and prints the summary as one JSON line,
 * the failures without their documents (their seed and iteration replay them).
 */
import { fuzzLint } from './lint-fuzz.ts'

const [iterations, seed] = process.argv.slice(2).map(Number)
const summary = await fuzzLint({ seed: seed!, iterations: iterations! })
process.stdout.write(`${JSON.stringify({ ...summary, failures: summary.failures.map(({ bytes: _bytes, ...failure }) => failure) })}\n`)
