import { SerialPort } from 'serialport'
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
const a = new SerialPort({ path: '/tmp/tmp.Y8vhTf9ENy/a', baudRate: 115200 })
a.on('data', (d) => console.log('a data', d))
a.on('error', (e) => console.log('a error', e.message, e.code, e.disconnected))
a.on('close', (e) => console.log('a close', e?.message, e?.disconnected))
a.on('end', () => console.log('a end'))
a.on('open', () => { console.log('open'); setTimeout(() => { execSync('kill 19328'); console.log('killed', existsSync('/tmp/tmp.Y8vhTf9ENy/a')) }, 200) })
setTimeout(() => { a.write('x\n', (err) => console.log('write cb', err?.message)); }, 600)
setTimeout(() => { console.log('isOpen', a.isOpen); const c = new SerialPort({ path: '/tmp/tmp.Y8vhTf9ENy/a', baudRate: 115200 }, (err) => console.log('reopen', err?.message)); }, 1000)
setTimeout(() => process.exit(0), 1500)
