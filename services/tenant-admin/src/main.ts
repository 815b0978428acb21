import { runService } from '@realtime/config';
import { tenantAdminConfig } from './config.ts';
import { start } from './app.ts';

await runService(tenantAdminConfig, (config, log) => start(config, { log }));
