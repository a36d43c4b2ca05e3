import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_EDITION, listEditions } from '../catalog/edition-ids.ts'
import { environmentFault } from '../core/atomic-file.ts'
import { Ts701Error } from '../core/errors.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { EXIT } from './exit.ts'
import { consoleOutput, printFindings, type Output } from './output.ts'
import { documentLimit } from './limits.ts'
import { DEFAULT_CA_KEY, KEY_ALGORITHMS, type KeyAlgorithm } from '../fixtures/key-algorithms.ts'
import { SIM_DEFAULTS } from '../sim/defaults.ts'
import { MODES, type Mode } from '../sim/modes/index.ts'
import { CHANNELS, type Channel } from '../sim/channels.ts'

// Each command's module is imported when the command runs: `ts701 --help` or a `lint` does not
// pay for loading the run machinery, the emulator or the simulated device.

function standardOption(): Option {
  return new Option('--standard <edition>', 'edition of EN 303 645 and TS 103 701 to assess against')
    .choices(listEditions())
    .default(DEFAULT_EDITION)
}

function caKeyOption(who: string): Option {
  return new Option(
    '--ca-key <alg>',
    `key type of the update CA ${who} trusts, and of its server certificate (default ${DEFAULT_CA_KEY})`,
  ).choices(KEY_ALGORITHMS)
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)]

/** The reference DUT's clock: how many device seconds pass in one real second. */
function timeScaleOption(who: string): Option {
  return new Option('--time-scale <n>', `device seconds per real second of ${who} (default 43200: a device day in 2 s)`).argParser(
    positiveNumber,
  )
}

function program(io: Output, env: NodeJS.ProcessEnv, setExit: (code: number) => void): Command {
  const cli = new Command('ts701')
    .description('Conformance tests for EN 303 645 clause 5.3 (keep software updated), after TS 103 701')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })

  cli
    .command('lint')
    .description('check an assessment folder (ICS, IXIT, decisions) and a DUT profile without running anything')
    .argument('<dir>', 'assessment folder')
    .addOption(standardOption())
    .option('--dut <profile>', 'also check this DUT profile (dut.yaml)')
    .action(async (dir: string, o: { standard: string; dut?: string }) =>
      setExit(await (await import('./lint.ts')).lint(dir, { standard: o.standard, ...documentLimit(env) }, io, o.dut)),
    )

  cli
    .command('import')
    .description("turn a supplier's ICS and IXIT pro-forma tables (Markdown, Word .docx, .xlsx, .csv) into an assessment folder")
    .argument('<files...>', 'the supplier documents')
    .requiredOption('--out <dir>', 'assessment folder to write ixit.yaml, ics.yaml and import-report.md into')
    .addOption(standardOption())
    .option('--force', 'replace ixit.yaml and ics.yaml already in --out', false)
    .action(async (files: string[], o: { out: string; standard: string; force: boolean }) =>
      setExit(await (await import('./import.ts')).importCommand(files, { ...o, ...documentLimit(env) }, io)),
    )

  cli
    .command('export')
    .description("write an assessment's ICS and IXIT back as pro-forma tables, to edit and import again")
    .argument('<dir>', 'assessment folder')
    .addOption(new Option('--format <format>', 'file format').choices(['md', 'docx']).default('md'))
    .option('--out <file>', 'file to write (default: <dir>/proforma.<format>)')
    .option('--force', 'replace --out if it exists', false)
    .action(async (dir: string, o: { format: 'md' | 'docx'; out?: string; force: boolean }) =>
      setExit(await (await import('./export.ts')).exportCommand(dir, { ...o, ...documentLimit(env) }, io)),
    )

  cli
    .command('plan')
    .description('show which test cases apply, why others do not, and what functional cases need')
    .argument('<dir>', 'assessment folder')
    .addOption(standardOption())
    .option('--group <id>', 'only this test group (repeatable, or comma-separated)', collect)
    .action(async (dir: string, o: { standard: string; group?: string[] }) =>
      setExit(await (await import('./plan.ts')).plan(dir, { standard: o.standard, groups: o.group, ...documentLimit(env) }, io)),
    )

  cli
    .command('decide')
    .description('walk through the units waiting for an assessor and record each verdict in decisions.yaml')
    .argument('<dir>', 'assessment folder')
    .option('--from <run>', 'take the open units from this run folder instead of evaluating the documents')
    .option('--assessor <name>', 'who decides (asked once when not given)')
    .addOption(
      new Option('--standard <edition>', `edition to evaluate the documents against (default ${DEFAULT_EDITION})`).choices(listEditions()),
    )
    .action(async (dir: string, o: { from?: string; assessor?: string; standard?: string }) => {
      const { decide } = await import('./decide.ts')
      setExit(await decide(dir, o, io))
    })

  cli
    .command('report')
    .description('render the report of stored results again, or merge several runs of one DUT into one assessment')
    .argument('<runs...>', 'run folders (ts701 run --out) or their results.json')
    .option('--out <dir>', 'output folder (default: reports/report-<timestamp>)')
    .option('--force', "write into a non-empty --out, removing an earlier report's files (never others)", false)
    .option('--label <name>', 'label of each run, in argument order (repeatable, or comma-separated; default run1, run2…)', collect)
    .option('--assessment <dir>', "apply this assessment folder's decisions.yaml to the runs first (as the next run would)")
    .action(async (runs: string[], o: { out?: string; label?: string[]; assessment?: string; force: boolean }) =>
      setExit(
        await (
          await import('./report.ts')
        ).report(
          runs,
          {
            ...(o.out && { out: o.out }),
            ...(o.label && { labels: o.label }),
            ...(o.assessment && { assessment: o.assessment }),
            force: o.force,
          },
          io,
        ),
      ),
    )

  cli
    .command('run')
    .description('run the test suites and write junit.xml and results.json')
    .requiredOption('--assessment <dir>', 'assessment folder')
    .option('--conceptual-only', 'run only the conceptual test units (no DUT needed)', false)
    .addOption(standardOption())
    .option('--group <id>', 'only this test group (repeatable, or comma-separated)', collect)
    .option('--out <dir>', 'output folder (default: reports/<timestamp>)')
    .option('--force', "write into a non-empty --out, removing an earlier run's files (never others)", false)
    .option('--dut <profile>', 'DUT profile (dut.yaml) of the device to test (default: the bundled reference DUT)')
    .option('--flaw <name>', 'switch on a flaw of the bundled reference DUT (repeatable; see ts701 sim --list-flaws)', collect)
    .addOption(new Option('--channel <channel>', 'how to talk to the bundled reference DUT').choices(CHANNELS))
    .addOption(
      new Option('--mode <mode>', 'which kind of update agent the bundled reference DUT behaves like (default api)').choices(MODES),
    )
    .addOption(caKeyOption('the bundled reference DUT'))
    .addOption(timeScaleOption('the bundled reference DUT'))
    .option('--sign-key <pem>', 'sign MANIFEST.sha256 with this private key (PEM: Ed25519, or RSA/EC with --sign-cert)')
    .option('--sign-cert <pem>', 'X.509 certificate of --sign-key, put beside the signature for verify')
    .option('--lab <name>', "the laboratory, named on the report's cover")
    .option('--assessor <name>', "an assessor, named on the report's cover (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--baseline <file>', "the rig's expected results: listed FAIL/INCONCLUSIVE units that recur do not fail the run")
    .option('--strict-baseline', 'fail the run when a baseline entry is stale (its unit passes again)', false)
    .action(
      async (o: {
        assessment: string
        conceptualOnly: boolean
        standard: string
        group?: string[]
        out?: string
        force: boolean
        dut?: string
        flaw?: string[]
        channel?: Channel
        mode?: Mode
        caKey?: KeyAlgorithm
        timeScale?: number
        signKey?: string
        lab?: string
        assessor?: string[]
        signCert?: string
        baseline?: string
        strictBaseline: boolean
      }) =>
        setExit(
          await (
            await import('./run.ts')
          ).run({ ...o, groups: o.group, flaws: o.flaw ?? [], assessors: o.assessor ?? [], ...documentLimit(env) }, io, env),
        ),
    )

  cli
    .command('baseline')
    .description("write an expected-results baseline for ts701 run --baseline from a stored run's FAIL and INCONCLUSIVE units")
    .argument('<run>', 'run folder (the --out of ts701 run) or its results.json')
    .option('--out <file>', 'where to write it, or - for stdout (default: baseline.yaml)')
    .option('--ticket <ref>', 'the ticket every entry names (default: a placeholder ts701 run refuses until it is filled in)')
    .option('--force', 'replace an existing --out file', false)
    .action(async (dir: string, o: { out?: string; ticket?: string; force: boolean }) =>
      setExit(await (await import('./baseline.ts')).baseline(dir, o, io)),
    )

  cli
    .command('verify')
    .description('check a run folder against its MANIFEST.sha256, the signature and the seal in results.json')
    .argument('<dir>', 'run folder (the --out of ts701 run)')
    .option('--pub <pem>', "the lab's public key (PEM) the manifest must be signed with")
    .option('--cert <pem>', "the lab's certificate (PEM) whose key must have signed the manifest")
    .action(async (dir: string, o: { pub?: string; cert?: string }) => setExit(await (await import('./verify.ts')).verify(dir, o, io)))

  cli
    .command('sim')
    .description('run the bundled reference DUT (a simulated device) until interrupted')
    .option('--flaw <name>', 'switch on a flaw (repeatable)', collect)
    .option('--list-flaws', 'list the flaw switches and exit', false)
    .option('--awaits-consent', 'automatic updates stay off after a factory reset until consent is given during setup', false)
    .option('--port <n>', 'HTTP API port', portNumber, SIM_DEFAULTS.port)
    .option('--update-server-port <n>', 'port of the update server the device polls', portNumber, SIM_DEFAULTS.updateServerPort)
    .addOption(timeScaleOption('the device'))
    .option('--dir <dir>', 'folder for the generated keys, images and dut.yaml', SIM_DEFAULTS.dir)
    .option('--verbose', 'print the device log', false)
    .addOption(
      new Option(
        '--channel <kind>',
        'how the lab drives the device in mode api (the DUT profile written); other modes have their own',
      ).choices(['http', 'mqtt', 'serial']),
    )
    .addOption(new Option('--mode <mode>', 'which kind of update agent the device behaves like (default api)').choices(MODES))
    .addOption(caKeyOption('the device'))
    .option('--bench-port <n>', 'port of the lab bench controller (power relay, reflashing jig)', portNumber, SIM_DEFAULTS.benchPort)
    .option('--broker <url>', 'mqtt: the broker to connect to (default: an embedded broker on --broker-port)')
    .option('--broker-port <n>', 'mqtt: port of the embedded broker', portNumber, SIM_DEFAULTS.brokerPort)
    .option('--console-port <n>', 'serial: TCP port of the console', portNumber, SIM_DEFAULTS.consolePort)
    .option('--pty', 'serial: also expose the console on a pseudo-terminal <dir>/tty-dut (default when socat is installed)')
    .option('--no-pty', 'serial: only the TCP console')
    .action(
      async (o: {
        flaw?: string[]
        listFlaws: boolean
        awaitsConsent: boolean
        port: number
        updateServerPort: number
        timeScale?: number
        dir: string
        verbose: boolean
        channel?: 'http' | 'mqtt' | 'serial'
        mode?: Mode
        benchPort: number
        broker?: string
        brokerPort: number
        consolePort: number
        pty?: boolean
        caKey?: KeyAlgorithm
      }) => {
        const { broker, ...rest } = o
        setExit(
          await (await import('../sim/command.ts')).runSim({ ...rest, ...(broker ? { brokerUrl: broker } : {}), flaws: o.flaw ?? [] }, io),
        )
      },
    )

  return cli
}

/** A port option's value: an integer from 1 to 65535, else a usage error (exit 3) naming the value. */
function portNumber(value: string): number {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN
  if (!(n >= 1 && n <= 65_535)) throw new InvalidArgumentError(`expected a port number from 1 to 65535, got ${JSON.stringify(value)}`)
  return n
}

/** A positive finite number, else a usage error (exit 3) naming the value. */
function positiveNumber(value: string): number {
  const n = Number(value.trim() || NaN)
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(value)}`)
  return n
}

/**
 * Runs the CLI and returns the exit code; never throws, so no stack trace reaches a user. The
 * process environment is read here, once, and handed to the run, which takes the DUT's
 * credentials from it; no layer below reads or writes `process.env` for a run setting.
 */
export async function main(argv: string[], io: Output = consoleOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let code: number = EXIT.ok
  try {
    await program(io, env, (c) => {
      code = c
    }).parseAsync(argv, { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput
    }
    if (err instanceof InvalidAssessmentError) {
      printFindings(err.findings, io)
      const errors = err.findings.filter((f) => f.severity === 'error').length
      io.err(`ts701: ${errors} error${errors === 1 ? '' : 's'} in the assessment documents`)
      return EXIT.invalidInput
    }
    if (err instanceof Ts701Error) {
      io.err(`ts701: ${err.message}`)
      return EXIT.invalidInput
    }
    // A disk that filled up or a folder ts701 may not write is the machine's, not a bug.
    const fault = environmentFault(err, undefined, 'cannot use')
    if (fault) {
      io.err(`ts701: ${fault.message}`)
      return EXIT.invalidInput
    }
    io.err(`ts701: internal error: ${err instanceof Error ? err.message : String(err)}`)
    return EXIT.internal
  }
}
