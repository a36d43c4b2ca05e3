#!/usr/bin/env node
// `npm run check`: the type check, ESLint and the Prettier check, side by side. Each is one Node
// process of about 20 CPU seconds that mostly waits on nothing, so together they take the time of
// the slowest on two cores, not the sum (47 s → about 30 s before every test run).
// Each tool's output is printed whole when it ends, so the lines of one never mix with another's.
// Plain JavaScript, like build.mjs: it runs before anything else is known to work.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)

const TOOLS = [
  ['tsc', ['--noEmit']],
  ['eslint', ['.']],
  ['prettier', ['--check', '.']],
]

function run([name, args]) {
  return new Promise((resolve) => {
    const child = spawn(bin(name), args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => out.push(d))
    child.on('error', (e) => resolve({ name, code: 1, text: `${name}: ${e.message}\n` }))
    child.on('close', (code, signal) => resolve({ name, code: code ?? 1, signal, text: Buffer.concat(out).toString() }))
  }).then((r) => {
    const status = r.code === 0 ? 'ok' : r.signal ? `stopped by ${r.signal}` : `exit ${r.code}`
    process.stdout.write(`> ${r.name} ${args.join(' ')}: ${status}\n${r.code === 0 ? '' : r.text}`)
    return r.code === 0
  })
}

const results = await Promise.all(TOOLS.map(run))
process.exit(results.every(Boolean) ? 0 : 1)
