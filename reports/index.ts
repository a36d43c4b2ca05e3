export { renderJunit, writeJunit } from './junit.ts'
export { writeResultsJson } from './results-json.ts'
export { renderSummary } from './summary.ts'
