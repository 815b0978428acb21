import { runService } from '@realtime/config';
import { ingestCdcConfig } from './config.ts';
import { start } from './app.ts';

await runService(ingestCdcConfig, (config, log) => start(config, { log }));
