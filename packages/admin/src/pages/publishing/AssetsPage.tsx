import { DeleteOutlined, EditOutlined, UploadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Pagination,
  Popconfirm,
  Select,
  Space,
  Spin,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useRemote } from '../../components/data';
import { PageCard } from '../../components/ui';
import { type Asset, items, type PublishingSite, publishingApi, uploadForm } from './api';
import { formatBytes } from './logic';
import './publishing.css';

/** The library's images as a searchable grid; shared by 素材库 and the topic designer's picker. */
export function AssetBrowser({
  siteId,
  onPick,
  manage,
}: {
  siteId?: string;
  /** Picker mode: clicking an image chooses it. */
  onPick?: (asset: Asset) => void;
  manage?: boolean;
}) {
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [tag, setTag] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [uploadTags, setUploadTags] = useState('');
  const [editing, setEditing] = useState<Asset | null>(null);
  const [uploading, setUploading] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const list = useRemote(
    () => publishingApi.assets({ siteId, q: q || undefined, tag, page, pageSize: 24 }),
    [siteId, q, tag, page],
    { items: [] as Asset[], total: 0 },
  );
  const tags = useRemote(async () => (await publishingApi.assetTags(siteId)).items, [siteId, list.data], []);

  async function upload(files: FileList | null) {
    if (!files?.length) return;
    setUploading(true);
    try {
      const res = await uploadForm<{ items: Asset[] }>('/publishing/assets', [...files], {
        siteId: siteId ?? '',
        tags: uploadTags,
      });
      message.success(`已上传 ${res.items.length} 张图片`);
      setPage(1);
      list.reload();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  }

  async function remove(asset: Asset) {
    try {
      await publishingApi.deleteAsset(asset.id);
      message.success(`已删除「${asset.name}」`);
      list.reload();
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Input.Search
          allowClear
          aria-label="搜索素材"
          placeholder="按名称或标签搜索"
          style={{ width: 240 }}
          onSearch={(v) => {
            setPage(1);
            setQ(v);
          }}
        />
        <Select
          allowClear
          aria-label="标签"
          placeholder="全部标签"
          style={{ width: 160 }}
          value={tag}
          onChange={(v) => {
            setPage(1);
            setTag(v);
          }}
          options={tags.data.map((t) => ({ value: t.tag, label: `${t.tag}（${t.count}）` }))}
        />
        {manage !== false && (
          <>
            <Input
              aria-label="上传标签"
              placeholder="上传时的标签，如：专题,横幅"
              style={{ width: 220 }}
              value={uploadTags}
              onChange={(e) => setUploadTags(e.target.value)}
            />
            <Button icon={<UploadOutlined />} loading={uploading} onClick={() => input.current?.click()}>
              上传图片
            </Button>
            <input
              ref={input}
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp"
              multiple
              hidden
              data-testid="asset-input"
              onChange={(e) => upload(e.target.files)}
            />
          </>
        )}
      </Space>
      <Spin spinning={list.loading}>
        {list.data.items.length === 0 ? (
          <Empty description="暂无素材" />
        ) : (
          <ul className="publishing-assets-grid" aria-label="素材" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {list.data.items.map((a) => (
              <li key={a.id}>
                <Card
                  size="small"
                  hoverable={!!onPick}
                  onClick={onPick ? () => onPick(a) : undefined}
                  cover={
                    <div className="publishing-asset-thumb">
                      <img src={a.url} alt={a.name} loading="lazy" />
                    </div>
                  }
                  actions={
                    onPick
                      ? undefined
                      : [
                          <Tooltip key="edit" title="名称和标签">
                            <Button
                              type="text"
                              size="small"
                              icon={<EditOutlined />}
                              aria-label={`编辑${a.name}`}
                              onClick={() => setEditing(a)}
                            />
                          </Tooltip>,
                          <Popconfirm
                            key="delete"
                            title={`删除「${a.name}」？`}
                            description={a.usedBy ? `有 ${a.usedBy} 个专题正在使用，不能删除` : '删除后不可恢复'}
                            onConfirm={() => remove(a)}
                          >
                            <Button
                              type="text"
                              size="small"
                              danger
                              icon={<DeleteOutlined />}
                              aria-label={`删除${a.name}`}
                            />
                          </Popconfirm>,
                        ]
                  }
                >
                  <Typography.Text ellipsis={{ tooltip: a.name }} strong>
                    {a.name}
                  </Typography.Text>
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {formatBytes(a.size)} · {a.siteName ?? '公共素材'}
                      {a.usedBy ? ` · ${a.usedBy} 个专题使用` : ''}
                    </Typography.Text>
                  </div>
                  <div>
                    {a.tags.map((t) => (
                      <Tag key={t} style={{ marginTop: 4 }}>
                        {t}
                      </Tag>
                    ))}
                  </div>
                </Card>
              </li>
            ))}
          </ul>
        )}
      </Spin>
      <Pagination
        current={page}
        pageSize={24}
        total={list.data.total}
        onChange={setPage}
        showTotal={(t) => `共 ${t} 张`}
        hideOnSinglePage
      />
      {editing && (
        <EditAssetModal
          asset={editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) list.reload();
          }}
        />
      )}
    </Space>
  );
}

function EditAssetModal({ asset, onClose }: { asset: Asset; onClose(changed: boolean): void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; tags: string[] }>();
  return (
    <Modal
      open
      title={`编辑素材：${asset.name}`}
      onCancel={() => onClose(false)}
      onOk={async () => {
        const values = await form.validateFields();
        try {
          await publishingApi.updateAsset(asset.id, values);
          message.success('已保存');
          onClose(true);
        } catch (e) {
          message.error(errorMessage(e));
        }
      }}
    >
      <Form form={form} layout="vertical" initialValues={{ name: asset.name, tags: asset.tags }}>
        <Form.Item name="name" label="名称" rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="tags" label="标签">
          <Select mode="tags" tokenSeparators={[',', '，', '、']} aria-label="标签" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 素材库: images for topics (banners, carousels, backgrounds), per site or shared by all sites. */
export default function AssetsPage() {
  const sites = useRemote(async () => items(await publishingApi.sites()), [], [] as PublishingSite[]);
  const [siteId, setSiteId] = useState<string | undefined>();
  return (
    <PageCard
      title="素材库"
      extra={
        <Select
          aria-label="站点"
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder="全部站点（上传为公共素材）"
          style={{ width: 280 }}
          value={siteId}
          onChange={setSiteId}
          options={sites.data.map((s) => ({ value: s.id, label: s.name }))}
        />
      }
    >
      <AssetBrowser siteId={siteId} />
    </PageCard>
  );
}
