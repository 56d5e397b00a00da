import { DeleteOutlined, DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  DatePicker,
  Input,
  InputNumber,
  List,
  Modal,
  Popconfirm,
  Progress,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { asItems, usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useAction } from '../../components/useFormSubmit';
import { fileUrl, type StoredFile, uploadFile, zipUrl } from './api';
import { EDITABLE_IMAGE, ImageModal, useTranscode } from './FileTools';
import { formatSize } from './labels';
import { SiteSelect, useSiteParam } from './SitePicker';

const CATEGORY: Record<string, string> = { image: '图片', document: '文档', video: '视频', audio: '音频' };

interface Filters {
  q?: string;
  type?: string;
  referenced?: 'yes' | 'no';
  minKb?: number | null;
  maxKb?: number | null;
  uploaderIp?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

interface Uploading {
  name: string;
  percent: number;
  error?: string;
}

/** 文件资源管理: search, upload with progress, references, batch delete and zip download. */
export default function FilesPage() {
  const can = useCan();
  const action = useAction();
  const { message, modal } = App.useApp();
  const [siteId, setSiteId, sites] = useSiteParam();
  const [filters, setFilters] = useState<Filters>({});
  const [dragging, setDragging] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [uploads, setUploads] = useState<Uploading[]>([]);
  const [refsOf, setRefsOf] = useState<StoredFile | null>(null);
  const [editing, setEditing] = useState<StoredFile | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));
  const query = useMemo(
    () => ({
      siteId,
      q: filters.q,
      type: filters.type,
      referenced: filters.referenced === undefined ? undefined : filters.referenced === 'yes',
      minSize: filters.minKb != null ? Math.round(filters.minKb * 1024) : undefined,
      maxSize: filters.maxKb != null ? Math.round(filters.maxKb * 1024) : undefined,
      uploaderIp: filters.uploaderIp,
      from: filters.range?.[0]?.startOf('day').toISOString(),
      to: filters.range?.[1]?.endOf('day').toISOString(),
    }),
    [filters, siteId],
  );
  const { data, loading, pagination, reload } = usePagedList<StoredFile>('/cms/files', query);
  const transcode = useTranscode(reload);

  const upload = async (files: FileList | null) => {
    if (!files?.length) return;
    const list = Array.from(files);
    setUploads(list.map((f) => ({ name: f.name, percent: 0 })));
    const update = (i: number, patch: Partial<Uploading>) =>
      setUploads((u) => u.map((x, j) => (j === i ? { ...x, ...patch } : x)));
    let failed = 0;
    for (const [i, file] of list.entries()) {
      try {
        await uploadFile(file, { siteId, onProgress: (percent) => update(i, { percent }) });
        update(i, { percent: 100 });
      } catch (error) {
        failed++;
        update(i, { error: errorMessage(error) });
      }
    }
    if (input.current) input.current.value = '';
    if (failed) message.error(`${failed} 个文件上传失败，原因见列表`);
    else {
      message.success(`已上传 ${list.length} 个文件`);
      setUploads([]);
    }
    reload();
  };

  const batchDelete = (force: boolean) =>
    modal.confirm({
      title: `${force ? '强制删除' : '删除'}选中的 ${selected.length} 个文件？`,
      content: force ? '被信息引用的文件也将删除，引用处会显示为缺失。' : '被信息引用的文件不会删除。',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          const result = await api.post<{ deleted: string[]; referenced: { name: string }[] }>(
            '/cms/files/batch-delete',
            { ids: selected, force },
          );
          const skipped = result.referenced.map((r) => r.name).join('、');
          if (skipped) message.warning(`已删除 ${result.deleted.length} 个；被引用未删除：${skipped}`);
          else message.success(`已删除 ${result.deleted.length} 个文件`);
          setSelected([]);
        } catch (error) {
          message.error(errorMessage(error));
        }
        reload();
      },
    });

  return (
    <PageCard
      title="文件资源"
      extra={
        <>
          <SiteSelect sites={sites} value={siteId} onChange={setSiteId} />
          {can('file:upload') && (
            <>
              <Button type="primary" icon={<UploadOutlined />} onClick={() => input.current?.click()}>
                上传文件
              </Button>
              <input
                ref={input}
                type="file"
                multiple
                style={{ display: 'none' }}
                data-testid="file-manager-input"
                onChange={(e) => upload(e.target.files)}
              />
            </>
          )}
        </>
      }
    >
      {can('file:upload') && (
        <button
          type="button"
          className={`cms-dropzone${dragging ? ' cms-dropzone-active' : ''}`}
          onClick={() => input.current?.click()}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            upload(e.dataTransfer.files);
          }}
        >
          将文件拖到此处上传到「{sites.find((s) => s.id === siteId)?.name ?? '当前站点'}」，或点击此处选择文件
        </button>
      )}
      {uploads.length > 0 && (
        <List
          size="small"
          bordered
          style={{ marginBottom: 16 }}
          dataSource={uploads}
          renderItem={(u) => (
            <List.Item>
              <Space direction="vertical" style={{ width: '100%' }} size={0}>
                <Typography.Text type={u.error ? 'danger' : undefined}>
                  {u.name}
                  {u.error && `：${u.error}`}
                </Typography.Text>
                <Progress percent={u.percent} size="small" status={u.error ? 'exception' : undefined} />
              </Space>
            </List.Item>
          )}
        />
      )}
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search placeholder="文件名关键字" allowClear onSearch={(q) => set({ q })} style={{ width: 200 }} />
        <Select
          aria-label="文件类型"
          allowClear
          placeholder="全部类型"
          style={{ width: 110 }}
          options={Object.entries(CATEGORY).map(([value, label]) => ({ value, label }))}
          onChange={(type) => set({ type })}
        />
        <Select
          aria-label="引用状态"
          allowClear
          placeholder="引用状态"
          style={{ width: 110 }}
          options={[
            { value: 'yes', label: '已引用' },
            { value: 'no', label: '未引用' },
          ]}
          onChange={(referenced) => set({ referenced })}
        />
        <Space.Compact>
          <InputNumber placeholder="最小 KB" min={0} onChange={(minKb) => set({ minKb })} style={{ width: 100 }} />
          <InputNumber placeholder="最大 KB" min={0} onChange={(maxKb) => set({ maxKb })} style={{ width: 100 }} />
        </Space.Compact>
        <Input.Search
          placeholder="上传者 IP"
          allowClear
          onSearch={(uploaderIp) => set({ uploaderIp })}
          style={{ width: 160 }}
        />
        <DatePicker.RangePicker onChange={(range) => set({ range })} />
        <Button icon={<DownloadOutlined />} disabled={!selected.length} href={zipUrl(selected)}>
          打包下载
        </Button>
        <Button danger icon={<DeleteOutlined />} disabled={!selected.length} onClick={() => batchDelete(false)}>
          批量删除
        </Button>
        {can('file:manage') && (
          <Button danger disabled={!selected.length} onClick={() => batchDelete(true)}>
            强制删除
          </Button>
        )}
      </Space>
      <Table<StoredFile>
        rowKey="id"
        aria-label="文件列表"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String)) }}
        columns={[
          {
            title: '文件名',
            dataIndex: 'name',
            render: (name, f) => (
              <Typography.Link href={fileUrl(f.id)} target="_blank">
                {name}
              </Typography.Link>
            ),
          },
          {
            title: '类型',
            dataIndex: 'category',
            width: 70,
            render: (c: string | null) => (c ? (CATEGORY[c] ?? c) : '—'),
          },
          { title: '大小', dataIndex: 'size', width: 100, render: formatSize },
          {
            title: '引用',
            dataIndex: 'referenceCount',
            width: 90,
            render: (n: number, f) =>
              n ? <Typography.Link onClick={() => setRefsOf(f)}>{n} 处</Typography.Link> : <Tag>未引用</Tag>,
          },
          { title: '上传者 IP', dataIndex: 'uploaderIp', width: 130, render: (v) => v ?? '—' },
          { title: '上传时间', dataIndex: 'createdAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 170,
            render: (_, f) => (
              <Space size={0}>
                {can('file:upload') && f.ext && EDITABLE_IMAGE.has(f.ext) && (
                  <Button type="link" size="small" onClick={() => setEditing(f)}>
                    处理
                  </Button>
                )}
                {can('file:upload') && f.category === 'video' && (
                  <Button type="link" size="small" onClick={() => transcode(f)}>
                    转码
                  </Button>
                )}
                {can('file:manage') && (
                  <Popconfirm
                    title="彻底清除该文件？"
                    description={f.referenceCount ? '文件仍被引用，清除后引用处将缺失。' : '清除后不可恢复。'}
                    onConfirm={async () => {
                      await action(
                        () => api.delete(`/cms/files/${f.id}${f.referenceCount ? '?force=true' : ''}`),
                        '文件已清除',
                      );
                      reload();
                    }}
                  >
                    <Button type="link" size="small" danger>
                      清除
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {refsOf && <ReferencesModal file={refsOf} onClose={() => setRefsOf(null)} />}
      {editing && (
        <ImageModal
          file={editing}
          onClose={(created) => {
            setEditing(null);
            if (created) reload();
          }}
        />
      )}
    </PageCard>
  );
}

interface Reference {
  ownerType: string;
  ownerId: string;
  field: string;
  title?: string;
}

function ReferencesModal({ file, onClose }: { file: StoredFile; onClose: () => void }) {
  const { data, loading } = useRemote(
    async () => asItems(await api.get<{ items: Reference[] }>(`/cms/files/${file.id}/references`)),
    [file.id],
    [] as Reference[],
  );
  const FIELD: Record<string, string> = { body: '正文', attachments: '附件', cover: '封面' };
  return (
    <Modal open title={`引用情况：${file.name}`} footer={null} onCancel={onClose}>
      <List
        loading={loading}
        dataSource={data}
        renderItem={(r) => (
          <List.Item>
            {r.ownerType === 'cms.document' ? (
              <Link to={`/cms/documents/${r.ownerId}`}>{r.title ?? r.ownerId}</Link>
            ) : (
              `${r.ownerType} ${r.ownerId}`
            )}
            <Tag>{FIELD[r.field] ?? r.field}</Tag>
          </List.Item>
        )}
      />
    </Modal>
  );
}
