import { sql } from 'kysely';
import type { JiyueModule } from '../../kernel/module.js';
import type { Session, TestApp } from '../../kernel/testing.js';
import { cmsModule } from '../cms/index.js';
import { identityTestApp, login } from '../identity/test-support.js';
import { assetsRoutes } from './assets.routes.js';
import { PUBLISHING_PERMISSIONS } from './index.js';
import { publishingMigrations } from './schema.js';
import { templatesRoutes } from './templates.routes.js';
import { topicsRoutes } from './topics.routes.js';

/*
 * Test bed of the publishing console's routes (模板管理, 专题, 素材库): the real cms (with its demo
 * sites and documents), the publishing tables, and only the console's routes, so the tests see
 * the events the console emits in the outbox rather than the engine's reaction to them.
 */

export const consoleModule: JiyueModule = {
  name: 'publishing',
  migrations: publishingMigrations,
  permissions: PUBLISHING_PERMISSIONS,
  async routes(app, kernel) {
    await templatesRoutes(app, kernel);
    await topicsRoutes(app, kernel);
    await assetsRoutes(app, kernel);
  },
};

export interface ConsoleBed {
  t: TestApp;
  admin: Session;
  /** 市教育局's 部门管理员 with template:manage and topic:manage over 市教育局 only. */
  jyjAdmin: Session;
  /** 市教育局's 信息员: no publishing permission. */
  jyjEditor: Session;
  jyjSite: string;
  wjwSite: string;
  close(): Promise<void>;
}

export async function startConsoleBed(): Promise<ConsoleBed> {
  const t = await identityTestApp({ modules: [cmsModule, consoleModule] });
  const { db } = t.kernel;
  await db
    .updateTable('identity_roles')
    .set({ permissions: sql`permissions || '["template:manage", "topic:manage"]'::jsonb` })
    .where('code', '=', 'orgadmin')
    .execute();
  const site = async (code: string) =>
    (await db.selectFrom('cms_sites').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id as string;
  return {
    t,
    admin: await login(t.app, 'admin'),
    jyjAdmin: await login(t.app, 'jyj_admin'),
    jyjEditor: await login(t.app, 'jyj_editor'),
    jyjSite: await site('jyj'),
    wjwSite: await site('wjw'),
    close: () => t.close(),
  };
}

export async function call(t: TestApp, session: Session, method: string, url: string, payload?: unknown) {
  const res = await t.app.inject({
    method: method as 'GET',
    url,
    headers: session.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers };
}

export interface Part {
  name: string;
  value?: string;
  filename?: string;
  data?: Buffer | Uint8Array;
}

/** A multipart/form-data body built by hand, so names like `../x` reach the server as sent. */
export function multipart(parts: Part[]): { body: Buffer; type: string } {
  const boundary = `----jiyue${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${disposition}\r\n`));
    if (p.filename !== undefined) chunks.push(Buffer.from('Content-Type: application/octet-stream\r\n'));
    chunks.push(Buffer.from('\r\n'), Buffer.from(p.data ?? Buffer.from(p.value ?? '')), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(t: TestApp, session: Session, url: string, parts: Part[]) {
  const { body, type } = multipart(parts);
  const res = await t.app.inject({
    method: 'POST',
    url,
    headers: { ...session.headers, 'content-type': type },
    payload: body,
  });
  return { status: res.statusCode, body: res.json() };
}

/** Events the console wrote to the outbox, by name. */
export async function outbox(t: TestApp, name: string): Promise<any[]> {
  const rows = await t.kernel.db
    .selectFrom('event_outbox')
    .select('payload')
    .where('name', '=', name)
    .orderBy('id')
    .execute();
  return rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload));
}

/** A 1×1 PNG: uploads are sniffed, so it must really be one. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A small theme of known templates, imported through 模板库, so previews do not depend on the built-in themes. */
export const FIXTURE_THEME: Record<string, string> = {
  'theme.json': JSON.stringify({ name: 'fixture', title: '测试主题', kind: 'department', description: '', colors: {} }),
  'layouts/base.liquid':
    '<!doctype html><html lang="zh-CN"><head><title>{{ page.title }}</title></head><body><header>{{ site.name }}</header>{{ content | raw }}</body></html>',
  'index.liquid':
    '<h1>{{ site.name }}</h1>{% documents "*" limit:5 as latest %}{% for d in latest %}<a href="{{ d.url }}">{{ d.title }}</a>{% endfor %}',
  'channel.liquid':
    '<h1>{{ channel.name }}</h1>{% for d in documents %}<a href="{{ d.url }}">{{ d.title }}</a>{% endfor %}',
  'article.liquid': '<h1>{{ document.title }}</h1>{{ document.bodyHtml | raw }}',
  'topic.liquid':
    '<main style="background:{{ topic.background.color }}"><h1>{{ topic.title }}</h1>{% for m in topic.modules %}<section class="m-{{ m.type }}">{% if m.type == "text" %}<h2>{{ m.props.title }}</h2>{{ m.props.html | raw }}{% elsif m.type == "banner" %}<img src="{{ m.props.imageUrl }}" alt="{{ m.props.title }}">{% endif %}</section>{% endfor %}</main>',
  '404.liquid': '<h1>页面不存在</h1>',
};

export async function importFixtureTheme(t: TestApp, admin: Session, name = 'fixture'): Promise<void> {
  const { zipSync, strToU8 } = await import('fflate');
  const zip = zipSync(Object.fromEntries(Object.entries(FIXTURE_THEME).map(([k, v]) => [k, strToU8(v)])));
  const res = await upload(t, admin, '/api/publishing/themes/import', [
    { name: 'name', value: name },
    { name: 'file', filename: `${name}.zip`, data: zip },
  ]);
  if (res.status !== 201) throw new Error(`fixture theme import failed: ${JSON.stringify(res.body)}`);
}
