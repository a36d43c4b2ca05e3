import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../../core/atomic-file.ts'
import { EnvironmentError } from '../../core/errors.ts'
import { OUT_LOCK, type LockInfo } from '../../core/lock-file.ts'
import { openOutFolder, type OutFolder } from '../../harness/out-folder.ts'
import { listFolder } from '../../pack/files.ts'
import { mountTmpfs, tmpfsUnavailable } from './tmpfs.ts'

const temps: string[] = []
const temp = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-out-folder-'))
  temps.push(dir)
  return dir
}
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true })
})

const open = (dir: string, force = false, extra: { dutProfile?: string; note?: (l: string) => void } = {}): Promise<OutFolder> =>
  openOutFolder(dir, { force, command: 'test', ...extra })

/** The error `promise` rejects with, for matching its code and message. */
async function failure(promise: Promise<unknown>): Promise<EnvironmentError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EnvironmentError)
  return err as EnvironmentError
}

/** The pid of a process that has ended: no process of this host holds it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}

const lockOf = (pid: number, host = hostname()): string =>
  JSON.stringify({ pid, host, startedAt: '2025-01-01T00:00:00.000Z', command: 'ts701 run' } satisfies LockInfo)

/** A folder as a device run leaves it. */
async function earlierRun(dir: string): Promise<void> {
  await mkdir(join(dir, 'evidence'), { recursive: true })
  await mkdir(join(dir, 'work', 'attacks'), { recursive: true })
  for (const f of ['junit.xml', 'results.json', 'report.html', 'MANIFEST.sha256', 'MANIFEST.sha256.sig', 'journal.jsonl']) {
    await writeFile(join(dir, f), 'old\n')
  }
  await writeFile(join(dir, 'evidence', 'exchanges.jsonl'), '{"id":"E000001"}\n')
  await writeFile(join(dir, 'work', 'attacks', 'payload-byte.img'), 'x')
}

describe('openOutFolder', () => {
  it('makes the folder and its parents, locks it with this pid, and unlocks it on close', async () => {
    const dir = join(await temp(), 'a', 'b', 'run')
    const folder = await open(dir)
    const lock = JSON.parse(await readFile(join(dir, OUT_LOCK), 'utf8')) as LockInfo
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), command: 'test' })
    await folder.close()
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a folder another live process has locked, naming its pid, and leaves its lock alone', async () => {
    const dir = await temp()
    const first = await open(dir)
    const err = await failure(open(dir))
    expect(err.code).toBe('E_OUT_LOCKED')
    expect(err.message).toContain(`pid ${process.pid}`)
    expect(existsSync(join(dir, OUT_LOCK))).toBe(true)
    await first.close()
    await (await open(dir)).close()
  })

  it('takes over the lock of a process that has ended, with a note', async () => {
    const dir = await temp()
    const pid = deadPid()
    await writeFile(join(dir, OUT_LOCK), lockOf(pid))
    const notes: string[] = []
    const folder = await open(dir, false, { note: (l) => notes.push(l) })
    expect(notes.join('\n')).toMatch(new RegExp(`took over .*${OUT_LOCK}.*pid ${pid}`))
    expect((JSON.parse(await readFile(join(dir, OUT_LOCK), 'utf8')) as LockInfo).pid).toBe(process.pid)
    await folder.close()
  })

  it("never takes over another host's lock: whether that process lives cannot be seen from here", async () => {
    const dir = await temp()
    await writeFile(join(dir, OUT_LOCK), lockOf(deadPid(), 'another-lab-pc'))
    const err = await failure(open(dir))
    expect(err.code).toBe('E_OUT_LOCKED')
    expect(err.message).toContain('on another-lab-pc')
  })

  it('refuses a folder with files in it without force, and unlocks it again', async () => {
    const dir = await temp()
    await earlierRun(dir)
    const err = await failure(open(dir))
    expect(err.code).toBe('E_OUT_NOT_EMPTY')
    expect(err.message).toContain('--force')
    expect(existsSync(join(dir, OUT_LOCK))).toBe(false)
    expect(await readFile(join(dir, 'results.json'), 'utf8')).toBe('old\n')
  })

  it("with force removes an earlier run's files: reports, pack files, journal, evidence and attack images", async () => {
    const dir = await temp()
    await earlierRun(dir)
    await writeFile(join(dir, '.results.json.123.0123456789ab.tmp'), 'torn')
    const notes: string[] = []
    const folder = await open(dir, true, { note: (l) => notes.push(l) })
    expect((await readdir(dir)).sort()).toEqual([OUT_LOCK])
    expect(notes.join('\n')).toContain('removed the earlier files')
    await folder.close()
  })

  it.each([
    ['a file of its own at the top', 'notes.txt'],
    ['a folder of its own', 'photos/a.jpg'],
    ['a file in evidence/ that is no log', 'evidence/bench-photo.jpg'],
    ['something in work/ besides attacks/', 'work/thesis.tex'],
  ])('with force still refuses a folder holding %s, and removes nothing', async (_, foreign) => {
    const dir = await temp()
    await earlierRun(dir)
    await mkdir(join(dir, foreign, '..'), { recursive: true })
    await writeFile(join(dir, foreign), 'mine')
    const err = await failure(open(dir, true))
    expect(err.code).toBe('E_OUT_FOREIGN')
    expect(err.message).toContain(foreign.split('/')[0]!)
    expect(await readFile(join(dir, foreign), 'utf8')).toBe('mine')
    expect(await readFile(join(dir, 'evidence', 'exchanges.jsonl'), 'utf8')).toContain('E000001')
    expect(existsSync(join(dir, OUT_LOCK))).toBe(false)
  })

  it('refuses a path that is a file, or lies below one', async () => {
    const file = join(await temp(), 'results')
    await writeFile(file, 'x')
    expect((await failure(open(file))).code).toBe('E_OUT_NOT_FOLDER')
    expect((await failure(open(join(file, 'run')))).code).toBe('E_OUT_NOT_FOLDER')
    expect(await readFile(file, 'utf8')).toBe('x')
  })

  it.skipIf(!existsSync('/proc/self'))(
    'refuses a place no folder can be made (/proc) at once, where a recursive mkdir spins forever',
    { timeout: 5_000 },
    async () => {
      const err = await failure(open('/proc/ts701-nothing/run'))
      expect(err.code).toBe('E_OUT_CREATE')
      expect(err.message).toContain('/proc/ts701-nothing')
    },
  )

  it('locks the device of a DUT profile, whatever folder a second run writes to', async () => {
    const dir = await temp()
    const profile = join(dir, 'dut.yaml')
    await writeFile(profile, 'x')
    const first = await open(join(dir, 'one'), false, { dutProfile: profile })
    const err = await failure(open(join(dir, 'two'), false, { dutProfile: join(dir, '.', 'dut.yaml') }))
    expect(err.code).toBe('E_PROFILE_LOCKED')
    expect(err.message).toContain(`pid ${process.pid}`)
    // The out folder the refused run had locked is free again.
    expect(existsSync(join(dir, 'two', OUT_LOCK))).toBe(false)
    await first.close()
    await (await open(join(dir, 'two'), false, { dutProfile: profile })).close()
  })
})

describe('the evidence pack', () => {
  it('neither lists nor seals the lock of the run writing the folder', async () => {
    const dir = await temp()
    const folder = await open(dir)
    await writeFile(join(dir, 'results.json'), '{}')
    expect((await listFolder(dir)).files).toEqual(['results.json'])
    await folder.close()
  })
})

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file', async () => {
    const dir = await temp()
    const file = join(dir, 'results.json')
    await writeFile(file, 'old')
    await writeFileAtomic(file, 'new')
    expect(await readFile(file, 'utf8')).toBe('new')
    expect(await readdir(dir)).toEqual(['results.json'])
  })

  describe.skipIf(tmpfsUnavailable !== undefined)(`on a full disk (${tmpfsUnavailable ?? 'a 64 KiB tmpfs'})`, () => {
    it('fails as an EnvironmentError naming the file, keeps the old file and leaves no partial one', async () => {
      const disk = await mountTmpfs('64k')
      try {
        const file = join(disk.dir, 'report.html')
        await writeFile(file, 'old')
        const err = await failure(writeFileAtomic(file, Buffer.alloc(256 * 1024, 'a')))
        expect(err.code).toBe('E_WRITE')
        expect(err.message).toBe(`cannot write ${file}: no space left on the device (disk full)`)
        expect(await readFile(file, 'utf8')).toBe('old')
        expect(await readdir(disk.dir)).toEqual(['report.html'])
      } finally {
        await disk.unmount()
      }
    })
  })
})
