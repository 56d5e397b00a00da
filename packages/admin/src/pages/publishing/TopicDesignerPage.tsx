import {
  DeleteOutlined,
  ExportOutlined,
  EyeOutlined,
  HolderOutlined,
  PictureOutlined,
  PlusOutlined,
  SaveOutlined,
  SendOutlined,
  StopOutlined,
} from '@ant-design/icons';
import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import {
  Alert,
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Result,
  Select,
  Space,
  Spin,
  Tag,
  Typography,
} from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../../api/client';
import { PageCard } from '../../components/ui';
import { flattenChannels, useChannelTree } from '../cms/hooks';
import { AssetBrowser } from './AssetsPage';
import { type Asset, type ModuleType, publishingApi, type Topic, type TopicBackground, type TopicModule } from './api';
import { useLeaveGuard } from './JobProgress';
import { MODULE_TYPES, moduleProblems, moduleTitle, moveModule, newModule, withIds } from './logic';
import './publishing.css';

const makeId = () => `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

/** One line under the module's name on the canvas, so the arrangement reads without opening each. */
function summary(m: TopicModule): string {
  const p = m.props;
  switch (m.type) {
    case 'banner':
      return [p.title, p.subtitle].filter(Boolean).join(' — ') || '（无标题）';
    case 'news':
      return `${p.title || '信息列表'}：栏目 ${p.channelCode || '未选择'}，${p.limit} 条`;
    case 'carousel':
      return `${p.images?.length ?? 0} 张图片`;
    case 'links':
      return `${p.title || '链接组'}：${p.items?.length ?? 0} 个链接`;
    default:
      return (
        p.title ||
        String(p.html ?? '')
          .replace(/<[^>]+>/g, '')
          .slice(0, 40)
      );
  }
}

function CanvasModule({
  module,
  selected,
  onSelect,
  onRemove,
}: {
  module: TopicModule;
  selected: boolean;
  onSelect(): void;
  onRemove(): void;
}) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: module.id as string,
  });
  const problems = moduleProblems(module);
  return (
    <li
      ref={setNodeRef}
      style={{
        transform: CSS.Transform.toString(transform),
        transition,
        opacity: isDragging ? 0.6 : 1,
        listStyle: 'none',
      }}
      className={`publishing-canvas-module${selected ? ' selected' : ''}`}
      data-module-type={module.type}
    >
      <button
        type="button"
        className="handle"
        aria-label={`拖动排序：${moduleTitle(module.type)}`}
        {...attributes}
        {...listeners}
      >
        <HolderOutlined />
      </button>
      <button
        type="button"
        className="body"
        aria-pressed={selected}
        aria-label={`${moduleTitle(module.type)}：${summary(module)}`}
        onClick={onSelect}
      >
        <Space>
          <Tag color="blue">{moduleTitle(module.type)}</Tag>
          <Typography.Text ellipsis>{summary(module)}</Typography.Text>
        </Space>
        {module.type === 'banner' && module.props.imageUrl && (
          <img src={module.props.imageUrl} alt="" style={{ display: 'block', maxHeight: 80, marginTop: 8 }} />
        )}
        {problems.length > 0 && (
          <Typography.Text type="danger" style={{ fontSize: 12, display: 'block' }}>
            {problems.join('；')}
          </Typography.Text>
        )}
      </button>
      <Button
        type="text"
        danger
        size="small"
        icon={<DeleteOutlined />}
        aria-label={`删除模块：${moduleTitle(module.type)}`}
        onClick={onRemove}
      />
    </li>
  );
}

function AssetPickerModal({ siteId, onPick, onClose }: { siteId: string; onPick(a: Asset): void; onClose(): void }) {
  return (
    <Modal open width={900} title="从素材库选择图片" footer={null} onCancel={onClose}>
      <AssetBrowser siteId={siteId} onPick={onPick} />
    </Modal>
  );
}

function ImageField({
  value,
  onChange,
  siteId,
  label,
}: {
  value?: string | null;
  onChange(v: string | null): void;
  siteId: string;
  label: string;
}) {
  const [picking, setPicking] = useState(false);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {value ? (
        <img src={value} alt={label} style={{ maxWidth: '100%', maxHeight: 120 }} />
      ) : (
        <Typography.Text type="secondary">未选择图片</Typography.Text>
      )}
      <Space>
        <Button icon={<PictureOutlined />} onClick={() => setPicking(true)}>
          从素材库选择
        </Button>
        {value && <Button onClick={() => onChange(null)}>清除</Button>}
      </Space>
      {picking && (
        <AssetPickerModal
          siteId={siteId}
          onClose={() => setPicking(false)}
          onPick={(a) => {
            onChange(a.url);
            setPicking(false);
          }}
        />
      )}
    </Space>
  );
}

/** The right-hand panel: the selected module's properties. */
function ModuleProperties({
  module,
  siteId,
  channels,
  onChange,
}: {
  module: TopicModule;
  siteId: string;
  channels: { value: string; label: string }[];
  onChange(props: Record<string, any>): void;
}) {
  const p = module.props;
  const set = (patch: Record<string, any>) => onChange({ ...p, ...patch });
  const [picking, setPicking] = useState(false);
  switch (module.type) {
    case 'banner':
      return (
        <Form layout="vertical">
          <Form.Item label="标题" htmlFor="banner-title">
            <Input id="banner-title" value={p.title} maxLength={100} onChange={(e) => set({ title: e.target.value })} />
          </Form.Item>
          <Form.Item label="副标题" htmlFor="banner-subtitle">
            <Input
              id="banner-subtitle"
              value={p.subtitle}
              maxLength={200}
              onChange={(e) => set({ subtitle: e.target.value })}
            />
          </Form.Item>
          <Form.Item label="横幅图片">
            <ImageField
              siteId={siteId}
              label="横幅图片"
              value={p.imageUrl}
              onChange={(v) => set({ imageUrl: v ?? undefined })}
            />
          </Form.Item>
        </Form>
      );
    case 'news':
      return (
        <Form layout="vertical">
          <Form.Item label="标题" htmlFor="news-title">
            <Input id="news-title" value={p.title} maxLength={100} onChange={(e) => set({ title: e.target.value })} />
          </Form.Item>
          <Form.Item label="栏目" required htmlFor="news-channel">
            <Select
              id="news-channel"
              aria-label="栏目"
              showSearch
              optionFilterProp="label"
              value={p.channelCode || undefined}
              options={channels}
              onChange={(v) => set({ channelCode: v })}
              placeholder="选择栏目"
            />
          </Form.Item>
          <Form.Item label="显示条数" htmlFor="news-limit">
            <InputNumber id="news-limit" min={1} max={50} value={p.limit} onChange={(v) => set({ limit: v ?? 6 })} />
          </Form.Item>
        </Form>
      );
    case 'carousel':
      return (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">轮播只在访问者点击时切换，不会自动播放。</Typography.Text>
          {(p.images ?? []).map((img: { url: string; alt: string; link?: string }, i: number) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same image may appear twice; position identifies it
            <Card key={`${img.url}-${i}`} size="small">
              <img src={img.url} alt={img.alt} style={{ maxWidth: '100%', maxHeight: 80 }} />
              <Input
                aria-label={`第 ${i + 1} 张图片的替代文字`}
                placeholder="替代文字（必填）"
                value={img.alt}
                style={{ marginTop: 8 }}
                onChange={(e) =>
                  set({ images: p.images.map((x: object, k: number) => (k === i ? { ...x, alt: e.target.value } : x)) })
                }
              />
              <Input
                aria-label={`第 ${i + 1} 张图片的链接`}
                placeholder="点击后打开的链接（可选）"
                value={img.link}
                style={{ marginTop: 8 }}
                onChange={(e) =>
                  set({
                    images: p.images.map((x: object, k: number) =>
                      k === i ? { ...x, link: e.target.value || undefined } : x,
                    ),
                  })
                }
              />
              <Button
                danger
                size="small"
                style={{ marginTop: 8 }}
                onClick={() => set({ images: p.images.filter((_: unknown, k: number) => k !== i) })}
              >
                移除
              </Button>
            </Card>
          ))}
          <Button icon={<PlusOutlined />} onClick={() => setPicking(true)}>
            添加图片
          </Button>
          {picking && (
            <AssetPickerModal
              siteId={siteId}
              onClose={() => setPicking(false)}
              onPick={(a) => {
                set({ images: [...(p.images ?? []), { url: a.url, alt: a.name.replace(/\.[^.]+$/, '') }] });
                setPicking(false);
              }}
            />
          )}
        </Space>
      );
    case 'links':
      return (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input
            aria-label="链接组标题"
            placeholder="标题"
            value={p.title}
            onChange={(e) => set({ title: e.target.value })}
          />
          {(p.items ?? []).map((item: { name: string; url: string }, i: number) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: links are edited in place, by position
            <Space.Compact key={i} style={{ width: '100%' }}>
              <Input
                aria-label={`第 ${i + 1} 个链接的名称`}
                placeholder="名称"
                value={item.name}
                onChange={(e) =>
                  set({ items: p.items.map((x: object, k: number) => (k === i ? { ...x, name: e.target.value } : x)) })
                }
              />
              <Input
                aria-label={`第 ${i + 1} 个链接的地址`}
                placeholder="https://"
                value={item.url}
                onChange={(e) =>
                  set({ items: p.items.map((x: object, k: number) => (k === i ? { ...x, url: e.target.value } : x)) })
                }
              />
              <Button
                danger
                icon={<DeleteOutlined />}
                aria-label={`删除第 ${i + 1} 个链接`}
                onClick={() => set({ items: p.items.filter((_: unknown, k: number) => k !== i) })}
              />
            </Space.Compact>
          ))}
          <Button icon={<PlusOutlined />} onClick={() => set({ items: [...(p.items ?? []), { name: '', url: '' }] })}>
            添加链接
          </Button>
        </Space>
      );
    default:
      return (
        <Form layout="vertical">
          <Form.Item label="标题" htmlFor="text-title">
            <Input id="text-title" value={p.title} onChange={(e) => set({ title: e.target.value })} />
          </Form.Item>
          <Form.Item label="内容（HTML，保存时会清除脚本等不安全内容）" htmlFor="text-html">
            <Input.TextArea id="text-html" rows={10} value={p.html} onChange={(e) => set({ html: e.target.value })} />
          </Form.Item>
        </Form>
      );
  }
}

/**
 * 专题设计: the module library on the left (click to add), the canvas in the middle (drag the
 * handle, or focus it and use the arrow keys, to reorder), the selected module's properties — or
 * the topic's own title and background — on the right; 预览 renders the unsaved design through the
 * site's theme; 发布 saves and publishes.
 */
export default function TopicDesignerPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const [topic, setTopic] = useState<Topic | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [background, setBackground] = useState<TopicBackground>({});
  const [modules, setModules] = useState<TopicModule[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [previewHtml, setPreviewHtml] = useState<string | null>(null);
  const channels = useChannelTree(topic?.siteId);
  useLeaveGuard(dirty);
  const channelChoices = useMemo(
    () =>
      flattenChannels(channels.data)
        .filter((c) => c.type !== 'link')
        .map((c) => ({ value: c.code, label: `${'　'.repeat(c.depth)}${c.name}` })),
    [channels.data],
  );
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const adopt = useCallback((t: Topic) => {
    setTopic(t);
    setTitle(t.title);
    setBackground(t.background ?? {});
    setModules(withIds(t.modules ?? [], makeId));
    setDirty(false);
  }, []);

  useEffect(() => {
    publishingApi
      .topic(id)
      .then(adopt)
      .catch((e) => setFailed(errorMessage(e)));
  }, [id, adopt]);

  const change = (next: TopicModule[]) => {
    setModules(next);
    setDirty(true);
  };

  function onDragEnd(event: DragEndEvent) {
    if (event.over && event.active.id !== event.over.id) {
      change(moveModule(modules, String(event.active.id), String(event.over.id)));
    }
  }

  function conflictOr(e: unknown) {
    if (e instanceof ApiError && e.code === 'topic_conflict') {
      modal.confirm({
        title: '专题已被他人修改',
        content: '您的修改未保存。重新加载将显示对方保存的内容（您的修改会丢失）。',
        okText: '重新加载',
        onOk: async () => adopt(await publishingApi.topic(id)),
      });
    } else message.error(errorMessage(e));
  }

  async function save(): Promise<Topic | null> {
    if (!topic) return null;
    const problems = modules.flatMap((m) => moduleProblems(m).map((p) => `${moduleTitle(m.type)}：${p}`));
    if (problems.length) {
      message.error(problems[0] as string);
      return null;
    }
    setBusy(true);
    try {
      const saved = await publishingApi.updateTopic(topic.id, { version: topic.version, title, background, modules });
      adopt(saved);
      message.success(saved.state === 'published' ? '已保存，专题页面正在更新' : '已保存');
      return saved;
    } catch (e) {
      conflictOr(e);
      return null;
    } finally {
      setBusy(false);
    }
  }

  async function publish(on: boolean) {
    if (!topic) return;
    const base = dirty ? await save() : topic;
    if (!base) return;
    setBusy(true);
    try {
      const next = await publishingApi.publishTopic(base.id, base.version, on);
      adopt(next);
      message.success(on ? '已发布，专题页面正在生成' : '已撤销发布');
    } catch (e) {
      conflictOr(e);
    } finally {
      setBusy(false);
    }
  }

  async function preview() {
    if (!topic) return;
    try {
      const res = await publishingApi.previewTopic(topic.id, { title, background, modules });
      setPreviewHtml(res.html);
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  if (failed)
    return (
      <Result
        status="warning"
        title="无法打开专题"
        subTitle={failed}
        extra={<Button onClick={() => navigate('/publishing/topics')}>返回专题列表</Button>}
      />
    );
  if (!topic) return <Spin style={{ display: 'block', margin: '80px auto' }} />;
  const current = modules.find((m) => m.id === selected) ?? null;

  return (
    <PageCard
      title={
        <Space>
          专题设计：{topic.title}
          {topic.state === 'published' ? <Tag color="success">已发布</Tag> : <Tag>草稿</Tag>}
          {dirty && <Tag color="red">未保存</Tag>}
        </Space>
      }
      extra={
        <>
          <Button icon={<SaveOutlined />} loading={busy} disabled={!dirty} onClick={save}>
            保存
          </Button>
          <Button icon={<EyeOutlined />} onClick={preview}>
            预览
          </Button>
          <Button type="primary" icon={<SendOutlined />} loading={busy} onClick={() => publish(true)}>
            发布
          </Button>
          {topic.state === 'published' && (
            <>
              <Button icon={<StopOutlined />} onClick={() => publish(false)}>
                撤销发布
              </Button>
              {topic.url && (
                <Button icon={<ExportOutlined />} href={topic.url} target="_blank" rel="noopener">
                  查看专题
                </Button>
              )}
            </>
          )}
        </>
      }
    >
      <div className="publishing-designer">
        <section aria-label="模块库">
          <Typography.Title level={5}>模块库</Typography.Title>
          {MODULE_TYPES.map((t) => (
            <Button
              key={t.type}
              className="publishing-library-item"
              icon={<PlusOutlined />}
              title={t.description}
              onClick={() => {
                const m = newModule(t.type as ModuleType, makeId());
                change([...modules, m]);
                setSelected(m.id as string);
              }}
            >
              添加{t.title}
            </Button>
          ))}
        </section>
        <section aria-label="画布">
          <div
            className="publishing-canvas"
            style={{
              backgroundColor: background.color ?? '#ffffff',
              backgroundImage: background.imageUrl ? `url("${background.imageUrl}")` : undefined,
            }}
          >
            <Typography.Title
              level={4}
              style={{ background: 'rgba(255,255,255,.9)', padding: '4px 8px', borderRadius: 4 }}
            >
              {title}
            </Typography.Title>
            {modules.length === 0 ? (
              <Empty description="从左侧模块库添加模块" />
            ) : (
              <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
                <SortableContext items={modules.map((m) => m.id as string)} strategy={verticalListSortingStrategy}>
                  <ul aria-label="专题模块" style={{ padding: 0, margin: 0 }}>
                    {modules.map((m) => (
                      <CanvasModule
                        key={m.id}
                        module={m}
                        selected={m.id === selected}
                        onSelect={() => setSelected(m.id as string)}
                        onRemove={() => {
                          change(modules.filter((x) => x.id !== m.id));
                          if (selected === m.id) setSelected(null);
                        }}
                      />
                    ))}
                  </ul>
                </SortableContext>
              </DndContext>
            )}
          </div>
        </section>
        <aside aria-label="属性">
          <Card
            size="small"
            title={current ? `${moduleTitle(current.type)}属性` : '专题属性'}
            extra={
              current && (
                <Button size="small" onClick={() => setSelected(null)}>
                  专题属性
                </Button>
              )
            }
          >
            {current ? (
              <ModuleProperties
                key={current.id}
                module={current}
                siteId={topic.siteId}
                channels={channelChoices}
                onChange={(props) => change(modules.map((m) => (m.id === current.id ? { ...m, props } : m)))}
              />
            ) : (
              <Form layout="vertical">
                <Form.Item label="专题名称" htmlFor="topic-title">
                  <Input
                    id="topic-title"
                    value={title}
                    maxLength={100}
                    onChange={(e) => {
                      setTitle(e.target.value);
                      setDirty(true);
                    }}
                  />
                </Form.Item>
                <Form.Item label="专题地址">
                  <Typography.Text code>topics/{topic.slug}/</Typography.Text>
                </Form.Item>
                <Form.Item label="背景颜色" htmlFor="topic-bg-color">
                  <Input
                    id="topic-bg-color"
                    type="color"
                    style={{ width: 80 }}
                    value={background.color ?? '#ffffff'}
                    onChange={(e) => {
                      setBackground({ ...background, color: e.target.value });
                      setDirty(true);
                    }}
                  />
                </Form.Item>
                <Form.Item label="背景图片">
                  <ImageField
                    siteId={topic.siteId}
                    label="背景图片"
                    value={background.imageUrl}
                    onChange={(v) => {
                      setBackground({ ...background, imageUrl: v });
                      setDirty(true);
                    }}
                  />
                </Form.Item>
                <Alert type="info" showIcon message="点击画布中的模块编辑它的属性；拖动模块左侧的手柄调整顺序。" />
              </Form>
            )}
          </Card>
        </aside>
      </div>
      <Modal
        open={previewHtml !== null}
        width="90vw"
        title={`预览：${title}`}
        footer={null}
        onCancel={() => setPreviewHtml(null)}
      >
        {previewHtml !== null && (
          <iframe title="专题预览" className="publishing-preview-frame" sandbox="" srcDoc={previewHtml} />
        )}
      </Modal>
    </PageCard>
  );
}
