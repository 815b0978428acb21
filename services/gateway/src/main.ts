import { runService } from '@realtime/config';
import { gatewayConfig } from './config.ts';
import { start } from './app.ts';

await runService(gatewayConfig, (config, log) => start(config, { log }));
