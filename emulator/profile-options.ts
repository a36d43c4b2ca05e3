import { readFile } from 'node:fs/promises'
import { durationSeconds } from '../core/duration.ts'
import type { UpdateServerConfig } from '../profile/types.ts'
import { definedOnly } from './defined.ts'
import { EmulatorConfigError } from './errors.ts'
import type { EmulatorOptions } from './server.ts'

/** What a run adds to the profile's `updateServer` section. */
export type ProfileExtras = Pick<EmulatorOptions, 'evidence' | 'timeouts' | 'firstOfferId'>

/**
 * The emulator's options from the profile's `updateServer` section, its TLS files read: one way
 * to start it, whether the session starts it at the start of the run or on first use.
 */
export async function emulatorOptions(server: UpdateServerConfig, extra: ProfileExtras = {}): Promise<EmulatorOptions> {
  const tls = server.tls && { certPem: await pem(server.tls.certFile, 'certificate'), keyPem: await pem(server.tls.keyFile, 'key') }
  return definedOnly({
    host: server.host,
    port: server.port,
    routes: server.routes,
    imagePath: server.imagePath,
    partPath: server.partPath,
    announceInterval: server.announceInterval,
    pollInterval: server.pollInterval,
    tls,
    ...extra,
  })
}

async function pem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw new EmulatorConfigError(`cannot read the update server ${what} ${file}: ${(e as Error).message}`)
  }
}

/** The update server's timing, in device time (divide by the profile's `timeScale` for real time). */
export interface UpdateServerTiming {
  /** What the emulator tells the device: `announceInterval`, or its old name `pollInterval`. */
  announceInterval?: string
  announceSeconds?: number
  /** How long to wait for the device's next check: `waitInterval`, else the announced interval. */
  waitInterval?: string
  waitSeconds?: number
  /** How long a run waits for the device's first contact, when the profile says. */
  firstContactTimeout?: string
  firstContactSeconds?: number
  /** Start the emulator with the run (`listenAtStart`, or implied by `firstContactTimeout`). */
  listenAtStart: boolean
}

/** Durations the schema did not accept as ISO-8601 are left out. */
export function updateServerTiming(
  server: Pick<UpdateServerConfig, 'announceInterval' | 'pollInterval' | 'waitInterval' | 'firstContactTimeout' | 'listenAtStart'>,
): UpdateServerTiming {
  const announce = duration(server.announceInterval ?? server.pollInterval)
  const wait = duration(server.waitInterval) ?? announce
  const first = duration(server.firstContactTimeout)
  return definedOnly({
    announceInterval: announce?.text,
    announceSeconds: announce?.seconds,
    waitInterval: wait?.text,
    waitSeconds: wait?.seconds,
    firstContactTimeout: first?.text,
    firstContactSeconds: first?.seconds,
    listenAtStart: server.listenAtStart === true || first !== undefined,
  })
}

function duration(text: string | undefined): { text: string; seconds: number } | undefined {
  const seconds = text === undefined ? undefined : durationSeconds(text)
  return seconds === undefined ? undefined : { text: text!, seconds }
}
