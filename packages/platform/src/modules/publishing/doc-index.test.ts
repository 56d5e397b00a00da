import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docIndexCopy, withDocIndex } from './doc-index.js';
import { type EngineBed, startEngineBed } from './engine.test-support.js';
import { refreshForDocument } from './events.js';
import { enqueueRebuild } from './jobs.js';
import { siteDir } from './output.js';
import { type DocMeta, MemoryDocSource } from './site-data.js';

/*
 * The resident document index (doc-index.ts): a site's list fields kept in memory between
 * publishes and changed a document at a time. Changed in place it must answer exactly like a
 * source read afresh; it must see changes made by other nodes; a publish through it renders the
 * same pages as before, including the lists a moved document left.
 */

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

function metaOf(rnd: () => number, id: number, channels: string[]): DocMeta {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    channelId: channels[Math.floor(rnd() * channels.length)],
    type: 'text',
    title: `信息 ${id}`,
    shortTitle: null,
    summary: null,
    source: null,
    // Few distinct dates: ties are broken by id, as in the database's order.
    publishAt: new Date(Date.UTC(2026, 0, 1 + Math.floor(rnd() * 20))),
    pinned: rnd() < 0.05,
    isNew: false,
    linkUrl: null,
    cover: rnd() < 0.3 ? { sha256: 'a'.repeat(64), ext: 'png' } : null,
  };
}

describe('MemoryDocSource changed in place', () => {
  it('answers every list, count and neighbour query like a source built from the final documents', () => {
    const rnd = random(7);
    const channels = ['c1', 'c2', 'c3', 'c4'];
    const scopes: (string[] | null)[] = [null, ['c1'], ['c2', 'c3'], ['c4', 'c1', 'c2']];
    const docs = new Map<string, DocMeta>();
    for (let i = 0; i < 400; i++) {
      const m = metaOf(rnd, i, channels);
      docs.set(m.id, m);
    }
    const live = MemoryDocSource.fromMetas([...docs.values()]);
    // Lists asked for before the changes are kept by the source: they must follow the changes.
    for (const scope of scopes) {
      live.list(scope, { limit: 5 });
      live.count(scope, true);
    }
    for (let step = 0; step < 600; step++) {
      const id = Math.floor(rnd() * 500);
      const key = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`;
      if (rnd() < 0.3) {
        live.remove(key);
        docs.delete(key);
      } else {
        // New, or the same document with another date, channel, pin or cover.
        const m = metaOf(rnd, id, channels);
        live.upsert(m);
        docs.set(key, m);
      }
    }
    const fresh = MemoryDocSource.fromMetas([...docs.values()]);
    expect(live.size).toBe(docs.size);
    expect(live.all.map((m) => m.id)).toEqual(fresh.all.map((m) => m.id));
    for (const scope of scopes) {
      for (const withImage of [false, true]) {
        expect(live.count(scope, withImage)).toBe(fresh.count(scope, withImage));
        const ids = (s: MemoryDocSource) => s.list(scope, { offset: 3, limit: 40, withImage }).map((m) => m.id);
        expect(ids(live)).toEqual(ids(fresh));
      }
    }
    for (const m of [...docs.values()].slice(0, 50)) {
      const a = live.around(m, 3);
      const b = fresh.around(m, 3);
      expect([a.prev?.id, a.next?.id, a.related.map((r) => r.id)]).toEqual([
        b.prev?.id,
        b.next?.id,
        b.related.map((r) => r.id),
      ]);
    }
  });
});

describe('the resident index and publishing through it', () => {
  let bed: EngineBed;
  let root: string;
  const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');
  const api = (method: 'POST', url: string, payload?: unknown) =>
    bed.app.inject({ method, url, headers: bed.admin.headers, payload: payload as any });
  const visible = async () => {
    const rows = await bed.t.kernel.db
      .selectFrom('cms_channels')
      .select('id')
      .where('site_id', '=', bed.siteId)
      .where('status', '=', 'enabled')
      .execute();
    return rows.map((r) => r.id);
  };

  beforeAll(async () => {
    bed = await startEngineBed();
    root = siteDir(bed.t.kernel, bed.siteCode);
    await bed.rebuild();
  }, 300_000);
  afterAll(async () => {
    await bed?.close();
  });

  it('sees documents changed by another node (straight in the database) at its next use', async () => {
    const { db } = bed.t.kernel;
    const before = await docIndexCopy(db, bed.siteId, await visible());
    const first = before.all[0];
    expect(first).toBeTruthy();
    await sql`update cms_documents set title = '另一节点修改的标题', version = version + 1, updated_at = now()
      where id = ${first.id}`.execute(db);
    await sql`update cms_documents set deleted_at = now(), updated_at = now() where id = ${before.all[1].id}`.execute(
      db,
    );
    const after = await docIndexCopy(db, bed.siteId, await visible());
    expect(after.get(first.id)?.title).toBe('另一节点修改的标题');
    expect(after.get(before.all[1].id)).toBeUndefined();
    expect(after.size).toBe(before.size - 1);
    // The copy taken before is not changed by the sync.
    expect(before.get(first.id)?.title).not.toBe('另一节点修改的标题');
    await sql`update cms_documents set deleted_at = null, updated_at = now() where id = ${before.all[1].id}`.execute(
      db,
    );
  });

  // Needs two connections at once: PostgreSQL only (PGlite runs one statement at a time).
  it.skipIf(!process.env.DATABASE_URL)(
    'sees a change whose transaction began before a sync and committed after it',
    async () => {
      const { db } = bed.t.kernel;
      const before = await docIndexCopy(db, bed.siteId, await visible());
      const doc = before.all[2];
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let updated: () => void = () => {};
      const ready = new Promise<void>((r) => {
        updated = r;
      });
      // The row is stamped with the transaction's start (now()) and committed only after the sync.
      const writer = db.transaction().execute(async (trx) => {
        await sql`update cms_documents set title = '迟提交的修改', version = version + 1, updated_at = now()
          where id = ${doc.id}`.execute(trx);
        updated();
        await held;
      });
      await ready;
      await new Promise((r) => setTimeout(r, 50));
      const during = await docIndexCopy(db, bed.siteId, await visible());
      expect(during.get(doc.id)?.title).toBe(doc.title);
      release();
      await writer;
      const after = await docIndexCopy(db, bed.siteId, await visible());
      expect(after.get(doc.id)?.title).toBe('迟提交的修改');
    },
  );

  it('an event that a later change of the same document supersedes renders nothing', async () => {
    const { kernel } = bed.t;
    const created = await api('POST', '/api/cms/documents', {
      channelId: bed.channels.tzgg,
      title: '被后续修改取代的事件',
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await api('POST', `/api/cms/documents/${id}/publish`)).statusCode).toBe(200);
    const row = await kernel.db
      .selectFrom('cms_documents')
      .select(['version', 'channel_id'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const event = { documentId: id, siteId: bed.siteId, channelId: row.channel_id };
    const old = await refreshForDocument(kernel, { ...event, version: row.version - 1 });
    expect(old.written).toEqual([]);
    const current = await refreshForDocument(kernel, { ...event, version: row.version });
    expect(current.written).toEqual(expect.arrayContaining([`zwgk/tzgg/${id}.html`, 'zwgk/tzgg/index.html']));
    expect(read('zwgk/tzgg/index.html')).toContain('被后续修改取代的事件');
    await kernel.events.deliverDue();
    await kernel.jobs.runUntilIdle();
  });

  it('a moved document leaves its old channel page and shows in the new one', async () => {
    const { kernel } = bed.t;
    const title = '从通知公告移到工作动态的信息';
    const created = await api('POST', '/api/cms/documents', { channelId: bed.channels.tzgg, title });
    const id = created.json().id as string;
    expect((await api('POST', `/api/cms/documents/${id}/publish`)).statusCode).toBe(200);
    await kernel.events.deliverDue();
    expect(read('zwgk/tzgg/index.html')).toContain(title);
    // Warm: the index knows where the document was.
    await withDocIndex(kernel.db, bed.siteId, await visible(), [id], async ({ source }) => {
      expect(source.get(id)?.channelId).toBe(bed.channels.tzgg);
    });
    const moved = await api('POST', `/api/cms/documents/${id}/move`, { targetChannelId: bed.channels.gzdt });
    expect(moved.statusCode, moved.body).toBe(200);
    await kernel.events.deliverDue();
    const dir = await kernel.db
      .selectFrom('cms_channels as c')
      .innerJoin('cms_channels as p', 'p.id', 'c.parent_id')
      .select(['p.code as parent', 'c.code'])
      .where('c.id', '=', bed.channels.gzdt)
      .executeTakeFirstOrThrow();
    for (const tree of ['', 'care/']) {
      expect(read(`${tree}zwgk/tzgg/index.html`)).not.toContain(title);
      expect(read(`${tree}${dir.parent}/${dir.code}/index.html`)).toContain(title);
      expect(read(`${tree}${dir.parent}/${dir.code}/${id}.html`)).toContain(title);
    }
    await kernel.jobs.runUntilIdle();
  });

  it('a withdrawal that shortens a channel removes its last list page', async () => {
    const { kernel } = bed.t;
    const count = async () =>
      Number(
        (
          await sql<{ n: number }>`select count(*)::int as n from cms_documents
            where channel_id = ${bed.channels.tzgg} and state = 'published' and deleted_at is null`.execute(kernel.db)
        ).rows[0].n,
      );
    await kernel.db
      .insertInto('settings_parameters')
      .values({ key: 'publishing.pageSize', value_type: 'number', value: JSON.stringify(2) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(2) }))
      .execute();
    try {
      // At least three pages and an odd number of documents: the last page holds one, and
      // withdrawing one removes that page.
      for (let n = await count(); n < 5 || n % 2 === 0; n++) {
        const extra = await api('POST', '/api/cms/documents', {
          channelId: bed.channels.tzgg,
          title: `补足的信息${n}`,
        });
        expect((await api('POST', `/api/cms/documents/${extra.json().id}/publish`)).statusCode).toBe(200);
      }
      await enqueueRebuild(kernel, kernel.db, bed.siteId);
      await kernel.events.deliverDue();
      await kernel.jobs.runUntilIdle();
      const pages = Math.ceil((await count()) / 2);
      expect(pages).toBeGreaterThan(1);
      const last = `zwgk/tzgg/index_${pages}.html`;
      expect(read(last)).toContain(`第 ${pages}/${pages} 页`);
      const victim = await kernel.db
        .selectFrom('cms_documents')
        .select('id')
        .where('channel_id', '=', bed.channels.tzgg)
        .where('state', '=', 'published')
        .executeTakeFirstOrThrow();
      expect((await api('POST', `/api/cms/documents/${victim.id}/withdraw`)).statusCode).toBe(200);
      await kernel.events.deliverDue();
      const gone = await bed.app.inject({ url: `/sites/${bed.siteCode}/${last}` });
      expect(gone.statusCode).toBe(404);
      const rows = await kernel.db
        .selectFrom('publishing_pages')
        .select('path')
        .where('site_id', '=', bed.siteId)
        .where('path', 'in', [last, `care/${last}`])
        .execute();
      expect(rows).toEqual([]);
      await kernel.jobs.runUntilIdle();
      const before = pages - 1 === 1 ? 'zwgk/tzgg/index.html' : `zwgk/tzgg/index_${pages - 1}.html`;
      expect(read(before)).toContain(`第 ${pages - 1}/${pages - 1} 页`);
    } finally {
      await kernel.db.deleteFrom('settings_parameters').where('key', '=', 'publishing.pageSize').execute();
    }
  });
});
