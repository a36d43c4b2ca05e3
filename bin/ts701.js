#!/usr/bin/env node
// The sources are TypeScript; tsx compiles them on load so the CLI needs no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../cli/main.ts')
const code = await main(process.argv.slice(2))
// An interrupted run has written its reports and closed what it opened; it does not wait on
// anything a device left half-open.
if (code === 130 || code === 143) process.exit(code)
process.exitCode = code
