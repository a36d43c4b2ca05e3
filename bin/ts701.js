#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` and `npm install` run).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('ts701: the CLI is not built yet: run `npm run build` in the ts701 folder\n')
  process.exit(4)
}
const { main } = await import(entry.href)
const code = await main(process.argv.slice(2))
// An interrupted run has written its reports and closed what it opened; it does not wait on
// anything a device left half-open.
if (code === 130 || code === 143) process.exit(code)
process.exitCode = code
