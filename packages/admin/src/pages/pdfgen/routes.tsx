import type { ConsoleRoute } from '../../routes';

/** Console pages of the pdfgen module; listed in packages/admin/src/routes.tsx. */
export const pdfgenRoutes: ConsoleRoute[] = [];
