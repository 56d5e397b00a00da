import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../kernel/testing.js';
import { login } from '../identity/test-support.js';
import { publicSearch, searchTuning } from './engine.js';
import { invalidateSelectivity } from './selectivity.js';
import { type SearchBed, searchTestBed, settle } from './test-support.js';

/*
 * The search module end to end over HTTP: the public API (correction, pinyin, 百姓体, blocked
 * terms, facets, 二次检索, 精准, hostile input), the index following cms events, the console
 * APIs (全局搜索 with scope and batch operations, 检索词典, 检索日志, rebuild) and the page.
 */

let bed: SearchBed;
let get: (url: string, who?: Session) => Promise<{ status: number; body: any; raw: string }>;
let send: (
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  who: Session,
  payload?: unknown,
) => Promise<{ status: number; body: any }>;

beforeAll(async () => {
  bed = await searchTestBed();
  get = async (url, who) => {
    const res = await bed.t.app.inject({ method: 'GET', url, headers: who?.headers });
    let body: any = null;
    try {
      body = res.json();
    } catch {
      body = null;
    }
    return { status: res.statusCode, body, raw: res.body };
  };
  send = async (method, url, who, payload) => {
    const res = await bed.t.app.inject({ method, url, headers: who.headers, payload: payload as any });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
}, 300_000);
afterAll(async () => bed?.t.close());

const q = (text: string, extra = '') => `/api/search?q=${encodeURIComponent(text)}${extra}`;

describe('public search API', () => {
  it('answers the documented shape with highlighted snippets and facets', async () => {
    const { status, body } = await get(q('营业执照'));
    expect(status).toBe(200);
    expect(body.total).toBeGreaterThan(0);
    const item = body.items[0];
    expect(item).toMatchObject({
      title: expect.any(String),
      url: expect.any(String),
      site: expect.any(String),
      channel: expect.any(String),
    });
    expect(item.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(item.titleHtml).toContain('<em>营业执照</em>');
    expect(body.items.some((i: any) => i.snippet.includes('<em>'))).toBe(true);
    expect(body.facets.sites.length).toBeGreaterThan(0);
    expect(body.facets.types.map((t: any) => t.value)).toContain('service');
    expect(body.facets.ranges.map((r: any) => r.value)).toEqual(['week', 'month', 'year']);
    // The article page in the site's static output: <site>/<channel path>/<id>.html (decision 0006).
    expect(body.items.find((i: any) => i.id === bed.ids.get('yyzz')).url).toBe(
      `/sites/scjgj/bszn/${bed.ids.get('yyzz')}.html`,
    );
  });

  it('智能纠错: 新乡市人民政付 and 营业执招 are corrected and the correction is searched', async () => {
    const gov = await get(q('新乡市人民政付'));
    expect(gov.body.correction).toMatchObject({ from: '新乡市人民政付', to: '新乡市人民政府' });
    expect(gov.body.total).toBeGreaterThan(0);
    const yyzz = await get(q('营业执招'));
    expect(yyzz.body.correction.to).toBe('营业执照');
    expect(yyzz.body.items[0].id).toBe(bed.ids.get('yyzz'));
    // a correct query is left alone
    expect((await get(q('营业执照'))).body.correction).toBeUndefined();
  });

  it('拼音转化 and initials: gongjijin tiqu finds 公积金提取, yyzz finds 营业执照', async () => {
    const py = await get(q('gongjijin tiqu'));
    expect(py.body.correction).toMatchObject({ to: '公积金提取', reason: 'pinyin' });
    expect(py.body.items.slice(0, 5).map((i: any) => i.id)).toContain(bed.ids.get('gjj-tiqu'));
    const initials = await get(q('yyzz'));
    expect(initials.body.items.slice(0, 5).map((i: any) => i.id)).toContain(bed.ids.get('yyzz'));
  });

  it('百姓体识别: colloquial words search their official terms', async () => {
    const birth = await get(q('生孩子'));
    expect(birth.body.expansions).toContainEqual({
      term: '生孩子',
      to: expect.arrayContaining(['生育登记', '出生医学证明']),
    });
    const ids = birth.body.items.map((i: any) => i.id);
    expect(ids).toContain(bed.ids.get('birth'));
    expect(ids).toContain(bed.ids.get('birth-cert'));
    expect((await get(q('办身份证'))).body.items[0].id).toBe(bed.ids.get('sfz'));
    expect((await get(q('退休金'))).body.items[0].id).toBe(bed.ids.get('pension'));
  });

  it('traditional characters are searched as simplified', async () => {
    expect((await get(q('營業執照'))).body.items[0].id).toBe(bed.ids.get('yyzz'));
  });

  it('分类搜索: site, type, category, time range, sort and paging', async () => {
    const all = (await get(q('办理'))).body;
    expect(all.total).toBeGreaterThan(5);
    const site = (await get(q('办理', '&site=gaj'))).body;
    expect(site.total).toBeGreaterThan(0);
    expect(site.items.every((i: any) => i.site === 'gaj')).toBe(true);
    const services = (await get(q('办理', '&type=service'))).body;
    expect(services.items.every((i: any) => i.kind === 'service')).toBe(true);
    expect(services.items[0].fields).toHaveProperty('department');
    const notices = (await get(q('2026', '&category=notice'))).body;
    expect(notices.items.every((i: any) => i.category === 'notice')).toBe(true);
    const week = (await get(q('办理', '&range=week'))).body;
    expect(week.total).toBeGreaterThan(0);
    const future = (await get(q('办理', '&from=2099-01-01&to=2099-12-31'))).body;
    expect(future.total).toBe(0);
    const newest = (await get(q('新乡', '&sort=newest&pageSize=10'))).body;
    const dates = newest.items.map((i: any) => i.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    const page2 = (await get(q('新乡', '&sort=newest&pageSize=10&page=2'))).body;
    expect(page2.page).toBe(2);
    expect(page2.items.map((i: any) => i.id)).not.toContain(newest.items[0].id);
  });

  it('a query matching many documents is asked within a window of the newest: same page, estimated total', async () => {
    // The window plan needs the statistics of ANALYZE; the corpus is small, so the threshold is
    // lowered for this test (a million documents take the plan at 3,000 expected matches).
    await sql`analyze search_documents`.execute(bed.t.kernel.db);
    invalidateSelectivity();
    const input = { q: '新乡', sort: 'newest' as const, pageSize: 10 };
    const exact = await publicSearch(bed.t.kernel, input);
    const saved = { ...searchTuning };
    searchTuning.windowMinMatches = 10;
    searchTuning.windowMinSample = 10;
    searchTuning.windowMaxShare = 0.9;
    try {
      const windowed = await publicSearch(bed.t.kernel, input);
      expect(exact.totalIsEstimate).toBe(false);
      expect(exact.total).toBeGreaterThan(40);
      expect(windowed.totalIsEstimate).toBe(true);
      expect(windowed.capped).toBe(true);
      expect(windowed.items.map((i) => i.id)).toEqual(exact.items.map((i) => i.id));
      expect(windowed.total).toBeGreaterThan(exact.total / 2);
      expect(windowed.total).toBeLessThan(exact.total * 2);
      const sites = windowed.facets.sites.reduce((n, f) => n + f.count, 0);
      expect(sites).toBeGreaterThan(exact.total / 2);
      // relevance: the newest RANKED matches are in the window, so the same page again
      const ranked = { q: '新乡', pageSize: 10 };
      searchTuning.windowMinMatches = Number.POSITIVE_INFINITY;
      const exactRanked = await publicSearch(bed.t.kernel, ranked);
      searchTuning.windowMinMatches = 10;
      expect((await publicSearch(bed.t.kernel, ranked)).items.map((i) => i.id)).toEqual(
        exactRanked.items.map((i) => i.id),
      );
      // a window holding too few matches (a site filter) is widened until the page is right
      const site = { q: '新乡', site: 'gaj', sort: 'newest' as const, pageSize: 10 };
      searchTuning.windowMinMatches = Number.POSITIVE_INFINITY;
      const exactSite = await publicSearch(bed.t.kernel, site);
      searchTuning.windowMinMatches = 10;
      expect((await publicSearch(bed.t.kernel, site)).items.map((i) => i.id)).toEqual(exactSite.items.map((i) => i.id));
    } finally {
      Object.assign(searchTuning, saved);
    }
  });

  it('二次检索 narrows the results; 精准 requires the literal phrase', async () => {
    const first = (await get(q('办事指南'))).body;
    const within = (await get(`${q('公积金')}&within=${encodeURIComponent('办事指南')}`)).body;
    expect(within.total).toBeGreaterThan(0);
    expect(within.total).toBeLessThan(first.total);
    expect(within.items.every((i: any) => i.title.includes('公积金') || i.snippet.includes('公积金'))).toBe(true);
    const exact = (await get(q('"身份证补领"'))).body;
    expect(exact.items.map((i: any) => i.id)).toEqual([bed.ids.get('sfz-bl')]);
    const exactMode = (await get(q('补领换领', '&mode=exact'))).body;
    expect(exactMode.items.map((i: any) => i.id)).toEqual([bed.ids.get('sfz-bl')]);
  });

  it('answers hostile and empty input safely, never 500', async () => {
    const hostile = [
      '',
      '   ',
      '!!!???',
      '……——',
      'a & | !b',
      "' or 1=1 --",
      '"; drop table search_documents; --',
      '\\\\\\',
      "'公积金':* & !提取",
      '<-> <2> ( ) :A',
      '"',
      '""""',
      '%_%',
      '\u0000\u0001',
      '𠀀𠀁',
      '<script>alert(1)</script>',
    ];
    for (const text of hostile) {
      const res = await get(q(text));
      expect(res.status, text).toBe(200);
      expect(Array.isArray(res.body.items), text).toBe(true);
    }
    const tooLong = await get(q('政'.repeat(101)));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe('query_too_long');
    expect((await get(q('a', '&from=yesterday'))).body.code).toBe('validation_failed');
    expect((await get(q('a', '&from=2026-02-01&to=2026-01-01'))).status).toBe(400);
    expect((await get(q('a', '&sort=random'))).status).toBe(400);
    expect((await get(q('a', '&page=0'))).status).toBe(400);
    expect((await get('/api/search/suggest?q=%27%26%7C!')).status).toBe(200);
    const xss = await get(`/search?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(xss.status).toBe(200);
    expect(xss.raw).not.toContain('<script>alert(1)</script>');
    expect(xss.raw).toContain('&lt;script&gt;');
  });

  it('智能提示: Hanzi, full pinyin and initials', async () => {
    const han = (await get('/api/search/suggest?q=营业')).body.items.map((i: any) => i.text);
    expect(han.some((t: string) => t.startsWith('营业执照'))).toBe(true);
    const initials = (await get('/api/search/suggest?q=yyzz')).body.items.map((i: any) => i.text);
    expect(initials).toContain('营业执照');
    const full = (await get('/api/search/suggest?q=gongjijin')).body.items.map((i: any) => i.text);
    expect(full.some((t: string) => t.includes('公积金'))).toBe(true);
    // hot queries come first once people search them
    for (let i = 0; i < 3; i++) await get(q('营业执照办理指南'));
    const hot = (await get('/api/search/suggest?q=营业')).body.items;
    expect(hot[0]).toEqual({ text: expect.any(String), source: expect.any(String) });
    expect((await get('/api/search/suggest?q=')).body.items).toEqual([]);
  });

  it('信息资源聚合: the search home lists the newest items per block', async () => {
    const { body } = await get('/api/search/home');
    expect(body.blocks.map((b: any) => b.name)).toEqual([
      '首页',
      '资讯',
      '公开',
      '政策',
      '服务',
      '互动',
      '图片',
      '视频',
      '单位机构',
      '区县',
    ]);
    const service = body.blocks.find((b: any) => b.key === 'service');
    expect(service.items.length).toBeGreaterThan(0);
    expect(body.blocks.find((b: any) => b.key === 'image').items[0].title).toContain('摄影作品展');
  });
});

describe('index follows the cms', () => {
  it('withdraw, edit and delete reach the public search after the events', async () => {
    const id = bed.ids.get('canji') as string;
    expect((await get(q('残疾人证'))).body.items.map((i: any) => i.id)).toContain(id);
    expect((await send('POST', `/api/cms/documents/${id}/withdraw`, bed.admin)).status).toBe(200);
    await settle(bed.t);
    expect((await get(q('残疾人证'))).body.items.map((i: any) => i.id)).not.toContain(id);
    expect((await send('POST', `/api/cms/documents/${id}/publish`, bed.admin)).status).toBe(200);
    const doc = (await get(`/api/cms/documents/${id}`, bed.admin)).body;
    const patched = await send('PATCH', `/api/cms/documents/${id}`, bed.admin, {
      version: doc.version + 0,
      title: '残疾人证申领与换领办理指南',
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await settle(bed.t);
    expect((await get(q('残疾人证申领'))).body.items[0]).toMatchObject({ id, title: '残疾人证申领与换领办理指南' });
    expect((await send('DELETE', `/api/cms/documents/${id}`, bed.admin)).status).toBe(200);
    await settle(bed.t);
    expect((await get(q('残疾人证'))).body.items.map((i: any) => i.id)).not.toContain(id);
    const row = await bed.t.kernel.db
      .selectFrom('search_documents')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('drafts are indexed for the console but never shown to the public', async () => {
    const draft = await bed.t.kernel.db
      .selectFrom('search_documents')
      .select(['id', 'title'])
      .where('state', '=', 'draft')
      .limit(1)
      .executeTakeFirstOrThrow();
    const pub = (await get(q(draft.title))).body.items.map((i: any) => i.id);
    expect(pub).not.toContain(draft.id);
    const global = (await get(`/api/search/global?q=${encodeURIComponent(draft.title)}&state=draft`, bed.admin)).body;
    expect(global.items.map((i: any) => i.id)).toContain(draft.id);
  });

  it('rebuilds the index as a job with progress; one at a time', async () => {
    await bed.t.kernel.db.deleteFrom('search_documents').where('kind', '=', 'leader').execute();
    const started = await send('POST', '/api/search/index/rebuild', bed.admin);
    expect(started.status).toBe(202);
    expect((await send('POST', '/api/search/index/rebuild', bed.admin)).status).toBe(409);
    await bed.t.kernel.jobs.runUntilIdle();
    const job = (await get(`/api/jobs/${started.body.jobId}`, bed.admin)).body;
    expect(job).toMatchObject({ status: 'succeeded' });
    expect(job.done).toBe(job.total);
    const status = (await get('/api/search/index', bed.admin)).body;
    expect(status.documents).toBeGreaterThan(100);
    expect(status.lastBuiltAt).toBeTruthy();
    expect((await get(q('市长李明'))).body.items[0].id).toBe(bed.ids.get('leader-mayor'));
  });
});

describe('console: 全局搜索', () => {
  it('needs search:global and limits results to the sites the user may read', async () => {
    const editor = await login(bed.t.app, 'jyj_editor');
    expect((await get('/api/search/global?q=通知', editor)).status).toBe(403);
    await bed.t.kernel.db
      .updateTable('identity_roles')
      .set({ permissions: sql`permissions || '["search:global"]'::jsonb` })
      .where('code', '=', 'editor')
      .execute();
    const again = await login(bed.t.app, 'jyj_editor');
    const mine = (await get('/api/search/global?pageSize=100', again)).body;
    expect(mine.total).toBeGreaterThan(0);
    expect(new Set(mine.items.map((i: any) => i.siteCode))).toEqual(new Set(['jyj']));
    const gaj = await bed.t.kernel.db
      .selectFrom('cms_sites')
      .select('id')
      .where('code', '=', 'gaj')
      .executeTakeFirstOrThrow();
    expect((await get(`/api/search/global?siteId=${gaj.id}`, again)).status).toBe(403);
    const all = (await get('/api/search/global?q=办事指南&field=title', bed.admin)).body;
    expect(new Set(all.items.map((i: any) => i.siteCode)).size).toBeGreaterThan(3);
    expect(all.items[0]).toMatchObject({ stateName: expect.any(String), channelName: expect.any(String) });
    expect((await get('/api/search/global?bogus=1', bed.admin)).status).toBe(400);
  });

  it('filters by channel category, ranks by relevance with snippets, or lists newest first', async () => {
    const url = (extra: string) => `/api/search/global?q=${encodeURIComponent('住房公积金提取')}&field=all${extra}`;
    const ranked = (await get(url(''), bed.admin)).body;
    expect(ranked.items[0].id).toBe(bed.ids.get('gjj-tiqu'));
    expect(ranked.items[0].snippet).toContain('<em>');
    const newest = (await get(url('&sort=newest&pageSize=100'), bed.admin)).body;
    const created = newest.items.map((i: any) => i.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const other = (await get(url('&category=other&pageSize=100'), bed.admin)).body;
    expect(other.total).toBeGreaterThan(0);
    expect(other.items.every((i: any) => i.category === 'other')).toBe(true);
    const none = (await get(url('&category=personnel'), bed.admin)).body;
    expect(none.items.map((i: any) => i.id)).not.toContain(bed.ids.get('gjj-tiqu'));
    expect((await get(url('&category=a%27b'), bed.admin)).status).toBe(400);
    expect(
      (await get(`/api/search/global?q=x&field=title`, bed.admin)).body.items.every((i: any) => !('snippet' in i)),
    ).toBe(true);
  });

  it('batch-withdraws and moves results through the cms, the index updated at once', async () => {
    const ids = [bed.ids.get('image'), bed.ids.get('video')] as string[];
    const res = await send('POST', '/api/search/global/batch', bed.admin, { action: 'withdraw', ids });
    expect(res.status).toBe(200);
    expect(res.body.results.every((r: any) => r.ok)).toBe(true);
    const listed = (await get('/api/search/global?q=宣传片&state=withdrawn', bed.admin)).body;
    expect(listed.items.map((i: any) => i.id)).toContain(bed.ids.get('video'));
    expect((await get(q('城市形象宣传片'))).body.items.map((i: any) => i.id)).not.toContain(bed.ids.get('video'));
    const bad = await send('POST', '/api/search/global/batch', bed.admin, { action: 'move', ids });
    expect(bad.status).toBe(400);
    const editor = await login(bed.t.app, 'jyj_editor');
    const refused = await send('POST', '/api/search/global/batch', editor, {
      action: 'delete',
      ids: [bed.ids.get('yyzz')],
    });
    expect(refused.status).toBe(200);
    expect(refused.body.results[0]).toMatchObject({ ok: false, status: 403 });
  });
});

describe('console: 检索词典', () => {
  it('CRUD with validation and audit; changes apply to the next query', async () => {
    const created = await send('POST', '/api/search/dictionaries/plain', bed.admin, {
      term: '开车本',
      targets: ['机动车驾驶证'],
    });
    expect(created.status).toBe(201);
    expect((await get(q('开车本'))).body.items[0].id).toBe(bed.ids.get('jiazhao'));
    expect(
      (await send('POST', '/api/search/dictionaries/plain', bed.admin, { term: '开车本', targets: ['x'] })).body.code,
    ).toBe('search_term_exists');
    expect((await send('POST', '/api/search/dictionaries/plain', bed.admin, { term: '无对应' })).body.code).toBe(
      'search_targets_required',
    );
    expect(
      (await send('POST', '/api/search/dictionaries/blocked', bed.admin, { term: '某词', targets: ['x'] })).body.code,
    ).toBe('search_targets_not_allowed');
    expect(
      (await send('POST', '/api/search/dictionaries/plain', bed.admin, { term: 'x', targets: ['y'], extra: 1 })).status,
    ).toBe(400);
    expect((await send('POST', '/api/search/dictionaries/nope', bed.admin, { term: 'x' })).status).toBe(400);
    const list = (await get('/api/search/dictionaries/plain?q=开车', bed.admin)).body;
    expect(list.items).toHaveLength(1);
    const patched = await send('PATCH', `/api/search/dictionaries/plain/${created.body.id}`, bed.admin, {
      enabled: false,
    });
    expect(patched.body.enabled).toBe(false);
    expect((await get(q('开车本'))).body.expansions).toEqual([]);
    expect((await send('DELETE', `/api/search/dictionaries/plain/${created.body.id}`, bed.admin)).status).toBe(200);
    expect((await send('DELETE', `/api/search/dictionaries/plain/${created.body.id}`, bed.admin)).body.code).toBe(
      'search_term_not_found',
    );
    const audit = await bed.t.kernel.db
      .selectFrom('audit_log')
      .select('action')
      .where('resource', '=', 'search.term')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['search.term.create', 'search.term.update', 'search.term.delete']),
    );
    const editor = await login(bed.t.app, 'jyj_editor');
    expect((await get('/api/search/dictionaries/plain', editor)).status).toBe(403);
  });

  it('敏感词屏蔽: a blocked term returns nothing and is logged', async () => {
    expect((await send('POST', '/api/search/dictionaries/blocked', bed.admin, { term: '营业执照贩卖' })).status).toBe(
      201,
    );
    const res = (await get(q('营业执照贩卖'))).body;
    expect(res).toMatchObject({ blocked: true, total: 0, items: [] });
    const seeded = (await get(q('代开发票'))).body;
    expect(seeded.blocked).toBe(true);
    const log = (await get('/api/search/queries?blocked=true', bed.admin)).body;
    expect(log.items.map((i: any) => i.query)).toContain('营业执照贩卖');
  });

  it('用户词典 and synonyms shape the query', async () => {
    expect(
      (await send('POST', '/api/search/dictionaries/synonym', bed.admin, { term: '残联', targets: ['残疾人联合会'] }))
        .status,
    ).toBe(201);
    const syn = (await get(q('残联'))).body;
    expect(syn.expansions).toContainEqual({ term: '残联', to: ['残疾人联合会'] });
    expect((await send('POST', '/api/search/dictionaries/user', bed.admin, { term: '卫河综合治理' })).status).toBe(201);
    expect((await get(q('卫河综合治理'))).body.items[0].id).toBe(bed.ids.get('hejiang'));
  });

  it('a synonym made of a new word (not in jieba) is matched and expanded', async () => {
    // Its own client address: the public API is rate-limited per IP and this file asks a lot.
    const ask = async (text: string) =>
      (await bed.t.app.inject({ method: 'GET', url: q(text), remoteAddress: '10.7.7.7' })).json();
    const before = await ask('红本本');
    expect(before.items.map((i: any) => i.id)).not.toContain(bed.ids.get('budongchan'));
    const added = await send('POST', '/api/search/dictionaries/synonym', bed.admin, {
      term: '红本本',
      targets: ['不动产权证书'],
    });
    expect(added.status).toBe(201);
    const after = await ask('红本本怎么办');
    expect(after.expansions).toContainEqual({ term: '红本本', to: ['不动产权证书'] });
    expect(after.items.map((i: any) => i.id)).toContain(bed.ids.get('budongchan'));
    // 百姓体 words become segmenter terms as well.
    expect(
      (await send('POST', '/api/search/dictionaries/plain', bed.admin, { term: '拿房本', targets: ['不动产登记'] }))
        .status,
    ).toBe(201);
    const plain = await ask('拿房本');
    expect(plain.items[0].id).toBe(bed.ids.get('budongchan'));
  });
});

describe('console: 检索日志', () => {
  it('lists queries, zero-result ones, and aggregates hot words per day', async () => {
    await get(q('龘靐齉爩'));
    const zero = (await get('/api/search/queries?zero=true', bed.admin)).body;
    expect(zero.items.map((i: any) => i.query)).toContain('龘靐齉爩');
    const stats = (await get('/api/search/queries/stats?days=7', bed.admin)).body;
    expect(stats.totals.queries).toBeGreaterThan(10);
    expect(stats.totals.zeroResult).toBeGreaterThan(0);
    expect(stats.hot[0]).toMatchObject({ query: expect.any(String), count: expect.any(Number) });
    expect(stats.zeroResults.map((z: any) => z.query)).toContain('龘靐齉爩');
    expect(stats.daily.at(-1)).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect((await get('/api/search/queries/stats?days=0', bed.admin)).status).toBe(400);
  });
});

describe('public page', () => {
  it('renders results, correction, facets and paging links without JavaScript', async () => {
    const res = await get(`/search?q=${encodeURIComponent('营业执招')}`);
    expect(res.status).toBe(200);
    expect(res.raw).toContain('您是不是要找');
    expect(res.raw).toContain('<em>营业执照</em>');
    expect(res.raw).toMatch(/href="\/search\?q=[^"]*type=service/);
    const site = await get(`/sites/gaj/search?q=${encodeURIComponent('身份证')}`);
    expect(site.status).toBe(200);
    expect(site.raw).toContain(`/sites/gaj/bszn/${bed.ids.get('sfz')}.html`);
    expect(site.raw).not.toContain('/sites/scjgj/');
    expect((await get('/sites/nope/search?q=a')).status).toBe(404);
    const home = await get('/search');
    expect(home.raw).toContain('单位机构');
  });

  it('is rate-limited per client', async () => {
    let limited = 0;
    for (let i = 0; i < 70 && limited === 0; i++) {
      const res = await bed.t.app.inject({ method: 'GET', url: '/api/search/home', remoteAddress: '10.9.9.9' });
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBe(1);
  });
});

// Last: it moves and renames a channel and closes a site, which the tests above do not expect. The
// public API is rate-limited by now, so the rows are checked (site_public is what public search filters on).
describe('index follows site and channel changes', () => {
  it('a channel renamed or moved and a site closed reach every row of the site', async () => {
    const id = bed.ids.get('yyzz') as string;
    const row = () =>
      bed.t.kernel.db
        .selectFrom('search_documents')
        .select(['channel_name', 'url', 'site_public'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const site = await bed.t.kernel.db
      .selectFrom('cms_sites')
      .select('id')
      .where('code', '=', 'scjgj')
      .executeTakeFirstOrThrow();
    const channels = await bed.t.kernel.db
      .selectFrom('cms_channels')
      .select(['id', 'code'])
      .where('site_id', '=', site.id)
      .where('code', 'in', ['bszn', 'zwgk'])
      .execute();
    const channelId = (code: string) => channels.find((c) => c.code === code)?.id as string;

    expect(
      (await send('PATCH', `/api/cms/channels/${channelId('bszn')}`, bed.admin, { name: '办事服务指南' })).status,
    ).toBe(200);
    expect(
      (await send('POST', `/api/cms/channels/${channelId('bszn')}/move`, bed.admin, { parentId: channelId('zwgk') }))
        .status,
    ).toBe(200);
    await settle(bed.t);
    expect(await row()).toMatchObject({ channel_name: '办事服务指南', url: `/sites/scjgj/zwgk/bszn/${id}.html` });

    expect((await send('PATCH', `/api/cms/sites/${site.id}`, bed.admin, { status: 'closed' })).status).toBe(200);
    await settle(bed.t);
    expect((await row()).site_public).toBe(false);

    // Back as it was, for the other tests.
    expect((await send('PATCH', `/api/cms/sites/${site.id}`, bed.admin, { status: 'running' })).status).toBe(200);
    expect(
      (await send('POST', `/api/cms/channels/${channelId('bszn')}/move`, bed.admin, { parentId: null })).status,
    ).toBe(200);
    expect(
      (await send('PATCH', `/api/cms/channels/${channelId('bszn')}`, bed.admin, { name: '办事指南' })).status,
    ).toBe(200);
    await settle(bed.t);
    expect(await row()).toMatchObject({ channel_name: '办事指南', site_public: true });
  });
});
