// The app (Kafka, pg, express...) is imported only once the config is valid, so a service with a
// bad setting says so and exits at once, without loading its dependencies first.
import { runService } from '@realtime/config';
import { gatewayConfig } from './config.ts';

await runService(gatewayConfig, async (config, log) => (await import('./app.ts')).start(config, { log }));
