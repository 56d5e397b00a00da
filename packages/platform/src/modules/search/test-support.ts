import { sql } from 'kysely';
import type { Session, TestApp } from '../../kernel/testing.js';
import { cmsModule } from '../cms/index.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { publishingModule } from '../publishing/index.js';
import { type ChannelKind, KNOWN_DOCUMENTS } from './fixtures.js';
import { searchModule } from './index.js';

/*
 * Test bed of the search tests and the quality benchmark: settings + identity + cms (with its
 * demo sites and generated documents) + search, an administrator session, and the labelled
 * set's well-known documents created and published through the cms API like an editor would.
 */

export interface SearchBed {
  t: TestApp;
  admin: Session;
  /** fixture key → document id */
  ids: Map<string, string>;
}

const CHANNELS: Record<ChannelKind, { code: string; name?: string; category?: string; type?: 'gallery' | 'video' }> = {
  service: { code: 'bszn', name: '办事指南', category: 'other' },
  leader: { code: 'ldzc', name: '领导之窗', category: 'other' },
  topic: { code: 'ztzl', name: '专题专栏', category: 'other' },
  policy: { code: 'zcwj' },
  news: { code: 'gzdt' },
  notice: { code: 'tzgg' },
  image: { code: 'tpxw', type: 'gallery' },
  video: { code: 'gzdt', type: 'video' },
  interaction: { code: 'zwzx' },
};

export async function searchTestBed(options: { known?: boolean } = {}): Promise<SearchBed> {
  const t = await identityTestApp({ modules: [cmsModule, publishingModule, searchModule] });
  const admin = await login(t.app, 'admin');
  const ids = new Map<string, string>();
  if (options.known !== false) await createKnownDocuments(t, admin, ids);
  await settle(t);
  return { t, admin, ids };
}

/** Delivers pending events and runs due jobs until both are done (the index is then current). */
export async function settle(t: TestApp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const events = await t.kernel.events.deliverDue();
    const jobs = await t.kernel.jobs.runUntilIdle();
    if (!events && !jobs) return;
  }
}

async function channelFor(t: TestApp, admin: Session, site: string, kind: ChannelKind, cache: Map<string, string>) {
  const spec = CHANNELS[kind];
  const key = `${site}/${spec.code}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const siteRow = await t.kernel.db
    .selectFrom('cms_sites')
    .select('id')
    .where('code', '=', site)
    .executeTakeFirstOrThrow();
  const existing = await t.kernel.db
    .selectFrom('cms_channels')
    .select('id')
    .where('site_id', '=', siteRow.id)
    .where('code', '=', spec.code)
    .executeTakeFirst();
  let id = existing?.id as string | undefined;
  if (!id) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/cms/channels',
      headers: admin.headers,
      payload: {
        siteId: siteRow.id,
        name: spec.name,
        code: spec.code,
        type: 'list',
        category: spec.category,
        reviewMode: 'none',
      },
    });
    if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`channel: ${res.statusCode} ${res.body}`);
    id = res.json().id as string;
  }
  cache.set(key, id);
  return id;
}

export async function createKnownDocuments(t: TestApp, admin: Session, ids: Map<string, string>): Promise<void> {
  const channels = new Map<string, string>();
  for (const doc of KNOWN_DOCUMENTS) {
    const channelId = await channelFor(t, admin, doc.site, doc.channel, channels);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/cms/documents',
      headers: admin.headers,
      payload: {
        channelId,
        title: doc.title,
        type: CHANNELS[doc.channel].type ?? 'text',
        subtitle: doc.subtitle,
        bodyHtml: doc.body,
        custom: doc.custom,
      },
    });
    if (res.statusCode !== 201 && res.statusCode !== 200)
      throw new Error(`document ${doc.key}: ${res.statusCode} ${res.body}`);
    const id = res.json().id as string;
    const published = await t.app.inject({
      method: 'POST',
      url: `/api/cms/documents/${id}/publish`,
      headers: admin.headers,
    });
    if (published.statusCode !== 200) throw new Error(`publish ${doc.key}: ${published.statusCode} ${published.body}`);
    ids.set(doc.key, id);
  }
}

/** Rank (1-based) of `id` in the first `n` results of `q`, or null. */
export function rankOf(items: Array<{ id: string }>, id: string): number | null {
  const index = items.findIndex((item) => item.id === id);
  return index < 0 ? null : index + 1;
}

export { sql };
