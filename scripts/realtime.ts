// `npm run realtime -- <command> …`: operator commands against a deployment (or the local stack).
// One entry point with a table of subcommands, so new tools do not each need an npm script.
import { runTenants } from './realtime/import.ts';
import { runReplay } from './realtime/replay.ts';

const commands: Record<string, (argv: string[]) => Promise<number>> = { replay: runReplay, tenants: runTenants };

const USAGE = `usage: npm run realtime -- <command> [options]
commands:
  replay   a tenant's changes from realtime.cdc as NDJSON (replay --help)
  tenants import   tenants exported from a Supabase Realtime deployment (tenants import --help)
`;

const [name = '', ...rest] = process.argv.slice(2);
const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
if (!command) {
  process.stderr.write(`${name ? `unknown command: ${name}\n\n` : ''}${USAGE}`);
  process.exitCode = 2;
} else {
  process.exitCode = await command(rest);
}
