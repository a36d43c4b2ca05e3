// Run for every test file (a setup file), so the helpers' hooks (test/hooks.ts) reach each file
// even though their modules are loaded once per worker.
import { afterAll, afterEach, beforeEach } from 'vitest'
import { runHooks } from '../hooks.ts'

beforeEach(() => runHooks('beforeEach'))
afterEach(() => runHooks('afterEach'))
afterAll(() => runHooks('afterFile'))
