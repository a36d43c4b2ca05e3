// Lab bench of the SWUpdate gateway example: what a lab does on such a device over SSH or a
// service port, here on the folder that stands in for its flash.
//   node bench.mjs version   prints the VERSION line of the installed root file system
//   node bench.mjs restore   writes the baseline root file system back (a reflash)
// The slot is the file SWUpdate's raw handler writes (state/rootfs.img beside this script, or
// $SWU_SLOT); the baseline is state/baseline.img.
import { copyFile, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const slot = process.env.SWU_SLOT ?? join(here, 'state', 'rootfs.img')
const baseline = join(here, 'state', 'baseline.img')

switch (process.argv[2]) {
  case 'version': {
    const head = (await readFile(slot)).subarray(0, 256).toString('latin1')
    const m = /^VERSION=(\S+)/m.exec(head)
    if (!m) {
      console.error(`no VERSION line at the start of ${slot}`)
      process.exit(1)
    }
    console.log(m[1])
    break
  }
  case 'restore':
    await copyFile(baseline, slot)
    console.log(`restored ${slot} from ${baseline}`)
    break
  default:
    console.error('usage: node bench.mjs version|restore')
    process.exit(2)
}
