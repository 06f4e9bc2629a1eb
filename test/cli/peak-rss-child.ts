/**
 * `faderd ARGS...` in this process, then its peak resident memory (kB, from getrusage) on stderr as
 * `peak-rss-kb N`: what the memory tests read, with no timing involved.
 */
import { main } from '../../src/cli/main.ts';

const code = await main(process.argv.slice(2));
process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
