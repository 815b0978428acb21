// `realtime token [role]`: an HS256 token for a tenant (anon, authenticated, service_role, signed
// with the tenant's jwt_secret) or for the management API (admin, signed with API_JWT_SECRET).
// Secrets come from --secret, else $API_JWT_SECRET (admin only), else the local stack's stack.json,
// whose jwt_secret is that of its default tenant only: another tenant needs --secret.
import type { Command } from 'commander';
import { signToken } from './sign.ts';
import { message, UsageError, type CliIo } from './io.ts';

export const ROLES = ['anon', 'authenticated', 'service_role', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenOptions {
  secret?: string;
  tenant?: string;
  sub?: string;
  exp: string;
  json?: boolean;
}

export function addTokenCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program.command('token')
    .summary('mint an anon, authenticated, service_role or admin token')
    .description('Mints an HS256 token: anon / authenticated / service_role for a tenant (its jwt_secret), admin for the management API (API_JWT_SECRET). Prints the token alone, or JSON with --json.')
    .argument('[role]', `one of ${ROLES.join(', ')}`, 'anon')
    .option('--tenant <id>', 'the tenant the token is for (default: the local stack\'s)')
    .option('--sub <id>', 'the sub claim (required for authenticated)')
    .option('--secret <secret>', 'signing secret (default: $API_JWT_SECRET for admin, else .realtime/stack.json)')
    .option('--exp <span>', 'lifetime: 30m, 1h, 7d … or seconds', '1h')
    .option('--json', 'print {"token","role","tenant","sub","exp"}')
    .action(async (role: string, opts: TokenOptions) => done(await mintToken(role, opts, io)));
}

export async function mintToken(roleArg: string, opts: TokenOptions, io: CliIo): Promise<number> {
  if (!(ROLES as readonly string[]).includes(roleArg)) throw new UsageError(`role must be one of ${ROLES.join(', ')}, not "${roleArg}"`);
  const role = roleArg as Role;
  if (role === 'authenticated' && !opts.sub) throw new UsageError('an authenticated token needs --sub <user id>');
  const { secret, tenant } = tokenSecret(role, opts, io);
  const exp = /^\d+$/.test(opts.exp) ? `${opts.exp}s` : opts.exp;
  const claims: Record<string, unknown> = { role, ...(opts.sub ? { sub: opts.sub } : {}) };
  let token: string;
  try {
    token = await signToken(secret, claims, exp);
  } catch (err) {
    throw new UsageError(`--exp ${opts.exp}: ${message(err)}`);
  }
  if (opts.json) {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
    io.out(`${JSON.stringify({ token, role, ...(tenant ? { tenant } : {}), ...(opts.sub ? { sub: opts.sub } : {}), exp: payload.exp })}\n`);
  } else {
    io.out(`${token}\n`);
  }
  return 0;
}

function tokenSecret(role: Role, opts: TokenOptions, io: CliIo): { secret: string; tenant?: string } {
  if (role === 'admin') {
    const secret = opts.secret ?? io.env.API_JWT_SECRET ?? io.stack()?.apiJwtSecret;
    if (!secret) throw new UsageError('no API_JWT_SECRET: pass --secret, set API_JWT_SECRET, or start the local stack (npm start)');
    return { secret };
  }
  if (opts.secret) return { secret: opts.secret, ...(opts.tenant ? { tenant: opts.tenant } : {}) };
  const local = io.stack();
  if (!local?.jwtSecret || !local.tenant) throw new UsageError('no tenant secret: pass --secret <jwt_secret>, or start the local stack (npm start)');
  if (opts.tenant && opts.tenant !== local.tenant) {
    throw new UsageError(`the local stack knows the secret of ${local.tenant} only; pass --secret for ${opts.tenant}`);
  }
  return { secret: local.jwtSecret, tenant: local.tenant };
}
