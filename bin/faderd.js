#!/usr/bin/env node
/**
 * The `faderd` command: registers tsx's TypeScript loader in this very process and runs the CLI, so
 * `npx faderd` and a global install work without a build step, and `faderd run` is one process whose
 * pid receives signals (no launcher that could be signalled or killed in the daemon's place).
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
