import { runService } from '@realtime/config';
import { presenceConfig } from './config.ts';
import { start } from './app.ts';

await runService(presenceConfig, (config, log) => start(config, { log }));
