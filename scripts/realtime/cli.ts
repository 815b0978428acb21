// The `realtime` CLI (`npm run realtime -- <command>`): commander parses arguments and writes help;
// each command lives in a file of its own and reports through `done(code)` or by throwing
// UsageError (exit 2) / CommandFailed (exit 1). Exit codes: README "CLI" and EXIT_HELP below.
import { Command, CommanderError } from 'commander';
import { addConfigCommand } from './config-check.ts';
import { CommandFailed, Exit, message, processIo, UsageError, type CliIo } from './io.ts';
import { runReplay } from './replay.ts';
import { addSlotsCommand } from './slots.ts';
import { addStatusCommand } from './status.ts';
import { addTenantsCommand } from './tenants.ts';
import { addTokenCommand } from './token.ts';
import { addTopicsCommand } from './topics.ts';

const EXIT_HELP = `
Exit codes: 0 success, 1 failure (an API or Kafka error, an invalid configuration), 2 usage error.
Defaults for --url, --token, --brokers and secrets come from the environment, else from the local
stack's .realtime/stack.json (written by npm start).`;

export function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('realtime')
    .description('Operator commands for a realtime deployment or the local stack (npm run realtime -- <command>).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_HELP);
  addTokenCommand(program, io, done);
  addTenantsCommand(program, io, done);
  addTopicsCommand(program, io, done);
  addConfigCommand(program, io, done);
  addStatusCommand(program, io, done);
  addSlotsCommand(program, io, done);
  // replay keeps its own argument parser and usage text (replay-args.ts).
  program.command('replay').description('a tenant\'s changes from realtime.cdc as NDJSON (replay --help)')
    .helpOption(false).allowUnknownOption().allowExcessArguments().argument('[args...]')
    .action(async (args: string[]) => done(await runReplay(args)));
  return program;
}

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  let code: number = Exit.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    // Help asked for (--help, `help <command>`) exits 0; help shown for a missing command and every
    // parse error are usage errors.
    if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.ok : Exit.usage;
    if (err instanceof UsageError) return (io.err(`${err.message}\n`), Exit.usage);
    io.err(`${err instanceof CommandFailed ? '' : 'failed: '}${message(err)}\n`);
    return Exit.failure;
  }
}
