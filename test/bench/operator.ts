/**
 * The operator's side of a manual bench step: one end of a pseudo-terminal pair stands in for
 * `/dev/tty`, the test reads the prompt from the other end and answers it.
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { ptyPair, type PtyPair } from '../pty.ts'

export interface Operator {
  /** The path to hand to the step as its terminal. */
  terminal: string
  /** Resolves with everything shown so far once it matches. */
  shown(pattern: RegExp, withinMs?: number): Promise<string>
  type(text: string): Promise<void>
  close(): Promise<void>
}

export async function operator(): Promise<Operator> {
  const pair: PtyPair = await ptyPair()
  const end: FileHandle = await open(pair.b, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
  let seen = ''
  const buffer = Buffer.alloc(4096)
  return {
    terminal: pair.a,
    async shown(pattern, withinMs = 5_000) {
      const until = Date.now() + withinMs
      while (!pattern.test(seen)) {
        if (Date.now() > until)
          throw new Error(`the terminal did not show ${pattern} within ${withinMs} ms; it showed ${JSON.stringify(seen)}`)
        try {
          const { bytesRead } = await end.read(buffer, 0, buffer.length, null)
          seen += buffer.toString('utf8', 0, bytesRead)
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
          await new Promise((r) => setTimeout(r, 20))
        }
      }
      return seen
    },
    async type(text) {
      await end.write(text)
    },
    async close() {
      await end.close()
      await pair.close()
    },
  }
}
