// Lab bench of the RAUC gateway example: a power relay and a flash programmer.
//   node bench.mjs power-off | power-on | power-cycle   switches the relay
//   node bench.mjs restore                              reflashes the baseline with the power off
// The relay is reached on state/relay.sock beside this script (a USB relay's driver would go
// here); the flash is the slot files in state/, the boot loader's environment state/boot/.
import { copyFile, truncate, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const state = join(here, 'state')

/** Asks the relay to switch and waits for it to say it has. */
function relay(what) {
  return new Promise((resolve, reject) => {
    const socket = connect(join(state, 'relay.sock'))
    let said = ''
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${what}\n`))
    socket.on('data', (d) => (said += d))
    socket.on('error', (err) => reject(new Error(`relay not reachable: ${err.message}`)))
    socket.on('close', () => (/ done$/m.test(said) ? resolve() : reject(new Error(said.trim() || 'relay hung up'))))
  })
}

try {
  switch (process.argv[2]) {
    case 'power-off':
      await relay('off')
      break
    case 'power-on':
      await relay('on')
      break
    case 'power-cycle':
      await relay('cycle')
      break
    case 'restore':
      await relay('off')
      // Slot A gets the baseline root file system, slot B is erased, the boot loader boots A.
      await copyFile(join(state, 'baseline.img'), join(state, 'slot-A.img'))
      await truncate(join(state, 'slot-A.img'), 1 << 20)
      await writeFile(join(state, 'slot-B.img'), Buffer.alloc(1 << 20))
      await writeFile(join(state, 'boot', 'primary'), 'A\n')
      await relay('on')
      console.log('reflashed the baseline into slot A')
      break
    default:
      console.error('usage: node bench.mjs power-off|power-on|power-cycle|restore')
      process.exit(2)
  }
} catch (err) {
  console.error(`bench: ${err.message}`)
  process.exit(1)
}
