/**
 * Benchmark of static publishing (issue #6).
 *
 * 1. A site of `--docs N` (default 100,000) generated documents written straight into
 *    cms_documents (one INSERT … SELECT over generate_series), spread over the 11 list channels of
 *    市教育局's demo site, rendered with the real `dept-blue` theme.
 * 2. Full rebuild: the `publishing.rebuild` job of that site (both trees, every list page, every
 *    article, sitemap, RSS) → pages/s.
 * 3. Publish-to-live: `--publishes M` (default 200) documents created and published one by one
 *    through the cms HTTP API with the event dispatcher and one job worker running as on a server;
 *    the clock runs from the publish request's response (the commit) until the article page, page
 *    1 of its channel and the home page on disk all contain the title → p50/p95. Then the time
 *    until the deeper list pages (a settling job, docs/publishing.md) are up to date is logged.
 * 4. Hugo (Debian's /usr/bin/hugo) over equivalent content: the same documents as content/*.md,
 *    a layout with the same blocks (home with latest lists, paged section lists with the same page
 *    size, single pages with body and related links), timed `hugo --quiet` in the same run.
 *
 * Prints progress lines, then one JSON object on its last line:
 * {docs, pages, fullRebuildPagesPerSec, publishToLiveP50Ms, publishToLiveP95Ms, hugoPagesPerSec, ratioToHugo}
 * Run: npm run bench:publish [-- --docs 2000 --publishes 50 --hugo 0]   (DATABASE_URL=… for PostgreSQL;
 * `--hugo 0` leaves Hugo out: hugoPagesPerSec and ratioToHugo are then null)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createTestApp } from '../packages/platform/src/kernel/testing.js';
import { cmsModule } from '../packages/platform/src/modules/cms/index.js';
import { identityModule } from '../packages/platform/src/modules/identity/index.js';
import { DEMO_PASSWORD, login } from '../packages/platform/src/modules/identity/test-support.js';
import { publishingModule } from '../packages/platform/src/modules/publishing/index.js';
import { enqueueRebuild } from '../packages/platform/src/modules/publishing/jobs.js';
import { siteDir } from '../packages/platform/src/modules/publishing/output.js';
import { settingsModule } from '../packages/platform/src/modules/settings/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const log = (message: string) => console.log(`[bench:publish] ${message}`);
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const DOCS = arg('docs', 100_000);
const PUBLISHES = arg('publishes', 200);
const THEME = 'dept-blue';
const PARAGRAPH =
  '为深入贯彻落实党中央、国务院关于教育工作的决策部署，进一步提升全市教育治理能力和服务水平，市教育局结合工作实际，' +
  '认真组织开展各项工作。各单位要高度重视，明确责任分工，细化工作措施，确保各项任务落到实处、取得实效。';
const BODY = `<p>${PARAGRAPH}</p><p>${PARAGRAPH}</p><p>${PARAGRAPH}</p><p>${PARAGRAPH}</p>`;

async function main() {
  process.env.JIYUE_DEMO_DOCUMENTS = '0';
  log(`docs=${DOCS} publishes=${PUBLISHES} db=${process.env.DATABASE_URL ? 'postgres' : 'pglite'} load=${load()}`);
  const t = await createTestApp({
    modules: [settingsModule, identityModule, cmsModule, publishingModule],
    config: { adminPassword: DEMO_PASSWORD },
    jobs: { pollMs: 20 },
  });
  const { kernel } = t;
  try {
    const site = await kernel.db
      .selectFrom('cms_sites')
      .select(['id', 'code'])
      .where('code', '=', 'jyj')
      .executeTakeFirstOrThrow();
    await kernel.db
      .updateTable('cms_sites')
      .set({ theme: THEME, status: 'running' })
      .where('id', '=', site.id)
      .execute();
    const channels = await kernel.db
      .selectFrom('cms_channels')
      .select(['id', 'code'])
      .where('site_id', '=', site.id)
      .where('type', '=', 'list')
      .where('parent_id', 'is not', null)
      .orderBy('code')
      .execute();
    const channelIds = channels.map((c) => c.id);

    // 1. Documents in bulk.
    let started = performance.now();
    const chunk = 20_000;
    for (let from = 1; from <= DOCS; from += chunk) {
      const to = Math.min(DOCS, from + chunk - 1);
      await sql`
        insert into cms_documents (site_id, channel_id, type, title, source, summary, body_html, state, publish_at, version)
        select ${site.id}::uuid,
          (${sql.val(channelIds)}::uuid[])[1 + (i % ${channelIds.length})],
          'text',
          '新乡市教育局关于做好第' || i || '项重点工作的通知',
          '市教育局',
          '第' || i || '项重点工作的主要内容和工作要求。',
          ${BODY},
          'published',
          now() - (i || ' minutes')::interval,
          1
        from generate_series(${from}::int, ${to}::int) as i`.execute(kernel.db);
    }
    // A site of this size has been vacuumed many times over in real life (index-only counts need
    // the visibility map); the bulk insert just now has not.
    await sql`vacuum analyze cms_documents`.execute(kernel.db);
    log(`${DOCS} documents written in ${round((performance.now() - started) / 1000)} s`);

    // 2. Full rebuild.
    started = performance.now();
    const jobId = await enqueueRebuild(kernel, kernel.db, site.id);
    await kernel.jobs.runUntilIdle();
    const rebuildSeconds = (performance.now() - started) / 1000;
    const job = await kernel.jobs.get(jobId);
    if (job?.status !== 'succeeded') throw new Error(`rebuild failed: ${job?.error}`);
    const pages = Number((job.result as { pages: number }).pages);
    const pagesPerSec = pages / rebuildSeconds;
    log(`full rebuild: ${pages} pages in ${round(rebuildSeconds)} s → ${round(pagesPerSec)} pages/s (load ${load()})`);

    // 3. Publish-to-live through the real publish path.
    const root = siteDir(kernel, site.code);
    const admin = await login(t.app, 'admin');
    kernel.events.start();
    kernel.jobs.start(1);
    const live: number[] = [];
    const byId = new Map(channels.map((c) => [c.id, c.code]));
    const dirOf = async (channelId: string) => {
      const row = await kernel.db
        .selectFrom('cms_channels as c')
        .innerJoin('cms_channels as p', 'p.id', 'c.parent_id')
        .select(['p.code as parent', 'c.code'])
        .where('c.id', '=', channelId)
        .executeTakeFirstOrThrow();
      return `${row.parent}/${row.code}`;
    };
    const mtimeOf = (file: string) => {
      try {
        return statSync(file).mtimeMs;
      } catch {
        return -1;
      }
    };
    const readOr = (file: string) => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    for (let i = 0; i < PUBLISHES; i++) {
      const channelId = channelIds[i % channelIds.length];
      const title = `基准测试发布信息第${i}号${Date.now().toString(36)}`;
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/cms/documents',
        headers: admin.headers,
        payload: { channelId, title, source: '市教育局', bodyHtml: BODY },
      });
      if (created.statusCode !== 201) throw new Error(`create: ${created.body}`);
      const id = created.json().id as string;
      const dir = await dirOf(channelId);
      const files = [`${dir}/${id}.html`, `${dir}/index.html`, 'index.html'].map((f) => path.join(root, f));
      const published = await t.app.inject({
        method: 'POST',
        url: `/api/cms/documents/${id}/publish`,
        headers: admin.headers,
      });
      if (published.statusCode !== 200) throw new Error(`publish: ${published.body}`);
      const t0 = performance.now();
      // The home page shows the newest documents of the whole site, so every publish reaches it.
      // Poll the files' mtimes (cheap) and read a file only when it changed, so the bench itself
      // takes little from the process it measures.
      const seen = new Map<string, number>();
      const done = new Set<string>();
      for (;;) {
        for (const f of files) {
          if (done.has(f)) continue;
          const m = mtimeOf(f);
          if (m === seen.get(f)) continue;
          seen.set(f, m);
          if (readOr(f).includes(title)) done.add(f);
        }
        if (done.size === files.length) break;
        if (performance.now() - t0 > 30_000) throw new Error(`not live after 30 s: ${title} (${byId.get(channelId)})`);
        await new Promise((r) => setTimeout(r, 2));
      }
      live.push(performance.now() - t0);
    }
    // The deeper list pages of large channels settle once the publishes pause (docs/publishing.md):
    // how long after the last publish every page is up to date.
    const settleStart = performance.now();
    for (;;) {
      const pending = await kernel.db
        .selectFrom('jobs')
        .select('id')
        .where('type', '=', 'publishing.render')
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      if (!pending) break;
      if (performance.now() - settleStart > 600_000) {
        log('render jobs still pending 10 min after the last publish');
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    log(
      `all pages up to date ${round((performance.now() - settleStart) / 1000)} s after the last publish (load ${load()})`,
    );
    await kernel.events.stop();
    await kernel.jobs.stop();
    const p50 = percentile(live, 50);
    const p95 = percentile(live, 95);
    log(
      `publish-to-live over ${live.length}: p50 ${round(p50)} ms, p95 ${round(p95)} ms, max ${round(Math.max(0, ...live))} ms` +
        ` (publish #${live.indexOf(Math.max(...live)) + 1}; the first five: ${live
          .slice(0, 5)
          .map((x) => round(x))
          .join(', ')} ms)`,
    );

    // 4. Hugo over the same documents.
    const hugo = arg('hugo', 1) !== 0 && existsSync('/usr/bin/hugo') ? '/usr/bin/hugo' : null;
    let hugoPagesPerSec: number | null = null;
    if (hugo) {
      const dir = mkdtempSync(path.join(tmpdir(), 'jiyue-hugo-'));
      try {
        const pageSize = 20;
        writeHugoSite(dir, pageSize);
        const docs = await kernel.db
          .selectFrom('cms_documents')
          .select(['id', 'channel_id', 'title', 'summary', 'source', 'publish_at'])
          .where('site_id', '=', site.id)
          .where('state', '=', 'published')
          .execute();
        const codeOf = new Map(channels.map((c) => [c.id, c.code]));
        for (const c of channels) mkdirSync(path.join(dir, 'content', c.code), { recursive: true });
        for (const c of channels) {
          writeFileSync(path.join(dir, 'content', c.code, '_index.md'), `---\ntitle: "${c.code}"\n---\n`);
        }
        for (const d of docs) {
          const fm = `---\ntitle: "${d.title.replace(/"/g, '\\"')}"\ndate: ${new Date(d.publish_at).toISOString()}\nsummary: "${(d.summary ?? '').replace(/"/g, '\\"')}"\nsource: "${d.source ?? ''}"\n---\n`;
          writeFileSync(
            path.join(dir, 'content', codeOf.get(d.channel_id) as string, `${d.id}.md`),
            `${fm}\n${BODY}\n`,
          );
        }
        const h0 = performance.now();
        const run = spawnSync(hugo, ['--quiet', '--source', dir, '--destination', path.join(dir, 'public')], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        const hugoSeconds = (performance.now() - h0) / 1000;
        if (run.status !== 0) throw new Error(`hugo failed: ${run.stderr}`);
        const hugoPages = countFiles(path.join(dir, 'public'), (f) => f.endsWith('.html') || f.endsWith('.xml'));
        hugoPagesPerSec = hugoPages / hugoSeconds;
        log(
          `hugo: ${hugoPages} pages in ${round(hugoSeconds)} s → ${round(hugoPagesPerSec)} pages/s (${execFileSync(hugo, ['version'], { encoding: 'utf8' }).trim()})`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      log(
        arg('hugo', 1) === 0
          ? 'hugo left out (--hugo 0)'
          : 'hugo not installed (apt-get install -y hugo): no comparison',
      );
    }
    const result = {
      docs: DOCS,
      pages,
      fullRebuildPagesPerSec: round(pagesPerSec),
      publishToLiveP50Ms: round(p50),
      publishToLiveP95Ms: round(p95),
      hugoPagesPerSec: hugoPagesPerSec === null ? null : round(hugoPagesPerSec),
      ratioToHugo: hugoPagesPerSec ? round(pagesPerSec / hugoPagesPerSec, 2) : null,
    };
    log(`load at the end ${load()}`);
    console.log(JSON.stringify(result));
  } finally {
    await t.close();
  }
}

function countFiles(dir: string, keep: (f: string) => boolean): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) n += countFiles(full, keep);
    else if (keep(name)) n++;
  }
  return n;
}

/** A Hugo site with the same blocks as the engine's pages (home lists, paged lists, articles). */
function writeHugoSite(dir: string, pageSize: number) {
  const layouts = path.join(dir, 'layouts', '_default');
  // The six older documents of the section, like the engine's related list. Walked through
  // PrevInSection (constant time each): `where .CurrentSection.Pages "Date" "lt" .Date` scanned the
  // whole section for every page — quadratic, and it did not finish at 100,000 documents.
  const olderSix = `${'{{ with .PrevInSection }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>'.repeat(6)}${'{{ end }}'.repeat(6)}`;
  // The pager shows nine page numbers around the current one, like the themes' pager.
  const pagerWindow =
    '{{ $cur := .PageNumber }}{{ range .Pagers }}{{ if and (ge .PageNumber (sub $cur 4)) (le .PageNumber (add $cur 4)) }}<a href="{{ .URL }}">{{ .PageNumber }}</a>{{ end }}{{ end }}';
  mkdirSync(layouts, { recursive: true });
  writeFileSync(
    path.join(dir, 'hugo.toml'),
    `baseURL = "https://jyj.example.gov.cn/"\nlanguageCode = "zh-cn"\ntitle = "新乡市教育局"\nrelativeURLs = true\ndisableKinds = ["taxonomy", "term"]\n[pagination]\npagerSize = ${pageSize}\npaginate = ${pageSize}\n[markup.goldmark.renderer]\nunsafe = true\n`,
  );
  const head = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ .Site.Title }}</title><link rel="stylesheet" href="{{ "_theme/theme.css" | relURL }}"></head><body><a href="#main">跳到主要内容</a><header><p>{{ .Site.Title }}</p><nav><ul>{{ range .Site.Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></nav></header><main id="main">`;
  const foot = `</main><footer>网站标识码 4107000004 本站支持IPv6</footer></body></html>`;
  writeFileSync(path.join(layouts, 'baseof.html'), `${head}{{ block "main" . }}{{ end }}${foot}`);
  writeFileSync(
    path.join(layouts, 'list.html'),
    `{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006年1月2日" }}</time></li>{{ end }}</ul><nav>{{ with .Paginator }}{{ if .HasPrev }}<a href="{{ .Prev.URL }}">上一页</a>{{ end }}${pagerWindow}{{ if .HasNext }}<a href="{{ .Next.URL }}">下一页</a>{{ end }}{{ end }}</nav>{{ end }}`,
  );
  writeFileSync(
    path.join(layouts, 'single.html'),
    `{{ define "main" }}<article><h1>{{ .Title }}</h1><p>来源：{{ .Params.source }} 发布时间：{{ .Date.Format "2006年1月2日" }}</p>{{ .Content }}</article>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">上一篇：{{ .Title }}</a>{{ end }}{{ with .NextInSection }}<a href="{{ .RelPermalink }}">下一篇：{{ .Title }}</a>{{ end }}<ul>${olderSix}</ul>{{ end }}`,
  );
  writeFileSync(
    path.join(layouts, 'index.html'),
    `{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ range .Site.Sections }}<section><h2>{{ .Title }}</h2><ul>{{ range first 8 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></section>{{ end }}<ul>{{ range first 10 .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
