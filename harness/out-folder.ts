/**
 * The output folder of a run (or of `ts701 report`): made, locked against a second ts701, and
 * either empty or cleared of an earlier run's files, before anything is written into it.
 */
import { createHash } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { mkdir, readdir, realpath, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { environmentFault, TEMP_FILE } from '../core/atomic-file.ts'
import { EnvironmentError } from '../core/errors.ts'
import { acquireLock, describeHolder, OUT_LOCK, type HeldLock } from '../core/lock-file.ts'

/**
 * What ts701 writes at the top of a run folder, and all `--force` may remove: the reports, the
 * manifest and its signature files, the run journal, and temporary files of an interrupted write.
 */
const OWN_FILES: readonly string[] = [
  'junit.xml',
  'results.json',
  'report.html',
  'journal.jsonl',
  'MANIFEST.sha256',
  'MANIFEST.sha256.sig',
  'MANIFEST.sha256.pub',
  'MANIFEST.sha256.crt',
]

/** The lock and what taking it leaves when a process dies half-way. */
const isLockFile = (name: string): boolean => name === OUT_LOCK || name.startsWith(`${OUT_LOCK}.`)

export interface OutFolderOptions {
  /** Remove an earlier run's files instead of refusing a folder that holds them. */
  force: boolean
  /** What the lock names as its holder, e.g. `ts701 run`. */
  command: string
  /** A DUT profile whose device the run drives: a second run must not drive it at the same time. */
  dutProfile?: string
  /** Where a note goes (a stale lock taken over, an earlier run's files removed). */
  note?: (line: string) => void
}

export interface OutFolder {
  dir: string
  /** Releases the locks; the folder and what was written stay. */
  close(): Promise<void>
}

/**
 * Makes `dir` and every missing parent, one level at a time. Node's own recursive mkdir never
 * returns where a parent exists but refuses new entries with ENOENT (`/proc/x`): it spins at full
 * CPU and cannot be interrupted. Here each level is tried at most twice.
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir)
    return
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return checkFolder(dir)
    if (code !== 'ENOENT') throw fault(err, dir)
  }
  const parent = dirname(dir)
  if (parent === dir) throw new EnvironmentError('E_OUT_CREATE', `cannot create ${dir}: no such file system root`)
  await makeFolder(parent)
  try {
    await mkdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return checkFolder(dir)
    if (code === 'ENOENT') throw new EnvironmentError('E_OUT_CREATE', `cannot create ${dir}: ${parent} accepts no new folders`)
    throw fault(err, dir)
  }
}

async function checkFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: unknown) => {
    throw fault(err, dir)
  })
  if (!info.isDirectory()) {
    throw new EnvironmentError('E_OUT_NOT_FOLDER', `--out ${dir} is a file, not a folder: choose a folder's path`)
  }
}

function fault(err: unknown, dir: string): Error {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOTDIR') return new EnvironmentError('E_OUT_NOT_FOLDER', `cannot create ${dir}: a part of that path is a file`)
  return environmentFault(err, dir, 'cannot create') ?? new EnvironmentError('E_OUT_CREATE', `cannot create ${dir}: ${String(code ?? err)}`)
}

/** Regular files only, for `evidence/`: the logs ts701 appends to. */
async function onlyFiles(dir: string, test: (name: string) => boolean): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true })
  return entries.every((e) => e.isFile() && test(e.name))
}

/**
 * Whether `entry` at the top of the folder is ts701's own: a report, the pack files, the journal,
 * `evidence/` holding only its logs, `work/` holding only the derived attack images in `attacks/`.
 */
async function isOwn(dir: string, entry: Dirent): Promise<boolean> {
  const path = join(dir, entry.name)
  if (entry.isFile()) return OWN_FILES.includes(entry.name) || TEMP_FILE.test(entry.name) || isLockFile(entry.name)
  if (!entry.isDirectory()) return false
  if (entry.name === 'evidence') return onlyFiles(path, (n) => n.endsWith('.jsonl') || TEMP_FILE.test(n))
  if (entry.name === 'work') {
    const inside = await readdir(path, { withFileTypes: true })
    return inside.every((e) => e.isDirectory() && e.name === 'attacks')
  }
  return false
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ')
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown
}

/** Empties the folder of an earlier run's files with `force`, else refuses it. Never touches another file. */
async function clear(dir: string, force: boolean, note?: (line: string) => void): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !isLockFile(e.name))
  if (entries.length === 0) return
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort()
  if (!force) {
    throw new EnvironmentError(
      'E_OUT_NOT_EMPTY',
      `--out ${dir} is not empty (${listed(names)}): choose an empty or new folder, or give --force to replace an earlier run's files`,
    )
  }
  const foreign: string[] = []
  for (const e of entries) if (!(await isOwn(dir, e))) foreign.push(e.isDirectory() ? `${e.name}/` : e.name)
  if (foreign.length) {
    throw new EnvironmentError(
      'E_OUT_FOREIGN',
      `--out ${dir} holds files ts701 did not write (${listed(foreign.sort())}); --force removes only an earlier run's files: choose another folder`,
    )
  }
  for (const e of entries)
    await rm(join(dir, e.name), { recursive: true, force: true }).catch((err: unknown) => {
      throw environmentFault(err, join(dir, e.name), 'cannot remove') ?? err
    })
  note?.(`--force: removed the earlier files of ${dir} (${listed(names)})`)
}

/** The lock on a device, kept where every lab machine can write: one per DUT profile, by its real path. */
export function dutLockFile(realProfile: string): string {
  return join(tmpdir(), `ts701-dut-${createHash('sha256').update(realProfile).digest('hex').slice(0, 32)}.lock`)
}

async function lock(file: string, command: string, note: ((line: string) => void) | undefined, busy: (holder: string) => EnvironmentError) {
  const got = await acquireLock(file, command).catch((err: unknown) => {
    throw environmentFault(err, file, 'cannot create the lock') ?? err
  })
  if ('busy' in got) throw busy(describeHolder(got.info))
  if (got.tookOver) note?.(`took over ${file}, left by ${describeHolder(got.tookOver)}, which has ended`)
  return got
}

/**
 * Makes `dir`, locks it, and makes sure it holds nothing (see `clear`); with `dutProfile`, also
 * locks that device. Every failure is an `EnvironmentError` naming the path (exit code 3), and
 * whatever was locked by then is released.
 */
export async function openOutFolder(dir: string, options: OutFolderOptions): Promise<OutFolder> {
  const out = resolve(dir)
  await makeFolder(out)
  const locks: HeldLock[] = []
  const close = async (): Promise<void> => {
    for (const l of locks.splice(0).reverse()) await l.release()
  }
  try {
    const lockFile = join(out, OUT_LOCK)
    locks.push(
      await lock(
        lockFile,
        options.command,
        options.note,
        (holder) =>
          new EnvironmentError('E_OUT_LOCKED', `--out ${dir} is in use by another ts701, ${holder}: wait for it, or choose another folder`),
      ),
    )
    await clear(dir, options.force, options.note)
    if (options.dutProfile) {
      // A profile that cannot be read is reported by its loader, with its findings.
      const real = await realpath(options.dutProfile).catch(() => undefined)
      if (real) {
        locks.push(
          await lock(
            dutLockFile(real),
            options.command,
            options.note,
            (holder) =>
              new EnvironmentError(
                'E_PROFILE_LOCKED',
                `the device of ${options.dutProfile} is being tested by another ts701, ${holder}: wait for it to end`,
              ),
          ),
        )
      }
    }
  } catch (err) {
    await close()
    throw err
  }
  return { dir, close }
}
