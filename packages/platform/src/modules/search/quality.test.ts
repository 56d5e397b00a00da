import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicSearch } from './engine.js';
import { LABELLED_QUERIES, type QueryClass } from './fixtures.js';
import { rankOf, type SearchBed, searchTestBed } from './test-support.js';

/*
 * The labelled query set over the demo content plus the well-known documents: each query must
 * bring its document into the first five results for at least 90 % of the set, and for every
 * class separately at least 80 % — a regression in pinyin or typo handling shows by name.
 */

let bed: SearchBed;
beforeAll(async () => {
  bed = await searchTestBed();
}, 300_000);
afterAll(async () => bed?.t.close());

describe('labelled query set (≥100 queries)', () => {
  it('finds the expected document in the top 5', async () => {
    expect(LABELLED_QUERIES.length).toBeGreaterThanOrEqual(100);
    const misses: string[] = [];
    const byClass = new Map<QueryClass, { n: number; hits: number }>();
    for (const [q, key, cls] of LABELLED_QUERIES) {
      const id = bed.ids.get(key);
      expect(id, key).toBeTruthy();
      const answer = await publicSearch(bed.t.kernel, { q, pageSize: 5 });
      const rank = rankOf(answer.items, id as string);
      const stat = byClass.get(cls) ?? { n: 0, hits: 0 };
      stat.n++;
      if (rank) stat.hits++;
      else misses.push(`${cls}: ${q} → ${answer.query} [${answer.items.map((i) => i.title).join(' | ')}]`);
      byClass.set(cls, stat);
    }
    const hits = [...byClass.values()].reduce((s, c) => s + c.hits, 0);
    if (misses.length) console.log(`misses (${misses.length}):\n${misses.join('\n')}`);
    expect(hits / LABELLED_QUERIES.length).toBeGreaterThanOrEqual(0.9);
    for (const [cls, stat] of byClass) expect(stat.hits / stat.n, cls).toBeGreaterThanOrEqual(0.8);
  }, 300_000);
});
