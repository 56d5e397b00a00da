import { Spin } from 'antd';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { SessionProvider, useSession } from './auth/session';
import { BasicLayout } from './layout/BasicLayout';
import { HomeRedirect, NotFoundPage, RoutePage } from './layout/RoutePage';
import { LoginPage } from './pages/login/LoginPage';
import { consoleRoutes } from './routes';

export function FullPageSpin() {
  return (
    <div style={{ height: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
      <Spin size="large" />
    </div>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpin />;
  if (state.status === 'anonymous') {
    const here = `${location.pathname}${location.search}`;
    const redirect = here === '/' ? '' : `?redirect=${encodeURIComponent(here)}`;
    return <Navigate to={`/login${redirect}`} replace />;
  }
  return <>{children}</>;
}

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter basename="/admin">
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route
            element={
              <RequireSession>
                <BasicLayout />
              </RequireSession>
            }
          >
            <Route index element={<HomeRedirect />} />
            {consoleRoutes.map((route) => (
              <Route key={route.path} path={route.path} element={<RoutePage route={route} />} />
            ))}
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
