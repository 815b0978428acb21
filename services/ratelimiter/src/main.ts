import { runService } from '@realtime/config';
import { ratelimiterConfig } from './config.ts';
import { start } from './app.ts';

await runService(ratelimiterConfig, (config, log) => start(config, { log }));
