import { useMe } from '../../auth/session';

/** Whether the signed-in user holds a permission (any scope). */
export function usePermission(code: string): boolean {
  return code in useMe().permissions;
}
