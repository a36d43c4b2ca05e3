/**
 * The lab bench around the simulated device: a power relay and a reflashing jig on loopback HTTP,
 * as a networked PDU or a lab's flashing rig offers them. It is not the device's API: a device in
 * a mode without one is still power-cycled, reflashed and reset this way, and the profile reaches
 * it through a lab command (`bench.sh`, written next to dut.yaml), as a lab script would.
 */
import { createServer, type Server, type ServerResponse } from 'node:http'
import { writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { ReferenceDut } from './device.ts'
import { errorMessage } from './errors.ts'

export type BenchWire = 'power-cycle' | 'power-off' | 'power-on' | 'reflash-baseline' | 'factory-reset'

export const BENCH_WIRES: readonly BenchWire[] = ['power-cycle', 'power-off', 'power-on', 'reflash-baseline', 'factory-reset']

/** The lab script the profile's bench commands run: `bash bench.sh <action>`. */
export const BENCH_SCRIPT = 'bench.sh'

/**
 * How long a bench step keeps the device off, in real ms, at most. A real device takes seconds to
 * boot, far longer than the lab's command takes to return; the simulated one boots in a
 * millisecond, before the command has even exited, and its boot check would land before the
 * harness knows the power came back. A relay's off-time (uhubctl waits 2 s) gives it a realistic
 * order of events.
 */
export const BENCH_OFF_MS = 500

/**
 * Once the lab's command is gone (its connection to the bench closes when its process exits), the
 * device boots this much later instead: time for the harness to see the command's exit, without
 * half a second of every power cycle spent waiting. A client that keeps its connection open (a
 * test's fetch) gets BENCH_OFF_MS.
 */
export const BENCH_AFTER_EXIT_MS = 100

/** A plain-text answer with its length: the bench script reads the body by it, on a connection it keeps open. */
function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) }).end(text)
}

export class BenchController {
  private server: Server | undefined
  /** How often each wire was pulled, for tests that want to see the bench was used. */
  readonly pulls = new Map<BenchWire, number>()

  constructor(private readonly device: ReferenceDut) {}

  /** Listens on 127.0.0.1 and returns the controller's URL. */
  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const wire = (req.url ?? '').replace(/^\//, '') as BenchWire
      if (req.method !== 'POST' || !BENCH_WIRES.includes(wire)) {
        answer(res, 404, `unknown bench action; POST one of: ${BENCH_WIRES.join(', ')}\n`)
        return
      }
      this.pulls.set(wire, (this.pulls.get(wire) ?? 0) + 1)
      this.pull(wire).then(
        () => {
          answer(res, 200, `${wire}: done\n`)
          if (req.socket.destroyed) this.device.bootSooner(BENCH_AFTER_EXIT_MS)
          else req.socket.once('close', () => this.device.bootSooner(BENCH_AFTER_EXIT_MS))
        },
        (err: unknown) => answer(res, 500, `${wire}: ${errorMessage(err)}\n`),
      )
    })
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  private async pull(wire: BenchWire): Promise<void> {
    const d = this.device
    this.device.log.add('bench', `lab bench: ${wire}`)
    if (wire === 'power-cycle') d.restart('power cycled by the lab', BENCH_OFF_MS)
    else if (wire === 'power-off') d.powerOff('switched off by the lab')
    else if (wire === 'power-on') d.powerOn()
    else if (wire === 'reflash-baseline') await d.restoreBaseline(BENCH_OFF_MS)
    else await d.factoryReset(BENCH_OFF_MS)
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/**
 * Writes the lab script that pulls one wire of the bench at `url`. It exits 0 once the bench has
 * done it, 1 with the bench's words when it refuses, 2 when the controller is unreachable: what the
 * harness reads of a bench command. A bash script on bash's own TCP redirection, not Node (nor
 * curl, which a machine may lack): every bench step is a process start, and Node's took 0.1 s of
 * CPU, half a second on a loaded machine, where bash's takes milliseconds. That time ends up in
 * the harness's view of when a restart began, and a run without an API takes about twenty steps.
 * It keeps its connection open until it exits: the controller boots the device after that.
 */
export async function writeBenchScript(file: string, url: string): Promise<void> {
  const target = new URL(url)
  const hostname = target.hostname
  const port = target.port || '80'
  const script = `#!/usr/bin/env bash
# Lab bench script of the simulated reference DUT: bash bench.sh <${BENCH_WIRES.join('|')}>
# Generated by ts701 sim for the bench controller at ${url}; a lab's own script drives its relay or flasher.
set -u
export LC_ALL=C
action=\${1:-}
if ! { exec 3<>/dev/tcp/${hostname}/${port}; } 2>/dev/null; then
  echo "bench controller unreachable: nothing accepts connections on ${hostname}:${port}" >&2
  exit 2
fi
printf 'POST /%s HTTP/1.1\\r\\nHost: ${hostname}:${port}\\r\\nContent-Length: 0\\r\\n\\r\\n' "$action" >&3
read -r _ status _ <&3 || status=0
length=0
while IFS= read -r line <&3; do
  line=\${line%$'\\r'}
  [ -z "$line" ] && break
  case "\${line,,}" in content-length:*) length=\${line#*:}; length=\${length//[!0-9]/} ;; esac
done
body=
[ "\${length:-0}" -gt 0 ] && IFS= read -r -N "$length" body <&3
body=\${body%$'\\n'}
if [ "$status" -ge 200 ] 2>/dev/null && [ "$status" -lt 300 ]; then
  echo "$body"
else
  echo "$body" >&2
  exit 1
fi
`
  await writeFile(file, script, { mode: 0o755 })
}
