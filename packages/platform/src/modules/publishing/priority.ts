/*
 * Publishes first (发布优先): a publish renders its article, channel page 1 and home page in the
 * event handler, and a visitor waits for them; a background pass (a rebuild, the settling of deep
 * list pages) can wait. Background passes on this node start each batch only when no publish is
 * being rendered here, and a settling job waits until the site has been quiet for a moment.
 * (Other nodes' publishes are seen through the settling jobs' own timestamps only.)
 */

let inFlight = 0;
const waiters: (() => void)[] = [];
const lastActivity = new Map<string, number>();

/** Runs a publish's synchronous rendering, marking the node and the site busy meanwhile. */
export async function asPublish<T>(siteId: string, run: () => Promise<T>): Promise<T> {
  inFlight++;
  lastActivity.set(siteId, Date.now());
  try {
    return await run();
  } finally {
    inFlight--;
    lastActivity.set(siteId, Date.now());
    if (inFlight === 0) for (const w of waiters.splice(0)) w();
  }
}

/** Resolves when no publish is being rendered on this node. */
export function publishesIdle(): Promise<void> {
  if (inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => waiters.push(resolve));
}

/** When this node last rendered a publish of the site (ms since epoch; 0 = never). */
export function lastPublishOf(siteId: string): number {
  return lastActivity.get(siteId) ?? 0;
}
