export { createInspector, type InspectorOptions, type Middleware } from './handler.ts';
