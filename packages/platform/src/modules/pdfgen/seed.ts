import type { Kernel } from '../../kernel/module.js';
import { ensureModuleMenus } from '../settings/index.js';
import { SEED_TEMPLATES } from './seed-data.js';
import { createTemplate } from './templates.js';

/** Menu entry 文书模板 under 电子印章, and the demo templates that are missing (by code). */
export async function seedPdfgen(kernel: Kernel): Promise<void> {
  await ensureModuleMenus(kernel, {
    name: '电子印章',
    icon: 'SafetyCertificateOutlined',
    children: [{ name: '文书模板', path: '/seal/templates', icon: 'FileTextOutlined', permission: 'pdfgen:template' }],
  });
  for (const template of SEED_TEMPLATES) {
    const exists = await kernel.db
      .selectFrom('pdfgen_templates')
      .select('id')
      .where('code', '=', template.code)
      .executeTakeFirst();
    if (!exists) await createTemplate(kernel, { principal: null, ip: null }, template);
  }
}
