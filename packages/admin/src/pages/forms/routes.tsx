import type { ConsoleRoute } from '../../routes';

/** Console pages of the forms module; listed in packages/admin/src/routes.tsx. */
export const formsRoutes: ConsoleRoute[] = [];
