import { readFile } from 'node:fs/promises';
import fastifyMultipart from '@fastify/multipart';
import { DEFAULT_THEME } from '@jiyue/themes';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, badRequest, notFound, validationFailed } from '../../kernel/errors.js';
import { fileTooLarge } from '../../kernel/files.js';
import type { Kernel } from '../../kernel/module.js';
import { ctxOf } from '../settings/context.js';
import { buildEngine, currentThemeSource, failureOf, PageRenderer, type PageSpec, RenderFailure } from './render.js';
import {
  activeTemplateOverrides,
  assertLiquid,
  assertTemplateScope,
  checkTemplatePath,
  diffTemplateVersions,
  getTemplate,
  getTemplateVersion,
  importTheme,
  MAX_THEME_ZIP,
  rollbackTemplate,
  saveTemplate,
  TEMPLATE_PERMISSION,
  templateTree,
} from './templates.js';
import { channelPath, documentPath, fileName } from './urls.js';

/*
 * 模板管理 over HTTP (decision 0006, "Console area"). The template path is the tail of the URL
 * (`/templates/<siteId|global>/<theme>/layouts/base.liquid`); the sub-resources
 * (`…/versions/3`, `…/diff`, `…/preview`, `…/rollback`) follow the path, and a path always ends in
 * `.liquid`, so the tail is split unambiguously.
 */

const Strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const ThemeName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' });
const ScopeParams = Type.Object(
  {
    scope: Type.Union([Type.Literal('global'), Uuid], { description: 'global 或网站 id' }),
    theme: ThemeName,
    '*': Type.String({ minLength: 1, maxLength: 300 }),
  },
  Strict,
);
const TreeQuery = Type.Object({ siteId: Type.Optional(Uuid) }, Strict);
const GetQuery = Type.Object(
  {
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    to: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  Strict,
);
const SaveBody = Type.Object(
  {
    source: Type.String({ maxLength: 512 * 1024 }),
    comment: Type.Optional(Type.String({ maxLength: 200 })),
  },
  Strict,
);
const ActionBody = Type.Object(
  {
    // preview
    source: Type.Optional(Type.String({ maxLength: 512 * 1024 })),
    documentId: Type.Optional(Uuid),
    channelId: Type.Optional(Uuid),
    siteId: Type.Optional(Uuid),
    care: Type.Optional(Type.Boolean()),
    // rollback
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  Strict,
);

export type TemplateAction =
  | { kind: 'template'; path: string }
  | { kind: 'version'; path: string; version: number }
  | { kind: 'diff'; path: string }
  | { kind: 'preview'; path: string }
  | { kind: 'rollback'; path: string };

/** Splits the URL tail into the template path and the sub-resource that follows it. */
export function splitTemplateTail(tail: string): TemplateAction {
  const version = /^(.+\.liquid)\/versions\/(\d{1,9})$/.exec(tail);
  if (version) return { kind: 'version', path: version[1] as string, version: Number(version[2]) };
  const action = /^(.+\.liquid)\/(diff|preview|rollback)$/.exec(tail);
  if (action) return { kind: action[2] as 'diff' | 'preview' | 'rollback', path: action[1] as string };
  return { kind: 'template', path: tail };
}

const siteOf = (scope: string) => (scope === 'global' ? null : scope);
/** `default` is what a new site's theme says; its templates are those of the default theme. */
const themeOf = (name: string) => (name === 'default' ? DEFAULT_THEME : name);

export async function templatesRoutes(app: FastifyInstance, kernel: Kernel): Promise<void> {
  const tags = ['publishing-templates'];
  const guard = app.requirePermission(TEMPLATE_PERMISSION);

  app.get(
    '/api/publishing/themes/:theme/templates',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: '主题的模板文件树（标出本站与全局覆盖）',
        params: Type.Object({ theme: ThemeName }, Strict),
        querystring: TreeQuery,
      },
    },
    async (request) => {
      const theme = themeOf((request.params as { theme: string }).theme);
      const { siteId } = request.query as { siteId?: string };
      return templateTree(kernel, request.principal, theme, siteId ?? null);
    },
  );

  app.get(
    '/api/publishing/templates/:scope/:theme/*',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: '模板当前内容与版本列表；…/versions/:v 某一版本；…/diff?from=&to= 版本对比',
        params: ScopeParams,
        querystring: GetQuery,
      },
    },
    async (request) => {
      const raw = request.params as { scope: string; theme: string; '*': string };
      const p = { ...raw, theme: themeOf(raw.theme) };
      const siteId = siteOf(p.scope);
      const action = splitTemplateTail(p['*']);
      if (action.kind === 'version') {
        return getTemplateVersion(kernel, request.principal, siteId, p.theme, action.path, action.version);
      }
      if (action.kind === 'diff') {
        const { from, to } = request.query as { from?: number; to?: number };
        if (from === undefined || to === undefined) {
          throw validationFailed([
            ...(from === undefined ? [{ field: 'querystring.from', message: '必填' }] : []),
            ...(to === undefined ? [{ field: 'querystring.to', message: '必填' }] : []),
          ]);
        }
        return diffTemplateVersions(kernel, request.principal, siteId, p.theme, action.path, from, to);
      }
      if (action.kind !== 'template') throw notFound('route_not_found', '接口不存在');
      return getTemplate(kernel, request.principal, siteId, p.theme, action.path);
    },
  );

  app.put(
    '/api/publishing/templates/:scope/:theme/*',
    {
      preHandler: guard,
      schema: { tags, summary: '保存模板（新版本；先做语法检查）', params: ScopeParams, body: SaveBody },
    },
    async (request) => {
      const raw = request.params as { scope: string; theme: string; '*': string };
      const p = { ...raw, theme: themeOf(raw.theme) };
      const body = request.body as { source: string; comment?: string };
      return saveTemplate(kernel, ctxOf(request), siteOf(p.scope), p.theme, p['*'], body);
    },
  );

  app.post(
    '/api/publishing/templates/:scope/:theme/*',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: '…/preview 用真实内容预览未保存的模板；…/rollback 回滚到某一版本',
        params: ScopeParams,
        body: ActionBody,
      },
    },
    async (request) => {
      const raw = request.params as { scope: string; theme: string; '*': string };
      const p = { ...raw, theme: themeOf(raw.theme) };
      const body = request.body as {
        source?: string;
        documentId?: string;
        channelId?: string;
        siteId?: string;
        care?: boolean;
        version?: number;
      };
      const action = splitTemplateTail(p['*']);
      const scopeSite = siteOf(p.scope);
      if (action.kind === 'rollback') {
        if (body.version === undefined) throw validationFailed([{ field: 'version', message: '必填' }]);
        return rollbackTemplate(kernel, ctxOf(request), scopeSite, p.theme, action.path, body.version);
      }
      if (action.kind !== 'preview') throw notFound('route_not_found', '接口不存在');
      checkTemplatePath(action.path);
      // A global template is previewed on a site chosen by the caller (the site must be in scope).
      const siteId = scopeSite ?? body.siteId;
      if (!siteId) throw validationFailed([{ field: 'siteId', message: '预览全局模板时请选择一个网站' }]);
      await assertTemplateScope(kernel.db, request.principal, siteId);
      if (body.source !== undefined) assertLiquid(body.source, action.path);
      const html = await previewTemplate(kernel, {
        siteId,
        theme: p.theme,
        path: action.path,
        source: body.source,
        documentId: body.documentId,
        channelId: body.channelId,
        care: body.care ?? false,
      });
      return { html };
    },
  );

  // Own encapsulated scope: the multipart parser serves the import route only.
  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      limits: { fileSize: MAX_THEME_ZIP, files: 1, fields: 2, fieldSize: 200, parts: 3 },
    });
    scoped.post(
      '/api/publishing/themes/import',
      {
        preHandler: guard,
        schema: {
          tags,
          summary: '导入主题（zip：theme.json、layouts/base.liquid、index/channel/article.liquid 等）',
          consumes: ['multipart/form-data'],
        },
      },
      async (request, reply) => {
        const { zip, name } = await readThemeUpload(kernel, request);
        return reply.code(201).send(await importTheme(kernel, ctxOf(request), zip, name));
      },
    );
  });
}

/** Reads the zip (at most MAX_THEME_ZIP bytes, refused as soon as more arrive) and an optional `name`. */
async function readThemeUpload(kernel: Kernel, request: FastifyRequest): Promise<{ zip: Uint8Array; name?: string }> {
  // Only holders of the global scope may import: refuse before reading megabytes.
  await assertTemplateScope(kernel.db, request.principal, null).catch((err) => {
    request.raw.unpipe();
    request.raw.resume();
    throw err;
  });
  let zip: Uint8Array | null = null;
  let name: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname !== 'name') throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
        name = String(part.value).trim() || undefined;
        continue;
      }
      if (part.fieldname !== 'file') throw validationFailed([{ field: part.fieldname, message: '不允许的字段' }]);
      const buffer = await part.toBuffer().catch((err: { code?: string }) => {
        if (err?.code === 'FST_REQ_FILE_TOO_LARGE') throw fileTooLarge(MAX_THEME_ZIP);
        throw err;
      });
      if ((part.file as { truncated?: boolean }).truncated) throw fileTooLarge(MAX_THEME_ZIP);
      zip = new Uint8Array(buffer);
    }
  } catch (err) {
    request.raw.unpipe();
    request.raw.resume();
    throw err;
  }
  if (!zip) throw validationFailed([{ field: 'file', message: '必填' }]);
  return { zip, name };
}

/* --- preview ------------------------------------------------------------------------------- */

export interface PreviewInput {
  siteId: string;
  /** Defaults to the site's theme. */
  theme?: string;
  /** The template being edited. */
  path: string;
  /** Its unsaved source; undefined previews what is stored. */
  source?: string;
  documentId?: string;
  channelId?: string;
  /** A topic with the designer's unsaved changes (rendered with topic.liquid). */
  topic?: { id: string; title: string; slug: string; background: Record<string, unknown>; modules: unknown[] };
  care?: boolean;
}

/**
 * A throw-away engine over the theme's templates with the active overrides and the unsaved source
 * on top, configured as the engine's own (render.ts buildEngine), so the preview renders exactly
 * what a save would publish — against the site's real, published content.
 */
async function previewEngine(kernel: Kernel, siteId: string, theme: string, replace: Record<string, string>) {
  const files = await currentThemeSource().load(kernel, theme);
  if (!files) throw notFound('theme_not_found', '主题不存在', { detail: theme });
  const templates: Record<string, string> = {
    ...files.templates,
    ...(await activeTemplateOverrides(kernel, siteId, theme)),
    ...replace,
  };
  // The production engine (layouts, tags, filters), over the unsaved templates; thrown away after.
  return buildEngine(theme, `preview:${theme}`, { ...files, templates });
}

/** Which page shows the template: the chosen document or channel, else a page that uses it. */
async function previewSpec(renderer: PageRenderer, input: PreviewInput): Promise<PageSpec> {
  const care = input.care ?? false;
  const { data } = renderer;
  if (input.topic) {
    (data.topics as unknown as Record<string, unknown>[]).unshift({ ...input.topic, publishedAt: new Date() });
    return { kind: 'topic', path: `topics/${input.topic.slug}/index.html`, care, topicId: input.topic.id };
  }
  let documentId = input.documentId;
  if (!documentId && input.path === 'article.liquid') {
    documentId = (await data.docs.list(null, { limit: 20 })).find((d) => !d.linkUrl)?.id;
    if (!documentId) throw badRequest('preview_no_document', '该网站还没有已发布的信息，无法预览信息页');
  }
  if (documentId) {
    const doc = await renderer.kernel.db
      .selectFrom('cms_documents')
      .select(['id', 'channel_id'])
      .where('id', '=', documentId)
      .where('site_id', '=', data.site.id)
      .executeTakeFirst();
    const channel = doc && data.channels.get(doc.channel_id as string);
    if (!doc || !channel)
      throw badRequest('preview_document_unavailable', '所选信息不在该网站', { detail: documentId });
    return {
      kind: 'article',
      path: documentPath(channel.dir, doc.id as string),
      care,
      documentId: doc.id as string,
      channelId: channel.id,
    };
  }
  let channelId = input.channelId;
  if (!channelId && input.path === 'channel.liquid') channelId = data.listChannels()[0]?.id;
  if (channelId) {
    const channel = data.channels.get(channelId);
    if (!channel) throw badRequest('preview_channel_unavailable', '所选栏目不在该网站', { detail: channelId });
    return { kind: 'channel', path: channelPath(channel.dir, 1), care, channelId: channel.id, page: 1 };
  }
  if (input.path === '404.liquid') return { kind: '404', path: '404.html', care };
  return { kind: 'index', path: 'index.html', care };
}

/** Renders a page for 预览; a template error answers 400 `template_render_failed` with template and line. */
export async function previewTemplate(kernel: Kernel, input: PreviewInput): Promise<string> {
  const base = await PageRenderer.create(kernel, input.siteId);
  if (!base) throw notFound('site_not_found', '网站不存在');
  // A site whose theme is unknown (or the alias `default`) renders with the default theme, as the engine does.
  let theme = input.theme ?? base.data.site.theme;
  if (!input.theme && !(await currentThemeSource().load(kernel, theme))) theme = DEFAULT_THEME;
  const replace = input.source === undefined ? {} : { [input.path]: input.source };
  const engine = await previewEngine(kernel, input.siteId, theme, replace);
  const renderer = new PageRenderer(kernel, base.data, engine, base.options);
  const spec = await previewSpec(renderer, input);
  let page: Awaited<ReturnType<PageRenderer['render']>>;
  try {
    page = await renderer.render(spec);
  } catch (err) {
    if (err instanceof AppError) throw err;
    const failure = err instanceof RenderFailure ? err : failureOf(err, spec.kind);
    throw badRequest('template_render_failed', '模板渲染失败', {
      detail: failure.message,
      extra: { template: failure.template, line: failure.line, reason: failure.reason },
    });
  }
  if (!page) {
    throw badRequest('preview_empty', '该页面没有可显示的内容', { detail: '所选信息未发布，或栏目没有可显示的页面' });
  }
  const styles = new Map<string, { path?: string; bytes?: Buffer }>();
  for (const a of engine.files.assets) styles.set(`_theme/${a.name}`, a);
  for (const a of currentThemeSource().sharedAssets()) styles.set(`_shared/${a.name}`, a);
  return selfContained(kernel, base.data.site.code, page.outputPath, page.body, page.files, styles);
}

/** Images a preview may inline; beyond this they are left as links to the published copies. */
const MAX_INLINE_BYTES = 8 * 1024 * 1024;
const IMAGE_MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * The console shows a preview in a sandboxed frame from `srcdoc`, where the page's relative links
 * would resolve against the console's address: a `<base>` points them at the site's published
 * folder (theme CSS, shared scripts), and the uploaded images the page uses — a draft topic's or a
 * document's, maybe not published yet — are inlined as data URLs.
 */
async function selfContained(
  kernel: Kernel,
  siteCode: string,
  outputPath: string,
  html: string,
  files: { sha256: string; ext: string }[],
  styles: Map<string, { path?: string; bytes?: Buffer }>,
): Promise<string> {
  // Stylesheets of the theme being previewed, which the site's published folder may not hold yet
  // (a site never generated, or another theme than the site's): inlined.
  const links = [...html.matchAll(/<link\b[^>]*href="(?:\.\.\/)*((?:_theme|_shared)\/[^"?#]+\.css)"[^>]*>/g)];
  let out = html;
  for (const [tag, name] of links) {
    const file = styles.get(name as string);
    if (!file) continue;
    const css = file.bytes
      ? file.bytes.toString('utf8')
      : await readFile(file.path as string, 'utf8').catch(() => null);
    if (css !== null) out = out.replace(tag, () => `<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`);
  }
  let budget = MAX_INLINE_BYTES;
  for (const f of files) {
    const mime = IMAGE_MIME[f.ext.toLowerCase()];
    if (!mime) continue;
    const name = fileName(f.sha256, f.ext);
    if (!out.includes(name)) continue;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of await kernel.files.storage.get(f.sha256)) chunks.push(chunk as Buffer);
    } catch {
      continue;
    }
    const bytes = Buffer.concat(chunks);
    if (bytes.length > budget) continue;
    budget -= bytes.length;
    const dataUrl = `data:${mime};base64,${bytes.toString('base64')}`;
    out = out.replace(new RegExp(`(?:\\.\\./)*_files/${name.replace('.', '\\.')}`, 'g'), dataUrl);
  }
  const dir = outputPath.includes('/') ? outputPath.slice(0, outputPath.lastIndexOf('/') + 1) : '';
  const baseTag = `<base href="/sites/${encodeURIComponent(siteCode)}/${dir}">`;
  return /<head[^>]*>/i.test(out) ? out.replace(/<head[^>]*>/i, (m) => `${m}${baseTag}`) : `${baseTag}${out}`;
}
