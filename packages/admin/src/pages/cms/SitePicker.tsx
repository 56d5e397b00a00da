import { Button, Result, Select, Spin } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../../api/client';
import type { Site } from './api';
import { useSites } from './hooks';

/** The `?siteId=` of the page, defaulting to the first site the user may see. */
export function useSiteParam(): [string | undefined, (id: string) => void, Site[]] {
  const [params, setParams] = useSearchParams();
  const { data: sites } = useSites();
  const siteId = params.get('siteId') ?? sites[0]?.id;
  const setSiteId = (id: string) =>
    setParams((p) => {
      p.set('siteId', id);
      return p;
    });
  return [siteId, setSiteId, sites];
}

export function SiteSelect({
  sites,
  value,
  onChange,
}: {
  sites: Site[];
  value: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <Select
      aria-label="站点"
      value={sites.some((s) => s.id === value) ? value : undefined}
      placeholder="选择站点"
      showSearch
      optionFilterProp="label"
      style={{ width: 260 }}
      options={sites.map((s) => ({ value: s.id, label: s.name }))}
      onChange={onChange}
    />
  );
}

export function Forbidden({ subTitle }: { subTitle: string }) {
  const navigate = useNavigate();
  return (
    <Result
      status="403"
      title="无权访问"
      subTitle={subTitle}
      extra={
        <Button type="primary" onClick={() => navigate('/cms/sites')}>
          返回站点列表
        </Button>
      }
    />
  );
}

/**
 * Renders its children only when the server lets the user open the site: a typed-in `?siteId=` of
 * another department's site shows 无权访问 instead of an empty page.
 */
export function SiteGate({ siteId, children }: { siteId: string | undefined; children: (site: Site) => ReactNode }) {
  const [state, setState] = useState<{ site?: Site; denied?: string; failed?: string; loading: boolean }>({
    loading: true,
  });
  useEffect(() => {
    if (!siteId) {
      setState({ loading: false });
      return;
    }
    let live = true;
    setState({ loading: true });
    api
      .get<Site>(`/cms/sites/${siteId}`)
      .then((site) => live && setState({ site, loading: false }))
      .catch((error) => {
        if (!live) return;
        const status = error instanceof ApiError ? error.status : 0;
        if (status === 403 || status === 404)
          setState({ loading: false, denied: '该站点不存在或不属于您管理的范围。' });
        else setState({ loading: false, failed: String(error.message) });
      });
    return () => {
      live = false;
    };
  }, [siteId]);
  if (state.loading) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  if (state.denied) return <Forbidden subTitle={state.denied} />;
  if (state.failed) return <Result status="error" title="站点加载失败" subTitle={state.failed} />;
  if (!state.site)
    return <Result status="info" title="暂无可管理的站点" subTitle="请联系系统管理员为您分配站点权限。" />;
  return <>{children(state.site)}</>;
}
