import { sql } from 'kysely';
import type { Kernel } from '../../kernel/module.js';
import type { Ctx } from '../settings/context.js';
import { ensureModuleMenus } from '../settings/index.js';
import { generate, saveImage } from './images.js';
import { generateKey } from './keys.js';
import { ensureSealUseProcess } from './requests.js';
import { createSeal } from './seals.js';

export const DEMO_ORG_NAME = '新乡市行政审批和政务信息管理局';

export const SEAL_MENUS = {
  name: '电子印章',
  icon: 'SafetyCertificateOutlined',
  children: [
    { name: '印模管理', path: '/seal/images', icon: 'PictureOutlined', permission: 'seal-image:read' },
    { name: '印章管理', path: '/seal/seals', icon: 'SafetyCertificateOutlined', permission: 'seal:read' },
    { name: '密钥与证书', path: '/seal/certs', icon: 'KeyOutlined', permission: 'seal-key:read' },
    { name: '用章授权', path: '/seal/authorizations', icon: 'TeamOutlined', permission: 'seal:read' },
    { name: '用章申请', path: '/seal/requests', icon: 'AuditOutlined' },
    { name: '签章工作台', path: '/seal/workbench', icon: 'FormOutlined' },
    { name: '签章记录', path: '/seal/records', icon: 'ProfileOutlined' },
    { name: '签章验证', path: '/seal/verify', icon: 'VerifiedOutlined' },
    { name: '接口客户端', path: '/seal/api-clients', icon: 'CloudServerOutlined', permission: 'api-client:manage' },
  ],
};

/**
 * First start: the console menu, and one demo 公章 for 新乡市行政审批和政务信息管理局 (SM2 key with a
 * certificate from the development CA). Seeds run once per installation, so keys are made once.
 * The demo seal is authorized to nobody: an administrator grants it.
 */
export async function seedSeal(kernel: Kernel): Promise<void> {
  await ensureModuleMenus(kernel, SEAL_MENUS);
  // The seal service runs without the workflow module too (then seals cannot require approval).
  const { rows } = await sql<{ t: string | null }>`select to_regclass('workflow_definitions')::text as t`.execute(
    kernel.db,
  );
  if (rows[0]?.t) await ensureSealUseProcess(kernel);
  const ctx: Ctx = { principal: null, ip: null } as unknown as Ctx;
  const prepared = await generate({ name: DEMO_ORG_NAME, shape: 'round', text: DEMO_ORG_NAME });
  const image = await saveImage(kernel, ctx, {
    name: `${DEMO_ORG_NAME}（演示）`,
    source: 'generated',
    spec: { name: `${DEMO_ORG_NAME}（演示）`, shape: 'round', text: DEMO_ORG_NAME },
    prepared,
  });
  const key = await generateKey(kernel, ctx, {
    name: `${DEMO_ORG_NAME}（演示 SM2）`,
    algorithm: 'sm2',
    issue: { subject: { CN: DEMO_ORG_NAME, O: '新乡市人民政府', L: '新乡市', ST: '河南省' }, days: 730 },
  });
  await createSeal(kernel, ctx, {
    name: `${DEMO_ORG_NAME}（演示公章）`,
    type: 'official',
    imageId: image.id,
    keyId: key.id,
    description: '演示用印章，证书由开发测试CA签发，不具法律效力',
  });
}
