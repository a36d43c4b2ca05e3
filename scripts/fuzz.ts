/**
 * A longer fuzz of `ts701 lint` than CI runs: `npm run fuzz -- [iterations] [seed] [--from n]`.
 * Each failure is printed with its seed and iteration, and the document that caused it is written
 * to <tmp>/ts701-fuzz-failures/ for reproduction (`--from <iteration>` with 1 iteration replays exactly it).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fuzzLint } from '../test/fuzz/lint-fuzz.ts'

const args = process.argv.slice(2)
const fromAt = args.indexOf('--from')
const first = fromAt >= 0 ? Number(args.splice(fromAt, 2)[1]) : 0
const iterations = Number(args[0] ?? 100_000)
const seed = Number(args[1] ?? Math.floor(Math.random() * 2 ** 31))
if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(seed) || !Number.isInteger(first) || first < 0) {
  console.error('usage: npm run fuzz -- [iterations] [seed] [--from iteration]')
  process.exit(3)
}

const out = join(tmpdir(), 'ts701-fuzz-failures')
console.log(`fuzzing lint: ${iterations} documents from iteration ${first}, seed ${seed}`)
const summary = await fuzzLint({
  seed,
  iterations,
  first,
  onFailure: async (f) => {
    await mkdir(out, { recursive: true })
    const file = join(out, `seed-${f.seed}-iteration-${f.iteration}-${basename(f.document)}`)
    await writeFile(file, f.bytes)
    console.log(`FAIL seed ${f.seed} iteration ${f.iteration}: ${f.document} (${f.what}), document in ${file}`)
    console.log(`  ${f.problem.split('\n').join('\n  ')}`)
    console.log(`  replay: npm run fuzz -- 1 ${f.seed} --from ${f.iteration}`)
  },
})
console.log(
  `${summary.iterations} documents in ${(summary.ms / 1000).toFixed(1)} s (${summary.viaMain} through the whole command), ${summary.rejected} refused, ${summary.failures.length} failures`,
)
process.exit(summary.failures.length ? 1 : 0)
