// The presence rules as the store's port (ports.ts PresenceRules): app.ts hands them to the Redis
// store, which runs them inside its transaction, so the adapter knows Redis and calls no core
// function itself (docs/STYLE.md §2: ports are owned by the code that uses them).
import type { PresenceRules } from '../ports.ts';
import { scopeOf } from './apply.ts';
import { step } from './step.ts';

export const presenceRules: PresenceRules = { scope: scopeOf, plan: step };
