/**
 * Large images are streamed, never held: derives every attack from a valid image of a given size
 * and serves each one (and the valid image) through the update-server emulator to a client that
 * hashes what it receives, then reports the peak resident memory of the process that did it.
 * Each measurement runs in a child process of its own, so its peak is its own.
 *
 *   npx tsx scripts/bench-large-image.ts                 raw and swu, 16 MiB and 1024 MiB
 *   npx tsx scripts/bench-large-image.ts --sizes 16,256 --formats swu
 *
 * It exits 1 when a peak exceeds the budget (300 MB), or a served image hashes differently from
 * the file it stands for. Needs openssl and cpio (scripts/system-deps.sh) for the swu images.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UpdateServerEmulator } from '../emulator/index.ts'
import { deriveAttacks } from '../fixtures/attacks.ts'
import type { FormatName } from '../fixtures/formats/index.ts'
import { imageSource } from '../fixtures/source.ts'
import { packSignedSwu, vendorCertificate } from '../test/fixtures/swu-build.ts'

const MIB = 1024 * 1024
const BUDGET_MB = 300

interface Measurement {
  format: FormatName
  sizeMiB: number
  attacks: number
  servedMiB: number
  seconds: number
  peakRssMB: number
}

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

/** Downloads `url`, hashing as it comes; the bytes are not kept. */
function download(url: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const hash = createHash('sha256')
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk)
        bytes += chunk.length
      })
      res.on('end', () => resolve({ sha256: hash.digest('hex'), bytes }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** In the child: derive, serve, download; prints the measurement as JSON. */
async function measure(format: FormatName, image: string, sizeMiB: number): Promise<void> {
  const started = Date.now()
  const dir = join(image, '..')
  const valid = await imageSource({ file: image }, 'valid-image')
  const attacks = await deriveAttacks({ format, valid, workDir: join(dir, 'attacks') })
  const emulator = await UpdateServerEmulator.start({
    host: '127.0.0.1',
    port: 0,
    imagePath: '/images/{{image.name}}',
    routes: [{ name: 'image', method: 'GET', path: '/images/:name', status: 200, serve: 'image' }],
  })
  let served = 0
  try {
    for (const offered of [valid, ...attacks.map((a) => a.image)]) {
      await emulator.offer({ ...offered, version: '1.1.0' })
      const got = await download(`${emulator.url}/images/${encodeURIComponent(offered.name)}`)
      emulator.withdraw()
      if (got.sha256 !== offered.sha256) throw new Error(`${offered.name}: served bytes hash ${got.sha256}, the file ${offered.sha256}`)
      served += got.bytes
    }
  } finally {
    await emulator.close()
  }
  const result: Measurement = {
    format,
    sizeMiB,
    attacks: attacks.length,
    servedMiB: Math.round(served / MIB),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    // maxRSS is in KiB.
    peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
  }
  console.log(JSON.stringify(result))
}

function child(format: FormatName, image: string, sizeMiB: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--measure', format, image, String(sizeMiB)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    c.stdout.on('data', (d: Buffer) => (out += d.toString()))
    c.on('error', reject)
    c.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the measurement of ${format} ${sizeMiB} MiB exited ${code}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Measurement)
    })
  })
}

function option(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(name)
  return (i >= 0 ? process.argv[i + 1]! : fallback).split(',')
}

async function main(): Promise<number> {
  if (process.argv[2] === '--measure') {
    await measure(process.argv[3] as FormatName, process.argv[4]!, Number(process.argv[5]))
    return 0
  }
  const sizes = option('--sizes', '16,1024').map(Number)
  const formats = option('--formats', 'raw,swu') as FormatName[]
  const rows: Measurement[] = []
  for (const format of formats) {
    for (const sizeMiB of sizes) {
      const dir = await mkdtemp(join(tmpdir(), 'ts701-bench-'))
      try {
        rows.push(await child(format, await build(dir, format, sizeMiB), sizeMiB))
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
  console.log('format  image MiB  attacks  served MiB  seconds  peak RSS MB  RSS vs smallest')
  let over = false
  for (const r of rows) {
    const smallest = rows.find((x) => x.format === r.format)!
    const ratio = (r.peakRssMB / smallest.peakRssMB).toFixed(2)
    over ||= r.peakRssMB > BUDGET_MB
    console.log(
      `${r.format.padEnd(7)} ${String(r.sizeMiB).padStart(9)}  ${String(r.attacks).padStart(7)}  ${String(r.servedMiB).padStart(10)}  ${String(r.seconds).padStart(7)}  ${String(r.peakRssMB).padStart(11)}  ${ratio.padStart(15)}`,
    )
  }
  if (over) console.log(`a peak exceeded the budget of ${BUDGET_MB} MB`)
  return over ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err))
    process.exit(1)
  },
)
