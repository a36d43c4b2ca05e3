import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Why a disk-full test cannot run here, or undefined when it can: filling a real disk is not an
 * option, so the tests mount a tiny tmpfs, which only root may do.
 */
export const tmpfsUnavailable: string | undefined =
  process.platform !== 'linux'
    ? 'a tmpfs mount needs Linux'
    : process.getuid?.() !== 0
      ? 'mounting a tmpfs needs root'
      : spawnSync('mount', ['--version']).error
        ? 'no mount command'
        : undefined

/** A fresh tmpfs of `size` (e.g. `64k`) on a temp folder; `unmount` removes it and the folder. */
export async function mountTmpfs(size: string): Promise<{ dir: string; unmount: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-tmpfs-'))
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`mount tmpfs on ${dir}: ${r.stderr || r.error?.message}`)
  return {
    dir,
    unmount: async () => {
      spawnSync('umount', [dir])
      await rm(dir, { recursive: true, force: true })
    },
  }
}
