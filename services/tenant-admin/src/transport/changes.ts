// GET /api/tenants/:id/changes?from=&to=&table=[&verify=1] (docs/ARCHITECTURE.md "Replay and audit"; verify=1:
// changes-verify.ts): the tenant's
// changes on realtime.cdc as NDJSON, streamed with backpressure (a slow client slows the Kafka
// reads). Bounds are validated before anything is read (422); once the 200 is sent, a failure
// aborts the response instead of ending it, so a client never mistakes a partial replay for a
// complete one.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestHandler } from 'express';
import { ErrorCodes, errorCodeOf, HttpStatus } from '@realtime/errors';
import { ndjsonLines } from '@realtime/replay/line';
import { parseReplayRange } from '@realtime/replay/range';
import type { Logger } from '@realtime/log';
import type { ChangeHistory } from '../ports.ts';
import type { TenantService } from '../core/tenant-service.ts';
import { answerVerify, verifyFlag } from './changes-verify.ts';

export interface ChangesDeps {
  tenants: Pick<TenantService, 'get'>;
  changes: ChangeHistory;
  log: Logger;
}

export function changesHandler(d: ChangesDeps): RequestHandler {
  return async (req, res) => {
    const tenant = String(req.params.id);
    if (!(await d.tenants.get(tenant))) return void res.status(HttpStatus.NotFound).json({ message: 'not found' });
    const parsed = parseReplayRange({ from: req.query.from, to: req.query.to, table: req.query.table });
    const verify = verifyFlag(req.query);
    if (!parsed.ok || typeof verify === 'string') return void res.status(HttpStatus.UnprocessableEntity).json({ errors: { ...(parsed.ok ? {} : parsed.errors), ...(typeof verify === 'string' ? { verify: [verify] } : {}) } });
    if (verify) return answerVerify(res, d.changes, tenant, parsed.range);

    const stream = await d.changes.open(tenant, parsed.range); // a Kafka failure here is a 500
    res.on('close', () => void stream.close()); // client gone: stop reading at once
    res.status(HttpStatus.Ok).type('application/x-ndjson').set('cache-control', 'no-store');
    res.flushHeaders();
    const started = Date.now();
    try {
      await pipeline(Readable.from(ndjsonLines(stream)), res);
      d.log.info({ tenant, ms: Date.now() - started }, 'changes replayed');
    } catch (err) {
      const gone = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (gone) d.log.info({ tenant }, 'changes replay stopped: client went away');
      else d.log.error({ code: errorCodeOf(err) ?? ErrorCodes.HttpServerError, tenant, err: String(err) }, 'changes replay failed mid-stream');
    } finally {
      await stream.close();
    }
  };
}
