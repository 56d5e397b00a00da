import type { JiyueModule } from '../../kernel/module.js';

/** 电子印章服务 around packages/seal: seal images, seals, keys, authorization, signing API. */
export const sealModule: JiyueModule = {
  name: 'seal',
};
