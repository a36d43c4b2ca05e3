/**
 * `npm run bench`: the figures of BENCHMARKS.md, each against a yardstick measured in the same
 * run on the same machine, so a slow or busy machine moves both. Prints a Markdown table to paste
 * into BENCHMARKS.md, and with `--json <file>` writes the figures.
 *
 *   npm run bench                      start-up, conceptual run, lint, full run
 *   npm run bench -- --images          also the 1 GiB image figures (several minutes)
 *   npm run bench -- --runs 5          medians of 5 instead of 3
 *
 * Runs the compiled CLI (bin/ts701.js, dist/): build first when the sources changed.
 */
import { spawnSync } from 'node:child_process'
import { cpus, totalmem, tmpdir } from 'node:os'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { writeLargeAssessment } from './large-ixit.ts'
import { measure, median, type Measured } from './measure.ts'
import { deviceWaits, type DeviceWaits } from './device-waits.ts'

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, images: { type: 'boolean', default: false }, json: { type: 'string' } },
})
const RUNS = Number(args.runs)
const EXAMPLE = 'examples/reference-dut'
const CLI = [process.execPath, 'bin/ts701.js']

interface Row {
  what: string
  measured: string
  yardstick: string
  ratio: number
  goal: string
  met: boolean
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const rows: Row[] = []
const scratch = await mkdtemp(join(tmpdir(), 'ts701-bench-'))

try {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' })
  if (built.status !== 0) throw new Error('the build failed')

  // Start-up: the CLI's help against Node starting and doing nothing.
  const bare = await median(RUNS * 2 + 1, [process.execPath, '-e', '0'])
  const help = await median(RUNS * 2 + 1, [...CLI, '--help'])
  rows.push({
    what: '`ts701 --help` (start-up)',
    measured: s(help.wallMs),
    yardstick: `bare \`node -e 0\`: ${s(bare.wallMs)}`,
    ratio: help.wallMs / bare.wallMs,
    goal: '≤ 0.2 s, ≤ 3× bare node',
    met: help.wallMs <= 200 && help.wallMs / bare.wallMs <= 3,
  })

  // A supplier's dry run: the conceptual units of the reference assessment, reports written.
  // --force: each of the runs writes over the previous one's reports.
  const conceptualOut = join(scratch, 'conceptual')
  const conceptual = await median(RUNS, [...CLI, 'run', '--conceptual-only', '--assessment', EXAMPLE, '--out', conceptualOut, '--force'])
  const lintSmall = await median(RUNS, [...CLI, 'lint', EXAMPLE])
  rows.push({
    what: '`ts701 run --conceptual-only` on the reference assessment',
    measured: `${s(conceptual.wallMs)}, ${conceptual.peakTreeRssMB} MB peak (process tree)`,
    yardstick: `\`ts701 lint\` of the same folder: ${s(lintSmall.wallMs)}`,
    ratio: conceptual.wallMs / lintSmall.wallMs,
    goal: '≤ 1.5 s, ≤ 200 MB',
    met: conceptual.wallMs <= 1500 && conceptual.peakTreeRssMB <= 200,
  })

  // lint on a device family's IXIT: 200 update mechanisms.
  const large = join(scratch, 'large')
  const { lines } = await writeLargeAssessment(EXAMPLE, large, 200)
  const lintLarge = await median(RUNS, [...CLI, 'lint', large])
  rows.push({
    what: `\`ts701 lint\` on a 200-mechanism IXIT (${lines.toLocaleString('en')} lines)`,
    measured: s(lintLarge.wallMs),
    yardstick: `the reference IXIT (2 mechanisms): ${s(lintSmall.wallMs)}`,
    ratio: lintLarge.wallMs / lintSmall.wallMs,
    goal: '≤ 1 s',
    met: lintLarge.wallMs <= 1000,
  })

  // The full assessment of the reference DUT (npm start), against the waits the device imposed in
  // that same run: the run with the median ratio of the RUNS.
  const fulls: Array<{ full: Measured; waits: DeviceWaits }> = []
  for (let i = 0; i < RUNS; i++) {
    const fullOut = join(scratch, `full-${i}`)
    const full: Measured = await measure([...CLI, 'run', '--assessment', EXAMPLE, '--out', fullOut])
    if (full.code !== 0) throw new Error(`the full run exited ${full.code}: ${full.stderr.trim().split('\n').at(-1)}`)
    fulls.push({ full, waits: deviceWaits(await readFile(join(fullOut, 'evidence', 'exchanges.jsonl'), 'utf8')) })
  }
  fulls.sort((a, b) => a.full.wallMs / a.waits.totalMs - b.full.wallMs / b.waits.totalMs)
  const { full, waits } = fulls[Math.floor(fulls.length / 2)]!
  rows.push({
    what: '`npm start`: full assessment of the reference DUT',
    measured: `${s(full.wallMs)}, ${full.peakTreeRssMB} MB peak`,
    yardstick: `device waits ${s(waits.totalMs)} (window ${s(waits.windowMs)}, restarts ${s(waits.readyMs)}, installs ${s(waits.installMs)})`,
    ratio: full.wallMs / waits.totalMs,
    goal: '≤ 15 s, ≤ 1.2× device waits',
    met: full.wallMs <= 15_000 && full.wallMs / waits.totalMs <= 1.2,
  })

  if (args.images) {
    const file = join(scratch, 'images.json')
    const images = spawnSync('npx', ['tsx', 'scripts/bench-large-image.ts', '--sizes', '1024', '--json', file], { stdio: 'inherit' })
    if (images.status !== 0) throw new Error('the image benchmark failed')
    const measured = JSON.parse(await readFile(file, 'utf8')) as unknown
    console.log('\nimage figures:', JSON.stringify(measured))
  }

  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  console.log(`\nmeasured ${new Date().toISOString().slice(0, 10)} on ${machine}; medians of ${RUNS}\n`)
  console.log('| What | Measured | Yardstick (same run) | Ratio | Goal | Met |')
  console.log('|---|---|---|---|---|---|')
  for (const r of rows)
    console.log(`| ${r.what} | ${r.measured} | ${r.yardstick} | ${r.ratio.toFixed(2)}× | ${r.goal} | ${r.met ? 'yes' : 'no'} |`)
  if (args.json) await writeFile(args.json, JSON.stringify({ machine, runs: RUNS, rows }, null, 2))
} finally {
  await rm(scratch, { recursive: true, force: true })
}
