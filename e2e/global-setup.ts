/*
 * Builds the console once before any test file runs. Browser test files run in parallel workers;
 * each would otherwise find packages/admin/dist missing or stale and rebuild it at the same time,
 * renaming chunks under a page another worker has just loaded.
 */
import { buildConsole } from './browser-support.js';

export default function setup(): void {
  buildConsole();
}
