// Loaded with --import into a step's process by runner.ts (measureMemory): at exit, writes the
// process's peak resident set size in KiB (getrusage's ru_maxrss) to PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs'

const file = process.env['PEAK_RSS_FILE']
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)))
