/**
 * Hooks that shared helper modules need around every test and at the end of every test file.
 *
 * The harness's own tests run without module isolation (vitest.config.ts): a helper is loaded
 * once per worker, so a hook it registered at its top level would belong to the first test file
 * that imported it, and every later file would go without its cleanup. Helpers register here
 * instead; the setup file `test/setup/hooks.ts`, which vitest runs again for every test file,
 * runs them for each. Later hooks run first after a test, as vitest's own do.
 */
type Hook = () => unknown

const registry = { beforeEach: [] as Hook[], afterEach: [] as Hook[], afterFile: [] as Hook[] }

export type HookPoint = keyof typeof registry

/** Runs before each test of every test file. */
export const beforeEachTest = (hook: Hook): void => void registry.beforeEach.push(hook)

/** Runs after each test of every test file, whatever the test did. */
export const afterEachTest = (hook: Hook): void => void registry.afterEach.push(hook)

/** Runs once every test file has ended (per-file state a helper keeps: temp folders, shared fixtures). */
export const afterEachFile = (hook: Hook): void => void registry.afterFile.push(hook)

export async function runHooks(point: HookPoint): Promise<void> {
  const hooks = point === 'beforeEach' ? registry[point] : [...registry[point]].reverse()
  for (const hook of hooks) await hook()
}
