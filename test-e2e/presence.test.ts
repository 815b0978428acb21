// Presence across two gateway processes on the suite's single Redis (the scenarios: support/presence-suite.ts).
import { presenceSuite } from './support/presence-suite.ts';

presenceSuite('presence');
