import type { ConsoleRoute } from '../../routes';

/** Console pages of the seal module; listed in packages/admin/src/routes.tsx. */
export const sealRoutes: ConsoleRoute[] = [];
