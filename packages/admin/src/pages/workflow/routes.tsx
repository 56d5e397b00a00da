import type { ConsoleRoute } from '../../routes';

/** Console pages of the workflow module; listed in packages/admin/src/routes.tsx. */
export const workflowRoutes: ConsoleRoute[] = [];
