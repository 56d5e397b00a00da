import { resolve } from 'node:path';
import { listThemes } from './index.js';
import { buildPreview } from './preview.js';

/*
 * Theme-development preview: renders a theme with the sample site into a static folder.
 *   npm run preview -w packages/themes -- <theme> <outDir>
 * Open <outDir>/index.html in a browser (or serve the folder); <outDir>/care/ is the 关怀版.
 */

const [theme, out] = process.argv.slice(2);
const names = listThemes().map((t) => t.name);
if (!theme || !out || !names.includes(theme)) {
  console.error(`用法: npm run preview -w packages/themes -- <主题> <输出目录>\n主题: ${names.join(', ')}`);
  process.exit(2);
}
const dir = resolve(process.env.INIT_CWD ?? process.cwd(), out);
const pages = await buildPreview(theme, dir);
console.log(`${theme}: ${pages.filter((p) => p.endsWith('.html')).length} 个页面已写入 ${dir}`);
