import type { FS, LiquidOptions } from 'liquidjs';

/*
 * An in-memory LiquidJS file system over a theme's template map (`loadTheme().templates`, possibly
 * overlaid with a site's saved versions), so a renderer never reads template files from disk while
 * it renders. `{% render 'header' %}` / `{% include 'header' %}` find `partials/header.liquid`
 * first, then `header.liquid`; `{% layout 'base' %}` finds `layouts/base.liquid`.
 */

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (!p || p === '.') continue;
    // Templates never climb out of the theme.
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}

export function createThemeFs(templates: Record<string, string>): FS {
  const get = (file: string) => templates[normalize(file)];
  return {
    exists: async (file) => get(file) !== undefined,
    existsSync: (file) => get(file) !== undefined,
    readFile: async (file) => {
      const source = get(file);
      if (source === undefined) throw new Error(`模板不存在: ${normalize(file)}`);
      return source;
    },
    readFileSync: (file) => {
      const source = get(file);
      if (source === undefined) throw new Error(`模板不存在: ${normalize(file)}`);
      return source;
    },
    resolve: (dir, file, ext) => {
      const name = /\.[a-z]+$/i.test(file) ? file : file + ext;
      return `/${normalize(`${dir}/${name}`)}`;
    },
    contains: async () => true,
    containsSync: () => true,
    sep: '/',
    dirname: (file) => file.replace(/\/[^/]*$/, '') || '/',
  };
}

/** LiquidJS options that go with `createThemeFs` (the engine adds its own tags and filters). */
export function themeLiquidOptions(templates: Record<string, string>): LiquidOptions {
  return {
    fs: createThemeFs(templates),
    root: ['/'],
    partials: ['/partials', '/'],
    layouts: ['/layouts', '/'],
    extname: '.liquid',
    relativeReference: false,
    outputEscape: 'escape',
    strictFilters: true,
    cache: true,
    // Dates on Chinese government sites are Beijing time whatever the server's zone. As minutes
    // (JavaScript's sign: -480 is UTC+8; China has no daylight saving time), not the zone's name:
    // with a name LiquidJS asks Intl for the offset on every `date`, which made a list page 6×
    // slower to render.
    timezoneOffset: -480,
  };
}
