// Entry of a render worker thread: the platform runs TypeScript through tsx, and a worker does
// not inherit the parent's loader when started with an empty execArgv (vitest's parent has none
// at all), so it registers tsx itself before loading the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./render-worker.ts');
