import type { JiyueModule } from '../../kernel/module.js';
import { pdfgenRoutes } from './routes.js';
import { pdfgenMigrations } from './schema.js';
import { seedPdfgen } from './seed.js';

export { imagesToPdf } from './images.js';
export { officeToPdf } from './office.js';
export { type RenderedDocument, renderTemplate, renderTemplateToPdf, type TemplateData } from './render.js';

const group = '电子印章';

/** PDF 文档生成服务 (part of 电子印章): templates + data → PDF; Word → PDF; images → PDF. */
export const pdfgenModule: JiyueModule = {
  name: 'pdfgen',
  migrations: pdfgenMigrations,
  permissions: [
    { code: 'pdfgen:template', name: '管理文书模板（新建、修改、版本回滚、预览）', group },
    { code: 'pdfgen:render', name: '生成 PDF 文档（模板生成、Word 转 PDF、图片合并）', group },
  ],
  routes: pdfgenRoutes,
  seed: seedPdfgen,
};
