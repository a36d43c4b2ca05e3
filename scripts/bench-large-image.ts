/**
 * Large images are streamed, never held, and move about as fast as the machine hashes: derives
 * every attack from a valid image of a given size and serves each one (and the valid image)
 * through the update-server emulator to a client that hashes what it receives, then reports the
 * throughput against yardsticks measured in the same run on the same file, and the peak resident
 * memory of the process that did it. Each measurement runs in a child process of its own, so its
 * peak is its own.
 *
 *   npx tsx scripts/bench-large-image.ts                 raw and swu, 16 MiB and 1024 MiB
 *   npx tsx scripts/bench-large-image.ts --sizes 1024 --formats raw,swu --json bench-images.json
 *
 * The figure (BENCHMARKS.md, "Large images"): MiB derived and served per second, over the whole
 * measurement (hashing the valid image, deriving every attack, offering each image and serving it),
 * where derived MiB are the bytes of the attack files written and served MiB the body bytes the
 * emulator sent; divided by the throughput of `sha256sum` on the valid image (the faster of a run
 * before and one after the measurement). The serving part alone is also set against a loopback
 * `curl` download of the valid image from the same emulator.
 *
 * Prints a table, then one line of JSON (the same object `--json <file>` writes). Exits 1 when a
 * peak exceeds the budget (300 MB), or a served image hashes differently from the file it stands
 * for. Needs curl and sha256sum (the yardsticks), and openssl and cpio for the swu images
 * (scripts/system-deps.sh).
 */
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ImageSource } from '../core/dut.ts'
import { UpdateServerEmulator } from '../emulator/index.ts'
import { deriveAttacks } from '../fixtures/attacks.ts'
import type { FormatName } from '../fixtures/formats/index.ts'
import { imageSource } from '../fixtures/source.ts'
import { packSignedSwu, vendorCertificate } from '../test/fixtures/swu-build.ts'

const run = promisify(execFile)
const MIB = 1024 * 1024
const BUDGET_MB = 300
/** The goal for a 1 GiB raw image: derived + served MiB/s at least this share of sha256sum's. */
const GOAL_RATIO = 0.8

/** What the child process measures. */
interface ChildResult {
  attacks: number
  derivedBytes: number
  servedBytes: number
  /** Seconds of each phase: hashing the valid image, deriving the attacks, offering and serving every image. */
  phases: { hashValid: number; derive: number; serve: number }
  /** CPU seconds of the measuring process (the client's not included) in each phase: user, system. */
  cpu: { hashValid: [number, number]; derive: [number, number]; serve: [number, number] }
  seconds: number
  peakRssMB: number
  /** Seconds of each loopback `curl -o /dev/null` of the valid image from the same emulator, after the measurement. */
  curlSeconds: number[]
}

interface Measurement {
  format: FormatName
  sizeMiB: number
  imageMiB: number
  attacks: number
  derivedMiB: number
  servedMiB: number
  seconds: number
  phases: ChildResult['phases']
  cpu: ChildResult['cpu']
  /** (derived + served MiB) / seconds. */
  mibPerSecond: number
  /** Serving alone: served MiB / serve seconds (offers included). */
  serveMiBPerSecond: number
  yardsticks: {
    /** `sha256sum <valid image>`: the faster of one run before and one after the measurement. */
    sha256sumMiBPerSecond: number
    sha256sumSeconds: number[]
    /** Loopback `curl -o /dev/null` of the valid image from the emulator: the fastest of its runs. */
    curlMiBPerSecond: number
    curlSeconds: number[]
    /** For reference, not a yardstick: `openssl dgst -sha256` (SHA extensions where the CPU has them), once. */
    opensslSha256MiBPerSecond: number
  }
  /** mibPerSecond ÷ sha256sum MiB/s: the figure. */
  ratio: number
  /** serveMiBPerSecond ÷ curl MiB/s. */
  serveRatio: number
  peakRssMB: number
  /** ratio ≥ GOAL_RATIO and peakRssMB ≤ BUDGET_MB (the goal is set for 1 GiB raw images). */
  meetsGoal: boolean
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

/** `sizeMiB` of bytes that do not compress, written 1 MiB at a time. */
async function payload(path: string, sizeMiB: number): Promise<string> {
  const out = createWriteStream(path)
  const hash = createHash('sha256')
  const block = randomBytes(MIB)
  for (let i = 0; i < sizeMiB; i++) {
    block.writeUInt32LE(i, 0)
    hash.update(block)
    if (!out.write(block)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return hash.digest('hex')
}

/** The valid image: the bytes alone (raw), or a signed SWUpdate image around them (swu). */
async function build(dir: string, format: FormatName, sizeMiB: number): Promise<string> {
  if (format === 'raw') {
    await payload(join(dir, 'valid.img'), sizeMiB)
    return join(dir, 'valid.img')
  }
  const work = join(dir, 'swu')
  await mkdir(work)
  const sha256 = await payload(join(work, 'rootfs.img'), sizeMiB)
  const description = `software =\n{\n\tversion = "1.1.0";\n\thardware-compatibility: [ "1.0" ];\n\timages: (\n\t\t{\n\t\t\tfilename = "rootfs.img";\n\t\t\ttype = "raw";\n\t\t\tdevice = "/dev/null";\n\t\t\tsha256 = "${sha256}";\n\t\t}\n\t);\n}\n`
  await writeFile(join(work, 'sw-description'), description)
  const [key, cert] = [join(work, 'vendor.key'), join(work, 'vendor.crt')]
  await vendorCertificate({ cert, key }, { subject: 'bench vendor', ec: true })
  const image = join(dir, 'valid.swu')
  await packSignedSwu(work, { cert, key }, image)
  await rm(join(work, 'rootfs.img'))
  return image
}

/** Seconds a command takes; its output is discarded. */
async function timed(file: string, args: string[]): Promise<number> {
  const started = performance.now()
  await run(file, args, { maxBuffer: 1024 * 1024 })
  return (performance.now() - started) / 1000
}

/**
 * The device's side, a process of its own (so on the other core, and outside the measured peak,
 * as a device would be): downloads a URL, hashing what arrives and keeping none of it. One
 * download at a time.
 */
class Client {
  private readonly child = spawn(
    process.execPath,
    [
      '-e',
      `const { get } = require('node:http')
      const { createHash } = require('node:crypto')
      process.send({ ready: true })
      process.on('message', (url) => {
        const fail = (e) => process.send({ error: e.message })
        get(url, (res) => {
          const hash = createHash('sha256')
          let bytes = 0
          res.on('data', (chunk) => {
            hash.update(chunk)
            bytes += chunk.length
          })
          res.on('end', () => process.send({ status: res.statusCode, sha256: hash.digest('hex'), bytes }))
          res.on('error', fail)
        }).on('error', fail)
      })`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )

  /** Resolves once the client process is up, so that its start is not measured. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.once('message', () => resolve())
      this.child.once('error', reject)
    })
  }

  download(url: string): Promise<{ status: number; sha256: string; bytes: number }> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { error?: string; status: number; sha256: string; bytes: number }) =>
        m.error === undefined ? resolve(m) : reject(new Error(`${url}: ${m.error}`)),
      )
      this.child.send(url)
    })
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill()
    await exited
  }
}

/** User and system CPU seconds between two `process.cpuUsage()` readings. */
function cpuBetween(a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): [number, number] {
  return [round((b.user - a.user) / 1e6, 2), round((b.system - a.system) / 1e6, 2)]
}

/** In the child: hash, derive, serve, then the curl yardstick; prints the ChildResult as JSON. */
async function measure(format: FormatName, image: string): Promise<void> {
  const client = new Client()
  try {
    await client.ready()
    await measureWith(client, format, image)
  } finally {
    await client.close()
  }
}

async function measureWith(client: Client, format: FormatName, image: string): Promise<void> {
  const cpu = [process.cpuUsage()]
  const t0 = performance.now()
  const dir = join(image, '..')
  const valid = await imageSource({ file: image }, 'valid-image')
  const t1 = performance.now()
  cpu.push(process.cpuUsage())
  const attacks = await deriveAttacks({ format, valid, workDir: join(dir, 'attacks') })
  const t2 = performance.now()
  cpu.push(process.cpuUsage())
  const emulator = await UpdateServerEmulator.start({
    host: '127.0.0.1',
    port: 0,
    imagePath: '/images/{{image.name}}',
    routes: [{ name: 'image', method: 'GET', path: '/images/:name', status: 200, serve: 'image' }],
  })
  try {
    const servedBytes = await serveAll(emulator, client, [valid, ...attacks.map((a) => a.image)])
    const t3 = performance.now()
    cpu.push(process.cpuUsage())
    // The yardstick: the same emulator serving the valid image to a client that only receives.
    await emulator.offer({ ...valid, version: '1.1.0' })
    const url = `${emulator.url}/images/${encodeURIComponent(valid.name)}`
    const curlSeconds: number[] = []
    for (let i = 0; i < 3; i++) curlSeconds.push(await timed('curl', ['-sS', '--fail', '-o', '/dev/null', url]))
    const result: ChildResult = {
      attacks: attacks.length,
      derivedBytes: attacks.reduce((n, a) => n + a.image.size, 0),
      servedBytes,
      phases: { hashValid: (t1 - t0) / 1000, derive: (t2 - t1) / 1000, serve: (t3 - t2) / 1000 },
      cpu: { hashValid: cpuBetween(cpu[0]!, cpu[1]!), derive: cpuBetween(cpu[1]!, cpu[2]!), serve: cpuBetween(cpu[2]!, cpu[3]!) },
      seconds: (t3 - t0) / 1000,
      // maxRSS is in KiB.
      peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
      curlSeconds,
    }
    console.log(JSON.stringify(result))
  } finally {
    await emulator.close()
  }
}

/**
 * Offers each image in turn and has the client download it; the served bytes must hash as the
 * image says, and the emulator must have recorded all of them sent. Returns the bytes sent.
 */
async function serveAll(emulator: UpdateServerEmulator, client: Client, images: ImageSource[]): Promise<number> {
  let servedBytes = 0
  for (const offered of images) {
    const since = Date.now()
    await emulator.offer({ ...offered, version: '1.1.0' })
    const path = `/images/${encodeURIComponent(offered.name)}`
    const got = (await client.download(`${emulator.url}${path}`)).sha256
    const hit = await emulator.waitForHit((h) => h.path === path && h.status === 200, { timeoutMs: 10_000, since })
    emulator.withdraw()
    if (got !== offered.sha256) throw new Error(`${offered.name}: served bytes hash ${got}, the file ${offered.sha256}`)
    if (!hit?.completed || hit.bytesSent !== offered.size)
      throw new Error(`${offered.name}: the emulator recorded ${hit?.bytesSent ?? 'no'} bytes sent of ${offered.size}`)
    servedBytes += hit.bytesSent
  }
  return servedBytes
}

function child(format: FormatName, image: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--measure', format, image], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    c.stdout.on('data', (d: Buffer) => (out += d.toString()))
    c.on('error', reject)
    c.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the measurement of ${format} ${image} exited ${code}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult)
    })
  })
}

/** One row: the yardsticks around the child's measurement, on the same file. */
async function row(format: FormatName, sizeMiB: number, image: string): Promise<Measurement> {
  const imageMiB = (await stat(image)).size / MIB
  const before = await timed('sha256sum', [image])
  const openssl = await timed('openssl', ['dgst', '-sha256', image])
  const m = await child(format, image)
  const after = await timed('sha256sum', [image])
  const sha256sum = imageMiB / Math.min(before, after)
  const curl = imageMiB / Math.min(...m.curlSeconds)
  const derivedMiB = m.derivedBytes / MIB
  const servedMiB = m.servedBytes / MIB
  const mibPerSecond = (derivedMiB + servedMiB) / m.seconds
  const serveMiBPerSecond = servedMiB / m.phases.serve
  return {
    format,
    sizeMiB,
    imageMiB: round(imageMiB, 2),
    attacks: m.attacks,
    derivedMiB: round(derivedMiB),
    servedMiB: round(servedMiB),
    seconds: round(m.seconds, 2),
    phases: { hashValid: round(m.phases.hashValid, 2), derive: round(m.phases.derive, 2), serve: round(m.phases.serve, 2) },
    cpu: m.cpu,
    mibPerSecond: round(mibPerSecond),
    serveMiBPerSecond: round(serveMiBPerSecond),
    yardsticks: {
      sha256sumMiBPerSecond: round(sha256sum),
      sha256sumSeconds: [round(before, 2), round(after, 2)],
      curlMiBPerSecond: round(curl),
      curlSeconds: m.curlSeconds.map((s) => round(s, 3)),
      opensslSha256MiBPerSecond: round(imageMiB / openssl),
    },
    ratio: round(mibPerSecond / sha256sum, 2),
    serveRatio: round(serveMiBPerSecond / curl, 2),
    peakRssMB: m.peakRssMB,
    meetsGoal: mibPerSecond / sha256sum >= GOAL_RATIO && m.peakRssMB <= BUDGET_MB,
  }
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  if (i < 0) return fallback
  const value = process.argv[i + 1]
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`)
  return value
}

/** Right-aligned columns under their heads (the first column left-aligned). */
function columns(head: string[], lines: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  return [head, ...lines]
    .map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n')
}

/** Where the time went: seconds and CPU seconds (user + system) of each phase. */
function phases(rows: Measurement[]): string {
  const head = ['format', 'image MiB', 'hash valid s', 'derive s', 'derive user+sys', 'serve s', 'serve user+sys']
  const cpu = ([user, system]: [number, number]) => `${user}+${system}`
  return columns(
    head,
    rows.map((r) =>
      [r.format, r.sizeMiB, r.phases.hashValid, r.phases.derive, cpu(r.cpu.derive), r.phases.serve, cpu(r.cpu.serve)].map(String),
    ),
  )
}

function table(rows: Measurement[]): string {
  const head = [
    'format',
    'image MiB',
    'attacks',
    'derived MiB',
    'served MiB',
    'seconds',
    'MiB/s',
    'sha256sum MiB/s',
    '× sha256sum',
    'serve MiB/s',
    'curl MiB/s',
    'serve × curl',
    'peak RSS MB',
    'RSS vs smallest',
  ]
  const lines = rows.map((r) => {
    const smallest = rows.find((x) => x.format === r.format)!
    return [
      r.format,
      r.sizeMiB,
      r.attacks,
      r.derivedMiB,
      r.servedMiB,
      r.seconds,
      r.mibPerSecond,
      r.yardsticks.sha256sumMiBPerSecond,
      r.ratio.toFixed(2),
      r.serveMiBPerSecond,
      r.yardsticks.curlMiBPerSecond,
      r.serveRatio.toFixed(2),
      r.peakRssMB,
      (r.peakRssMB / smallest.peakRssMB).toFixed(2),
    ].map(String)
  })
  return columns(head, lines)
}

async function main(): Promise<number> {
  if (process.argv[2] === '--measure') {
    await measure(process.argv[3] as FormatName, process.argv[4]!)
    return 0
  }
  const sizes = option('--sizes', '16,1024').split(',').map(Number)
  const formats = option('--formats', 'raw,swu').split(',') as FormatName[]
  const jsonFile = process.argv.includes('--json') ? option('--json', '') : undefined
  const bad = sizes.find((s) => !Number.isInteger(s) || s < 1) ?? formats.find((f) => f !== 'raw' && f !== 'swu')
  if (bad !== undefined) throw new Error(`--sizes takes whole MiB ≥ 1, --formats raw and/or swu: not ${bad}`)
  const rows: Measurement[] = []
  for (const format of formats) {
    for (const sizeMiB of sizes) {
      const dir = await mkdtemp(join(tmpdir(), 'ts701-bench-'))
      try {
        rows.push(await row(format, sizeMiB, await build(dir, format, sizeMiB)))
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
  const over = rows.filter((r) => r.peakRssMB > BUDGET_MB)
  const summary = {
    bench: 'large-image',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    definition:
      '(derived MiB written + served MiB sent) / seconds of hashing the valid image, deriving, offering and serving every image; ratio: that ÷ sha256sum MiB/s of the valid image. serveRatio: served MiB / serve seconds ÷ loopback curl MiB/s of the valid image from the same emulator.',
    goal: { ratio: GOAL_RATIO, peakRssMB: BUDGET_MB, for: 'raw, 1024 MiB' },
    budgetExceeded: over.length > 0,
    rows,
  }
  console.log(table(rows))
  console.log(`\n${phases(rows)}\n`)
  for (const r of over) console.log(`${r.format} ${r.sizeMiB} MiB: peak RSS ${r.peakRssMB} MB exceeds the budget of ${BUDGET_MB} MB`)
  const line = JSON.stringify(summary)
  if (jsonFile) await writeFile(jsonFile, `${JSON.stringify(summary, null, 2)}\n`)
  console.log(line)
  return over.length > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  },
)
