#!/usr/bin/env node
// Builds dist/: compiles the TypeScript sources with tsc, copies the data files the modules read
// at run time (schemas, the catalog's editions) beside them, so dist/ keeps the source layout and
// every `new URL('./x.json', import.meta.url)` finds its file in both, then precomputes what a
// compiled run would otherwise work out on every start.
// Plain JavaScript on purpose: it runs from `prepare`, before anything TypeScript is available.
// With --if-stale it builds only when a source or data file is newer than the last build (the
// test run and `npm start` ask that way, so a checkout never runs yesterday's dist/).
// It builds into a folder of its own and swaps that in at the end, so a CLI started meanwhile finds a whole
// dist/ (the old one or the new one).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, extname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
// Per process: two test runs started at once may both find dist/ stale and build.
const next = join(root, `dist.next-${process.pid}`)
const DATA = new Set(['.json', '.yaml'])

const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'))

function newestChange(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newestChange(join(path, name))))
}
if (process.argv.includes('--if-stale')) {
  const builtAt = existsSync(join(dist, '.built')) ? statSync(join(dist, '.built')).mtimeMs : 0
  const inputs = [...include, 'tsconfig.build.json', 'tsconfig.json', 'scripts/build.mjs', 'package.json'].map((p) => join(root, p))
  if (Math.max(...inputs.map(newestChange)) <= builtAt) process.exit(0)
}

rmSync(next, { recursive: true, force: true })
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next], { stdio: 'inherit' })
if (compiled.status !== 0) process.exit(compiled.status ?? 1)

function* dataFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* dataFiles(path)
    else if (DATA.has(extname(name))) yield path
  }
}
for (const folder of include) {
  for (const file of dataFiles(join(root, folder))) {
    const target = join(next, relative(root, file))
    mkdirSync(dirname(target), { recursive: true })
    cpSync(file, target)
  }
}

const built = (module) => import(pathToFileURL(join(next, module)).href)

// Every bundled edition, resolved and checked now rather than on each start (catalog/editions.ts).
const editions = await built('catalog/editions.js')
mkdirSync(editions.PREBUILT_DIR, { recursive: true })
for (const id of editions.listEditions()) {
  writeFileSync(new URL(`${id}.json`, editions.PREBUILT_DIR), JSON.stringify(editions.loadEdition(id)))
}

// The document validators as code, instead of compiling the schemas on each start (ixit/schemas.ts).
const schemas = await built('ixit/schemas.js')
writeFileSync(schemas.PREBUILT_VALIDATORS, schemas.validatorsModule())
// The same for the DUT profile schema the bundled channels compose (profile/schema.ts).
const profileSchema = await built('profile/schema.js')
const { CHANNELS } = await built('adapters/registry.js')
writeFileSync(profileSchema.PREBUILT_VALIDATOR, profileSchema.validatorModule(CHANNELS))

// The crypto thresholds as JSON, so a run's worker loads no YAML library for them (suites/lib/crypto.ts).
const crypto = await built('suites/lib/crypto.js')
writeFileSync(crypto.PREBUILT_THRESHOLDS, JSON.stringify(crypto.readThresholdsYaml()))

// What --if-stale compares the sources against.
writeFileSync(join(next, '.built'), new Date().toISOString() + '\n')

const old = join(root, `dist.old-${process.pid}`)
try {
  renameSync(dist, old)
} catch {
  // No dist/ yet, or another build has just moved it.
}
renameSync(next, dist)
rmSync(old, { recursive: true, force: true })
