import type { JiyueModule } from '../../kernel/module.js';

/** PDF 文档生成服务 (part of 电子印章): templates + data → PDF; Word → PDF; images → PDF. */
export const pdfgenModule: JiyueModule = {
  name: 'pdfgen',
};
