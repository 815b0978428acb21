// Reads a service process's JSON log lines (libs/log writes one object a line): which instance of
// a kind holds a tenant is something only that instance says, e.g. ingest-cdc's
// "replicating tenant" or the ratelimiter's "tenant throttled".
import { readFileSync } from 'node:fs';
import type { ServiceProcess } from '@realtime/testing/services';

export function logLines(service: ServiceProcess): Array<Record<string, unknown>> {
  return readFileSync(service.logFile, 'utf8').split('\n').flatMap((line) => {
    try {
      return line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/** The instance among `services` that logged `msg` for `tenant`, if one did. */
export function instanceThatLogged(services: ServiceProcess[], msg: string, tenant: string): ServiceProcess | undefined {
  return services.find((s) => logLines(s).some((l) => l.msg === msg && l.tenant === tenant));
}
