import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Session, TestApp } from '../../kernel/testing.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { cmsModule } from './index.js';

/*
 * Fixtures for the documents tests: the demo sites of 市教育局 and 市卫健委 (seeded by the cms
 * module) with channels of each review mode, and logged-in sessions of their demo users.
 */

export interface DocumentsFixture {
  t: TestApp;
  jyjSiteId: string;
  wjwSiteId: string;
  channels: { none: string; one: string; two: string; other: string; wjw: string };
  as: Record<'editor' | 'reviewer' | 'jyjAdmin' | 'wjwEditor' | 'wjwAdmin' | 'admin', Session>;
}

async function siteOf(app: FastifyInstance, orgShortName: string): Promise<string> {
  const row = await app.kernel.db
    .selectFrom('cms_sites as s')
    .innerJoin('identity_orgs as o', 'o.id', 's.owner_org_id')
    .select('s.id')
    .where('o.short_name', '=', orgShortName)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function channel(app: FastifyInstance, siteId: string, code: string, reviewMode: string): Promise<string> {
  const row = await app.kernel.db
    .insertInto('cms_channels')
    .values({ site_id: siteId, name: `测试栏目-${code}`, code, type: 'list', review_mode: reviewMode })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function documentsFixture(): Promise<DocumentsFixture> {
  const t = await identityTestApp({ modules: [cmsModule] });
  // The demo 部门管理员 doubles as a second reviewer and as a publisher in these tests.
  await t.kernel.db
    .updateTable('identity_roles')
    .set({ permissions: sql`permissions || '["document:review", "document:publish"]'::jsonb` })
    .where('code', 'in', ['orgadmin'])
    .execute();
  const jyjSiteId = await siteOf(t.app, '市教育局');
  const wjwSiteId = await siteOf(t.app, '市卫健委');
  const channels = {
    none: await channel(t.app, jyjSiteId, 't-none', 'none'),
    one: await channel(t.app, jyjSiteId, 't-one', 'one'),
    two: await channel(t.app, jyjSiteId, 't-two', 'two'),
    other: await channel(t.app, jyjSiteId, 't-other', 'one'),
    wjw: await channel(t.app, wjwSiteId, 't-wjw', 'one'),
  };
  const as = {
    editor: await login(t.app, 'jyj_editor'),
    reviewer: await login(t.app, 'jyj_reviewer'),
    jyjAdmin: await login(t.app, 'jyj_admin'),
    wjwEditor: await login(t.app, 'wjw_editor'),
    wjwAdmin: await login(t.app, 'wjw_admin'),
    admin: await login(t.app, 'admin'),
  };
  return { t, jyjSiteId, wjwSiteId, channels, as };
}

/** One request as a logged-in user; answers the status and the parsed body. */
export function caller(app: FastifyInstance) {
  return async (who: Session, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
    const res = await app.inject({ method, url, headers: who.headers, payload: payload as any });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
}
