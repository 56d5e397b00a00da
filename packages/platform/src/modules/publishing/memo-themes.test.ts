import { listThemes } from '@jiyue/themes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { buildEngine, forgetEngines, PageRenderer } from './render.js';
import type { MemoryDocSource } from './site-data.js';

/*
 * The two speed-ups of rendering from memory on the real themes — remembered partials with their
 * holes (memo.ts) and the compiled synchronous renderer (compiled.ts): every page of the demo site,
 * both trees, rendered by the production engine (in the order of a rebuild, so that the 关怀版
 * switch and the <head> become holes in the header, footer and page shell) must equal the page
 * LiquidJS alone renders without memory — byte for byte, with the same dependency keys and files.
 */

describe('remembered partials and compiled templates on the real themes', () => {
  let bed: EngineBed;

  beforeAll(async () => {
    bed = await startEngineBed({ realThemes: true });
  });
  afterAll(async () => {
    await bed?.close();
    forgetEngines();
  });

  for (const theme of listThemes().map((t) => t.name)) {
    it(`gives the pages of a fresh render in ${theme}`, async () => {
      const { kernel } = bed.t;
      await kernel.db.updateTable('cms_sites').set({ theme }).where('id', '=', bed.siteId).execute();
      const remembering = (await PageRenderer.create(kernel, bed.siteId, {
        memory: true,
        fresh: true,
      })) as PageRenderer;
      const { engine } = remembering;
      const plain = buildEngine(engine.theme, `${engine.key}-plain`, engine.files, { compiled: false });
      const fresh = new PageRenderer(kernel, remembering.data, plain, {
        ...remembering.options,
        generatedAt: remembering.generatedAt,
        remember: false,
      });
      const plan = (await remembering.plan()).filter((s) => s.kind !== 'sitemap' && s.kind !== 'rss');
      const docs = remembering.data.docs as MemoryDocSource;
      const ids = plan.filter((s) => s.kind === 'article').map((s) => s.documentId as string);
      docs.setBodies((await docs.loadBodies(ids)).values());
      // Twice over: the second pass replays what the first one learnt.
      for (const spec of [...plan, ...plan]) {
        const a = await remembering.render(spec);
        const b = await fresh.render(spec);
        expect(a?.body, `${spec.path} (care: ${spec.care})`).toBe(b?.body);
        expect(a?.deps.sort()).toEqual(b?.deps.sort());
        expect(a?.files).toEqual(b?.files);
      }
      const holes = ['care-switch', 'head'].map((name) => remembering.memo.partials.get(name)?.volatile);
      expect(holes).toEqual([true, true]);
      // The shell around the holes is replayed on most pages.
      expect(remembering.memo.partials.get('shell-end')?.hits).toBeGreaterThan(plan.length / 2);
    });
  }
});
