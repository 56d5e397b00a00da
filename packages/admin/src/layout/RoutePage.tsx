import { Button, Result, Spin } from 'antd';
import { Suspense, useMemo } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import { useMe } from '../auth/session';
import { type ConsoleRoute, flattenNav, navigationFor } from '../routes';

function useAllowedPaths(): Set<string> {
  const me = useMe();
  return useMemo(() => new Set(flattenNav(navigationFor(me)).flatMap((n) => (n.path ? [n.path] : []))), [me]);
}

/** Renders a page only when the user's menu contains it, so typed-in URLs get the same limits as the menu. */
export function RoutePage({ route }: { route: ConsoleRoute }) {
  const allowed = useAllowedPaths();
  const navigate = useNavigate();
  if (!allowed.has(route.menuPath ?? route.path)) {
    return (
      <Result
        status="403"
        title="无权访问"
        subTitle={`您没有使用「${route.title}」的权限，如需使用请联系系统管理员。`}
        extra={
          <Button type="primary" onClick={() => navigate('/')}>
            返回首页
          </Button>
        }
      />
    );
  }
  const Page = route.component;
  return (
    <Suspense fallback={<Spin style={{ display: 'block', margin: '120px auto' }} />}>
      <Page />
    </Suspense>
  );
}

export function HomeRedirect() {
  const me = useMe();
  const first = flattenNav(navigationFor(me)).find((n) => n.path);
  if (first?.path) return <Navigate to={first.path} replace />;
  return (
    <Result status="info" title="欢迎使用集约平台" subTitle="您的账号尚未分配可用的功能，请联系系统管理员授权。" />
  );
}

export function NotFoundPage() {
  const navigate = useNavigate();
  return (
    <Result
      status="404"
      title="页面不存在"
      subTitle="该功能在当前版本的管理后台中尚未提供，或地址有误。"
      extra={
        <Button type="primary" onClick={() => navigate('/')}>
          返回首页
        </Button>
      }
    />
  );
}
