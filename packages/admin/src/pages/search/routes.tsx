import type { ConsoleRoute } from '../../routes';

/** Console pages of the search module; listed in packages/admin/src/routes.tsx. */
export const searchRoutes: ConsoleRoute[] = [];
