import { Liquid } from 'liquidjs';
import { badRequest } from '../../kernel/errors.js';

/*
 * The Liquid engine for document templates. Templates are written by administrators but data comes
 * from other systems, so:
 * - every `{{ }}` output is HTML-escaped (`outputEscape: 'escape'`); a template that really wants
 *   markup from data says `{{ x | raw }}`;
 * - `include`, `render` and `layout` resolve only in an empty in-memory map, so no template can read
 *   a file of the server (`{% include '/etc/passwd' %}` fails to parse);
 * - only own properties are visible (no `constructor`, `__proto__` walks);
 * - parsing, rendering time and memory are bounded, so `{% for %}` over huge data cannot hang a node.
 */
const engine = new Liquid({
  templates: {},
  relativeReference: false,
  dynamicPartials: false,
  ownPropertyOnly: true,
  outputEscape: 'escape',
  strictFilters: true,
  parseLimit: 1_000_000,
  renderLimit: 5_000,
  memoryLimit: 50_000_000,
  cache: 200,
  // Dates in 文书 are Beijing dates whatever the server's clock zone.
  timezoneOffset: 'Asia/Shanghai',
});

// Templates stand alone: the tags that pull in other templates are refused when a template is
// parsed (saving or previewing), not only when they would fail to find a file at render time.
for (const tag of ['include', 'render', 'layout']) {
  engine.registerTag(tag, {
    parse() {
      throw new Error(`不支持 {% ${tag} %}：文书模板不能引用其他模板或文件`);
    },
    render() {
      return '';
    },
  });
}

/** Rendered HTML larger than this is refused (a PDF of it would not be a document anybody reads). */
export const MAX_HTML_BYTES = 8 * 1024 * 1024;

/** Checks a template parses; 400 `template_syntax` with Liquid's message (line, column) otherwise. */
export function checkLiquid(source: string, field = 'body'): void {
  try {
    engine.parse(source);
  } catch (err) {
    throw templateError(err, field);
  }
}

export async function renderLiquid(source: string, data: unknown, field = 'body'): Promise<string> {
  let html: string;
  try {
    html = await engine.parseAndRender(source, { data, ...(isPlainObject(data) ? data : {}) });
  } catch (err) {
    throw templateError(err, field);
  }
  if (Buffer.byteLength(html) > MAX_HTML_BYTES) {
    throw badRequest('render_too_large', '生成的文档过大', { detail: `超过 ${MAX_HTML_BYTES / 1024 / 1024} MB` });
  }
  return html;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function templateError(err: unknown, field: string) {
  const message = (err as Error).message ?? String(err);
  const limit = /limit exceeded/i.test(message);
  return badRequest(limit ? 'template_limit' : 'template_syntax', limit ? '模板渲染超出限制' : '模板有错误', {
    detail: message.split('\n')[0],
    errors: [{ field, message: message.split('\n')[0] ?? '' }],
  });
}
