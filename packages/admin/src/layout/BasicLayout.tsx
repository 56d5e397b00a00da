import {
  DownOutlined,
  KeyOutlined,
  LogoutOutlined,
  MenuFoldOutlined,
  MenuUnfoldOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { App, Avatar, Button, Dropdown, Layout, Menu, type MenuProps, Space, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router-dom';
import { displayNameOf, orgNameOf, useMe, useSession } from '../auth/session';
import { flattenNav, type NavItem, navigationFor, routeFor } from '../routes';
import { ChangePasswordModal } from './ChangePasswordModal';

type MenuItem = Required<MenuProps>['items'][number];

function toMenuItems(items: NavItem[], badges: Record<string, number>): MenuItem[] {
  return items.map((item) => {
    const count = item.path ? badges[item.path] : 0;
    return {
      key: item.path ?? item.key,
      icon: item.icon,
      // The count is CSS generated content (global.css), so the entry's text stays its title.
      label: count ? (
        <span className="jy-menu-badge" data-count={count > 99 ? '99+' : String(count)} title={`${count} 项待处理`}>
          {item.title}
        </span>
      ) : (
        item.title
      ),
      children: item.children ? toMenuItems(item.children, badges) : undefined,
    };
  });
}

const BADGE_POLL_MS = 60_000;

/** Counts for menu entries whose route declares a badge, refreshed on navigation and every minute. */
function useMenuBadges(nav: NavItem[], pathname: string): Record<string, number> {
  const [badges, setBadges] = useState<Record<string, number>>({});
  const sources = useMemo(
    () =>
      flattenNav(nav).flatMap((n) => {
        const badge = routeFor(n.path)?.badge;
        return n.path && badge ? [{ path: n.path, badge }] : [];
      }),
    [nav],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: pathname is the trigger — counts change when the user acts on a page
  useEffect(() => {
    if (sources.length === 0) return;
    let live = true;
    const refresh = async () => {
      const entries = await Promise.all(sources.map(async (s) => [s.path, await s.badge().catch(() => 0)] as const));
      if (live) setBadges(Object.fromEntries(entries));
    };
    void refresh();
    const timer = setInterval(refresh, BADGE_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [sources, pathname]);
  return badges;
}

/** Menu groups start expanded: the console has few items and operators scan them all. */
function groupKeys(items: NavItem[]): string[] {
  return items.flatMap((item) => (item.children ? [item.path ?? item.key, ...groupKeys(item.children)] : []));
}

export function BasicLayout() {
  const me = useMe();
  const { logout } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const [collapsed, setCollapsed] = useState(false);
  const [changingPassword, setChangingPassword] = useState(
    Boolean(me.user.mustChangePassword || me.user.passwordExpired),
  );

  const nav = useMemo(() => navigationFor(me), [me]);
  const badges = useMenuBadges(nav, location.pathname);
  const menuItems = useMemo(() => toMenuItems(nav, badges), [nav, badges]);
  const current = flattenNav(nav).find((n) => n.path === location.pathname);
  const [openKeys, setOpenKeys] = useState<string[]>(() => groupKeys(nav));

  const onUserMenu: MenuProps['onClick'] = async ({ key }) => {
    if (key === 'password') setChangingPassword(true);
    if (key === 'logout') {
      await logout().catch(() => undefined);
      message.success('已安全退出');
      navigate('/login', { replace: true });
    }
  };

  const org = orgNameOf(me.user);
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider collapsible collapsed={collapsed} trigger={null} width={220} theme="dark">
        <div
          style={{
            height: 56,
            display: 'flex',
            alignItems: 'center',
            gap: 10,
            padding: '0 20px',
            color: '#fff',
            overflow: 'hidden',
            whiteSpace: 'nowrap',
          }}
        >
          <span
            style={{
              display: 'inline-flex',
              width: 28,
              height: 28,
              flex: 'none',
              alignItems: 'center',
              justifyContent: 'center',
              background: '#c0392b',
              borderRadius: 6,
              fontWeight: 700,
            }}
          >
            集
          </span>
          {!collapsed && <span style={{ fontSize: 16, fontWeight: 600 }}>集约平台管理后台</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          aria-label="主菜单"
          items={menuItems}
          selectedKeys={[location.pathname]}
          openKeys={collapsed ? undefined : openKeys}
          onOpenChange={setOpenKeys}
          onClick={({ key }) => key.startsWith('/') && navigate(key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            padding: '0 16px 0 0',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            boxShadow: '0 1px 4px rgba(0,21,41,.08)',
            zIndex: 1,
          }}
        >
          <Space>
            <Button
              type="text"
              aria-label={collapsed ? '展开菜单' : '收起菜单'}
              icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
              onClick={() => setCollapsed(!collapsed)}
              style={{ width: 56, height: 56 }}
            />
            <Typography.Text strong>{current?.title ?? ''}</Typography.Text>
          </Space>
          <Dropdown
            trigger={['click']}
            menu={{
              onClick: onUserMenu,
              items: [
                { key: 'password', icon: <KeyOutlined />, label: '修改口令' },
                { type: 'divider' },
                { key: 'logout', icon: <LogoutOutlined />, label: '退出登录' },
              ],
            }}
          >
            <Button type="text" data-testid="user-menu" style={{ height: 48 }}>
              <Space>
                <Avatar size="small" icon={<UserOutlined />} style={{ background: '#1a5fb4' }} />
                <span>{displayNameOf(me.user)}</span>
                {org && <Typography.Text type="secondary">{org}</Typography.Text>}
                <DownOutlined style={{ fontSize: 10 }} />
              </Space>
            </Button>
          </Dropdown>
        </Layout.Header>
        <Layout.Content style={{ margin: 16 }}>
          <Outlet />
        </Layout.Content>
        <Layout.Footer style={{ textAlign: 'center', color: '#8c8c8c', padding: '12px 0 16px' }}>
          新乡市政府网站集约化平台 · 集约 Jiyue
        </Layout.Footer>
      </Layout>
      <ChangePasswordModal
        open={changingPassword}
        forced={Boolean(me.user.mustChangePassword || me.user.passwordExpired)}
        onClose={() => setChangingPassword(false)}
      />
    </Layout>
  );
}
