// `npm run realtime -- <command> …`: operator commands against a deployment (or the local stack).
// The commands are in scripts/realtime/ (cli.ts wires them); `--help` lists them.
import { runCli } from './realtime/cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
