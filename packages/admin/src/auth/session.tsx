import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, request, setUnauthorizedHandler } from '../api/client';

export type Scope = { kind: 'all' } | { kind: 'orgs'; orgIds: string[] };

export interface SessionUser {
  id: string;
  username: string;
  displayName?: string;
  name?: string;
  orgId?: string | null;
  orgName?: string | null;
  org?: { id: string; name: string; shortName?: string | null } | null;
  passwordExpired?: boolean;
  mustChangePassword?: boolean;
}

/** One entry of the server-built side menu (see docs/decisions/0001, "Console routes and menus"). */
export interface MenuNode {
  code?: string;
  id?: string;
  title?: string;
  name?: string;
  path?: string | null;
  icon?: string | null;
  children?: MenuNode[];
}

export interface Me {
  user: SessionUser;
  permissions: Record<string, Scope>;
  roles: string[];
  menus?: MenuNode[];
}

type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'authenticated'; me: Me };

interface SessionContextValue {
  state: SessionState;
  refresh(): Promise<Me | null>;
  logout(): Promise<void>;
  /** Clears the local session after the server said it ended (401). */
  expire(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const me = await request<Me>('/auth/me', { skipAuthRedirect: true });
      setState({ status: 'authenticated', me });
      return me;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setState({ status: 'anonymous' });
        return null;
      }
      throw error;
    }
  }, []);

  const expire = useCallback(() => setState({ status: 'anonymous' }), []);

  const logout = useCallback(async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      setState({ status: 'anonymous' });
    }
  }, []);

  useEffect(() => {
    refresh().catch(() => setState({ status: 'anonymous' }));
  }, [refresh]);

  useEffect(() => {
    setUnauthorizedHandler(expire);
    return () => setUnauthorizedHandler(null);
  }, [expire]);

  const value = useMemo(() => ({ state, refresh, logout, expire }), [state, refresh, logout, expire]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The signed-in user's data; only valid below the authenticated layout. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'authenticated') throw new Error('useMe used without a session');
  return state.me;
}

export function useCan(): (permission: string) => boolean {
  const me = useMe();
  return useCallback((permission: string) => permission in me.permissions, [me]);
}

export function displayNameOf(user: SessionUser): string {
  return user.displayName || user.name || user.username;
}

export function orgNameOf(user: SessionUser): string | null {
  return user.orgName ?? user.org?.shortName ?? user.org?.name ?? null;
}
