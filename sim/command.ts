import { isAbsolute, join, relative, resolve } from 'node:path'
import { Ts701Error } from '../core/errors.ts'
import { errorMessage, portError } from './errors.ts'
import { formatFlawList, parseFlaws } from './flaws.ts'
import { formatLogEntry } from './log.ts'
import { BENCH_SCRIPT } from './bench.ts'
import { channelOfMode, MODE_HELP, MODES, type Mode } from './modes/index.ts'
import { CHANNELS, PASSWORD_ENV, type Channel } from './profile.ts'
import { bindError } from './ports.ts'
import { createReferenceSetup, writeEnvFile, type ReferenceSetup } from './setup.ts'
import type { KeyAlgorithm } from '../fixtures/certs.ts'
import { SIM_DEFAULTS } from './defaults.ts'

export interface SimOptions {
  flaws: string[]
  listFlaws: boolean
  /** Automatic updates stay off after a factory reset until the user consents during setup. */
  awaitsConsent?: boolean
  port?: number
  updateServerPort?: number
  timeScale?: number
  dir?: string
  /** Ends the run like SIGINT does (for tests and embedding). */
  signal?: AbortSignal
  /** Print the device log as it is written. */
  verbose?: boolean
  /** How the lab drives the device (default http); the HTTP API runs in every case. */
  channel?: Channel
  /** MQTT: an existing broker to connect to; default an embedded one on `brokerPort`. */
  brokerUrl?: string
  brokerPort?: number
  /** Serial: the console's TCP port. */
  consolePort?: number
  /** Serial: expose the console on `<dir>/tty-dut` too (default: when socat is installed). */
  pty?: boolean
  /** Which kind of update agent the device behaves like (default api). */
  mode?: Mode
  /** The lab bench controller's port. */
  benchPort?: number
  /** The key type of the update CA the device trusts (default DEFAULT_CA_KEY). */
  caKey?: KeyAlgorithm
}

export interface SimIo {
  out(line: string): void
  err(line: string): void
}

export { SIM_DEFAULTS }

/** Which option set each port the device binds, so a taken port's message names the option to change. */
function portOptions(options: SimOptions): Map<number, string> {
  const ports: Array<[number | undefined, string]> = [
    [options.consolePort ?? SIM_DEFAULTS.consolePort, '--console-port'],
    [options.brokerPort ?? SIM_DEFAULTS.brokerPort, '--broker-port'],
    [options.benchPort ?? SIM_DEFAULTS.benchPort, '--bench-port'],
    [options.updateServerPort ?? SIM_DEFAULTS.updateServerPort, '--update-server-port'],
    [options.port ?? SIM_DEFAULTS.port, '--port'],
  ]
  // Later entries win when two options name the same port: --port is the likeliest to be meant.
  return new Map(ports.filter((p): p is [number, string] => p[0] !== undefined && p[0] > 0))
}

/**
 * `ts701 sim`: runs the reference DUT until SIGINT or SIGTERM. The API password goes only into
 * `<dir>/sim.env` (mode 0600); the terminal shows the variable's name, never its value.
 */
export async function runSim(options: SimOptions, io: SimIo): Promise<number> {
  if (options.listFlaws) {
    for (const line of formatFlawList()) io.out(line)
    return 0
  }
  try {
    parseFlaws(options.flaws)
  } catch (err) {
    io.err(errorMessage(err))
    return 3
  }
  const mode = options.mode ?? 'api'
  if (!MODES.includes(mode)) {
    io.err(`unknown mode ${mode}; modes: ${MODES.join(', ')}`)
    return 3
  }
  if (options.channel !== undefined && !CHANNELS.includes(options.channel)) {
    io.err(`unknown channel ${options.channel}; channels: ${CHANNELS.join(', ')}`)
    return 3
  }
  const channel = channelOfMode(mode, options.channel ?? (mode === 'api' ? SIM_DEFAULTS.channel : undefined))
  if (channel === undefined) {
    io.err(`mode ${mode} runs over its own channel; leave out --channel`)
    return 3
  }
  if (options.brokerUrl && channel !== 'mqtt') {
    io.err('--broker names the MQTT broker of --channel mqtt')
    return 3
  }

  // A taken port is refused before the keys and images are made, which takes seconds.
  const bound = [options.port ?? SIM_DEFAULTS.port, options.benchPort ?? SIM_DEFAULTS.benchPort]
  if (channel === 'mqtt' && !options.brokerUrl) bound.push(options.brokerPort ?? SIM_DEFAULTS.brokerPort)
  if (channel === 'serial') bound.push(options.consolePort ?? SIM_DEFAULTS.consolePort)
  for (const port of bound.filter((p) => p > 0)) {
    const taken = portError(await bindError(port), portOptions(options))
    if (taken) {
      io.err(`cannot start the reference DUT: ${taken.message}`)
      return 3
    }
  }

  const dir = options.dir ?? SIM_DEFAULTS.dir
  let setup: ReferenceSetup
  try {
    setup = await createReferenceSetup({
      flaws: options.flaws,
      ...(options.awaitsConsent && { awaitsConsent: true }),
      timeScale: options.timeScale,
      dir,
      apiPort: options.port ?? SIM_DEFAULTS.port,
      updateServerPort: options.updateServerPort ?? SIM_DEFAULTS.updateServerPort,
      mode,
      ...(channel !== 'none' && { channel }),
      benchPort: options.benchPort ?? SIM_DEFAULTS.benchPort,
      ...(options.caKey && { caKey: options.caKey }),
      ...(channel === 'mqtt'
        ? options.brokerUrl
          ? { brokerUrl: options.brokerUrl }
          : { brokerPort: options.brokerPort ?? SIM_DEFAULTS.brokerPort }
        : {}),
      ...(channel === 'serial'
        ? { consolePort: options.consolePort ?? SIM_DEFAULTS.consolePort, ...(options.pty !== undefined ? { pty: options.pty } : {}) }
        : {}),
      ...(options.verbose ? { onLog: (e) => io.out(formatLogEntry(e)) } : {}),
    })
  } catch (err) {
    const taken = portError(err, portOptions(options))
    io.err(`cannot start the reference DUT: ${errorMessage(taken ?? err)}`)
    return taken || err instanceof Ts701Error ? 3 : 4
  }

  const envFile = join(dir, 'sim.env')
  await writeEnvFile(envFile, setup.env)
  // Relative to the current folder when inside it (the default `.ts701-sim/`), absolute otherwise.
  const show = (path: string) => {
    const rel = relative(process.cwd(), path)
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path)
  }
  io.out(
    `reference DUT ${setup.sim.model} (hardware ${setup.sim.hardwareId}, firmware ${setup.sim.firmware().version}), flaws: ${options.flaws.join(', ') || 'none'}`,
  )
  io.out(`  mode           ${mode}: ${MODE_HELP[mode]}`)
  if (mode === 'api') {
    io.out(`  channel        ${channel}${channel === 'http' ? '' : ' (the HTTP API below runs too)'}`)
    io.out(`  device API     ${setup.apiUrl}   (support page ${setup.apiUrl}/support)`)
  } else {
    io.out(`  channel        ${channel}${channel === 'none' ? ' (no lab API)' : ''}`)
    io.out(`  support page   ${setup.apiUrl}/support`)
  }
  io.out(`  lab bench      ${setup.benchUrl}   (power relay and reflashing jig; bash ${show(join(dir, BENCH_SCRIPT))} <action>)`)
  const client = setup.mqtt ?? setup.jobs
  if (setup.brokerUrl && client) {
    io.out(
      `  MQTT broker    ${setup.brokerUrl}   (${options.brokerUrl ? 'given' : 'embedded'}; client ${client.clientId}, topics ${client.topics.root}/#)`,
    )
  }
  if (setup.consoleUrl)
    io.out(`  console        ${setup.consoleUrl}   (raw TCP, as ser2net exports a serial port; prompt "ts701> ", no login)`)
  if (setup.ttyPath) io.out(`  serial port    ${show(setup.ttyPath)}   (pseudo-terminal via socat, 115200 baud)`)
  io.out(`  update server  ${setup.updateServerUrl}   (the device checks here; the harness's emulator listens on it)`)
  io.out(
    `  time scale     ${setup.sim.clock.timeScale} device seconds per second (one device day = ${(86_400 / setup.sim.clock.timeScale).toFixed(1)} s)`,
  )
  io.out(`  DUT profile    ${show(setup.profileFile)}`)
  io.out(`  credentials    ${PASSWORD_ENV} is set in ${show(envFile)} (mode 0600); export it with: set -a; . ${show(envFile)}; set +a`)
  io.out(`run the harness: ts701 run --assessment examples/reference-dut --dut ${show(setup.profileFile)}`)
  io.out('stop with Ctrl+C')

  await untilStopped(options.signal)
  io.out('stopping the reference DUT')
  await setup.close()
  return 0
}

function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    if (signal?.aborted) stop()
    else signal?.addEventListener('abort', stop, { once: true })
  })
}
