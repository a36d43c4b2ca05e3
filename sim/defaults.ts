/** Where `ts701 sim` listens and writes when not told otherwise (read by the CLI's help, so kept light). */
export const SIM_DEFAULTS = {
  port: 8701,
  updateServerPort: 8702,
  brokerPort: 1883,
  consolePort: 8703,
  benchPort: 8704,
  dir: '.ts701-sim',
  channel: 'http',
} as const
