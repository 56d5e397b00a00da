import { CloudUploadOutlined, DeleteOutlined, HolderOutlined, RollbackOutlined, SaveOutlined } from '@ant-design/icons';
import {
  DndContext,
  type DragEndEvent,
  DragOverlay,
  type DragStartEvent,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
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
import { Alert, App, Button, Card, Col, Empty, Input, Row, Space, Tabs, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../../api/client';
import { FormRenderer } from '../../components/form-renderer';
import {
  checkDefinition,
  type FieldError,
  type FormDocuments,
  type Widget,
} from '../../components/form-renderer/engine';
import { PageCard } from '../../components/ui';
import { type FormDetail, formsApi } from './api';
import { addField, moveField, PALETTE, removeField, widgetTitle } from './designer-model';
import { FieldProperties, FormProperties } from './FieldProperties';
import './designer.css';

/**
 * 表单设计器: drag controls from the palette onto the canvas, reorder them by dragging, edit the
 * selected field on the right, try the form in 预览 (the real renderer and engine), edit the JSON
 * directly, save the draft and publish. Every control can also be added by clicking it (keyboard).
 */
export default function DesignerPage() {
  const { key = '' } = useParams();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const [detail, setDetail] = useState<FormDetail | null>(null);
  const [docs, setDocs] = useState<FormDocuments | null>(null);
  const [meta, setMeta] = useState({ name: '', description: '' });
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState('canvas');
  const [saving, setSaving] = useState(false);
  const [problems, setProblems] = useState<FieldError[]>([]);

  const load = useCallback(async () => {
    const d = await formsApi.get(key);
    setDetail(d);
    setDocs({ schema: d.schema, uiSchema: d.uiSchema });
    setMeta({ name: d.name, description: d.description });
    setDirty(false);
  }, [key]);
  useEffect(() => {
    load().catch((e) => message.error(errorMessage(e)));
  }, [load, message]);

  const change = (next: FormDocuments) => {
    setDocs(next);
    setDirty(true);
    setProblems([]);
  };

  const save = async (): Promise<boolean> => {
    if (!docs || !detail) return false;
    const local = checkDefinition(docs);
    if (local.length) {
      setProblems(local);
      message.error('表单定义有误，请按提示修改');
      return false;
    }
    setSaving(true);
    try {
      const saved = await formsApi.save(key, { ...meta, ...docs, revision: detail.revision });
      setDetail({ ...detail, ...saved });
      setDirty(false);
      message.success('草稿已保存');
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.problem.errors) setProblems(e.problem.errors);
      message.error(errorMessage(e));
      return false;
    } finally {
      setSaving(false);
    }
  };

  const publish = async () => {
    if (dirty && !(await save())) return;
    modal.confirm({
      title: `发布「${meta.name}」？`,
      content: '发布后生成新的版本，已发布的版本不可修改；正在办理的业务继续使用原来的版本。',
      okText: '发布',
      onOk: async () => {
        try {
          const r = await formsApi.publish(key);
          message.success(`已发布第 ${r.version} 版`);
          await load();
        } catch (e) {
          message.error(errorMessage(e));
        }
      },
    });
  };

  if (!docs || !detail) return <PageCard title="表单设计">加载中…</PageCard>;

  return (
    <PageCard
      title={
        <Space>
          {meta.name || key}
          {detail.latestVersion ? <Tag color="blue">已发布第 {detail.latestVersion} 版</Tag> : <Tag>未发布</Tag>}
          {dirty ? <Tag color="orange">有未保存的修改</Tag> : null}
        </Space>
      }
      extra={
        <>
          <Button icon={<RollbackOutlined />} onClick={() => navigate('/forms/definitions')}>
            返回列表
          </Button>
          <Button icon={<SaveOutlined />} onClick={save} loading={saving} disabled={!dirty}>
            保存草稿
          </Button>
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={publish}>
            发布
          </Button>
        </>
      }
    >
      {problems.length ? (
        <Alert
          type="error"
          showIcon
          closable
          style={{ marginBottom: 12 }}
          title="表单定义有误"
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {problems.map((p) => (
                <li key={`${p.field}${p.message}`}>
                  {p.field ? <code>{p.field}</code> : null} {p.message}
                </li>
              ))}
            </ul>
          }
          onClose={() => setProblems([])}
        />
      ) : null}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'canvas',
            label: '设计',
            children: (
              <DesignSurface
                docs={docs}
                onChange={change}
                selected={selected}
                onSelect={setSelected}
                side={
                  selected && docs.uiSchema.fields[selected] ? (
                    <FieldProperties docs={docs} fieldKey={selected} onChange={change} onRename={setSelected} />
                  ) : (
                    <FormProperties
                      docs={docs}
                      meta={meta}
                      onChange={change}
                      onMeta={(m) => {
                        setMeta(m);
                        setDirty(true);
                      }}
                    />
                  )
                }
              />
            ),
          },
          {
            key: 'preview',
            label: '预览',
            children: <Preview formKey={key} docs={docs} dirty={dirty} />,
          },
          { key: 'json', label: 'JSON', children: <JsonView docs={docs} onApply={change} /> },
        ]}
      />
    </PageCard>
  );
}

function DesignSurface({
  docs,
  onChange,
  selected,
  onSelect,
  side,
}: {
  docs: FormDocuments;
  onChange: (docs: FormDocuments) => void;
  selected: string | null;
  onSelect: (key: string | null) => void;
  side: React.ReactNode;
}) {
  const [dragging, setDragging] = useState<string | null>(null);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const order = docs.uiSchema.order;

  const add = (widget: Widget, index?: number) => {
    const r = addField(docs, widget, index);
    onChange(r.docs);
    onSelect(r.key);
  };

  const onDragStart = (e: DragStartEvent) => setDragging(String(e.active.id));
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(null);
    const active = String(e.active.id);
    const over = e.over ? String(e.over.id) : null;
    if (!over) return;
    if (active.startsWith('palette:')) {
      const index = over === 'canvas' ? undefined : order.indexOf(over);
      add(active.slice('palette:'.length) as Widget, index === -1 ? undefined : index);
      return;
    }
    const from = order.indexOf(active);
    const to = over === 'canvas' ? order.length - 1 : order.indexOf(over);
    if (from !== -1 && to !== -1 && from !== to) onChange(moveField(docs, from, to));
  };

  return (
    <DndContext
      sensors={sensors}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => setDragging(null)}
    >
      <Row gutter={12} wrap={false}>
        <Col flex="220px">
          <Palette onAdd={(w) => add(w)} />
        </Col>
        <Col flex="auto">
          <Canvas
            docs={docs}
            selected={selected}
            onSelect={onSelect}
            onRemove={(k) => {
              onChange(removeField(docs, k));
              if (selected === k) onSelect(null);
            }}
          />
        </Col>
        <Col flex="340px">{side}</Col>
      </Row>
      <DragOverlay>
        {dragging?.startsWith('palette:') ? (
          <div className="jy-fd-palette-item jy-fd-overlay">{widgetTitle(dragging.slice(8) as Widget)}</div>
        ) : dragging ? (
          <div className="jy-fd-field jy-fd-overlay">{docs.schema.properties?.[dragging]?.title ?? dragging}</div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}

function Palette({ onAdd }: { onAdd: (widget: Widget) => void }) {
  const groups = [...new Set(PALETTE.map((p) => p.group))];
  return (
    <Card size="small" title="控件库" className="jy-fd-palette">
      {groups.map((g) => (
        <div key={g} style={{ marginBottom: 8 }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {g}
          </Typography.Text>
          <div className="jy-fd-palette-grid">
            {PALETTE.filter((p) => p.group === g).map((p) => (
              <PaletteItem key={p.widget} widget={p.widget} title={p.title} onAdd={onAdd} />
            ))}
          </div>
        </div>
      ))}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        拖到右侧画布，或点击添加到末尾
      </Typography.Text>
    </Card>
  );
}

function PaletteItem({ widget, title, onAdd }: { widget: Widget; title: string; onAdd: (w: Widget) => void }) {
  const { attributes, listeners, setNodeRef } = useDraggable({ id: `palette:${widget}` });
  return (
    <button
      type="button"
      ref={setNodeRef}
      className="jy-fd-palette-item"
      data-widget={widget}
      {...attributes}
      {...listeners}
      onClick={() => onAdd(widget)}
      aria-label={`添加控件：${title}`}
    >
      {title}
    </button>
  );
}

function Canvas({
  docs,
  selected,
  onSelect,
  onRemove,
}: {
  docs: FormDocuments;
  selected: string | null;
  onSelect: (key: string | null) => void;
  onRemove: (key: string) => void;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: 'canvas' });
  const order = docs.uiSchema.order;
  return (
    <Card size="small" title={`画布（${order.length} 个字段）`} onClick={() => onSelect(null)}>
      <div ref={setNodeRef} className={`jy-fd-canvas${isOver ? ' jy-fd-canvas-over' : ''}`} data-testid="form-canvas">
        <SortableContext items={order} strategy={verticalListSortingStrategy}>
          {order.map((key) => (
            <CanvasField
              key={key}
              fieldKey={key}
              docs={docs}
              selected={selected === key}
              onSelect={onSelect}
              onRemove={onRemove}
            />
          ))}
        </SortableContext>
        {order.length === 0 ? <Empty description="把左侧的控件拖到这里" /> : null}
      </div>
    </Card>
  );
}

function CanvasField({
  fieldKey,
  docs,
  selected,
  onSelect,
  onRemove,
}: {
  fieldKey: string;
  docs: FormDocuments;
  selected: boolean;
  onSelect: (key: string) => void;
  onRemove: (key: string) => void;
}) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id: fieldKey });
  const ui = docs.uiSchema.fields[fieldKey];
  const schema = docs.schema.properties?.[fieldKey] ?? {};
  const required = docs.schema.required?.includes(fieldKey);
  return (
    <div
      ref={setNodeRef}
      style={{ transform: CSS.Transform.toString(transform), transition, opacity: isDragging ? 0.4 : 1 }}
      className={`jy-fd-field${selected ? ' jy-fd-field-selected' : ''}`}
      data-field={fieldKey}
    >
      <button
        type="button"
        className="jy-fd-handle"
        {...attributes}
        {...listeners}
        aria-label={`拖动排序：${schema.title ?? fieldKey}`}
      >
        <HolderOutlined />
      </button>
      <button
        type="button"
        className="jy-fd-field-label"
        aria-pressed={selected}
        onClick={(e) => {
          e.stopPropagation();
          onSelect(fieldKey);
        }}
      >
        {required ? <span style={{ color: '#ff4d4f' }}>* </span> : null}
        {schema.title ?? fieldKey}
      </button>
      <Tag>{widgetTitle(ui.widget)}</Tag>
      {ui.visibleWhen ? <Tag color="purple">条件显示</Tag> : null}
      {ui.compute ? <Tag color="cyan">计算</Tag> : null}
      <Typography.Text type="secondary" className="jy-fd-field-key">
        {fieldKey}
      </Typography.Text>
      <Button
        type="text"
        danger
        size="small"
        icon={<DeleteOutlined />}
        aria-label={`删除字段：${schema.title ?? fieldKey}`}
        onClick={(e) => {
          e.stopPropagation();
          onRemove(fieldKey);
        }}
      />
    </div>
  );
}

/** 预览: the real renderer on the current (possibly unsaved) documents; submit validates in the browser, then on the server when the draft is saved. */
function Preview({ formKey, docs, dirty }: { formKey: string; docs: FormDocuments; dirty: boolean }) {
  const { message } = App.useApp();
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  return (
    <div style={{ maxWidth: 960 }}>
      {dirty ? (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          title="草稿尚未保存：预览按当前设计在浏览器中校验；保存后提交还会由服务器校验。"
        />
      ) : null}
      <FormRenderer
        schema={docs.schema}
        uiSchema={docs.uiSchema}
        submitText="提交校验"
        onSubmit={async (data) => {
          const checked = dirty ? data : ((await formsApi.validate(formKey, data)).data as Record<string, unknown>);
          setResult(checked);
          message.success(dirty ? '浏览器校验通过' : '校验通过（服务器）');
        }}
      />
      {result ? (
        <Card
          size="small"
          title="提交后的只读视图（审批页面看到的样子）"
          style={{ marginTop: 16 }}
          data-testid="readonly-view"
        >
          <FormRenderer schema={docs.schema} uiSchema={docs.uiSchema} value={result} readOnly />
          <details style={{ marginTop: 12 }}>
            <summary>校验后的数据（JSON）</summary>
            <pre style={{ margin: 0, maxHeight: 300, overflow: 'auto' }}>{JSON.stringify(result, null, 2)}</pre>
          </details>
        </Card>
      ) : null}
    </div>
  );
}

/** JSON: both documents as text, applied after parsing and the same checks the server runs. */
function JsonView({ docs, onApply }: { docs: FormDocuments; onApply: (docs: FormDocuments) => void }) {
  const [schemaText, setSchemaText] = useState(() => JSON.stringify(docs.schema, null, 2));
  const [uiText, setUiText] = useState(() => JSON.stringify(docs.uiSchema, null, 2));
  const [errors, setErrors] = useState<string[]>([]);
  useEffect(() => {
    setSchemaText(JSON.stringify(docs.schema, null, 2));
    setUiText(JSON.stringify(docs.uiSchema, null, 2));
  }, [docs]);
  const apply = () => {
    let next: FormDocuments;
    try {
      next = { schema: JSON.parse(schemaText), uiSchema: JSON.parse(uiText) };
    } catch (e) {
      setErrors([`JSON 格式错误：${(e as Error).message}`]);
      return;
    }
    const problems = checkDefinition(next);
    if (problems.length) {
      setErrors(problems.map((p) => `${p.field}：${p.message}`));
      return;
    }
    setErrors([]);
    onApply(next);
  };
  return (
    <div>
      {errors.length ? (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} title="不能应用" description={errors.join('；')} />
      ) : null}
      <Row gutter={12}>
        <Col span={12}>
          <Typography.Title level={5}>JSON Schema（2020-12）</Typography.Title>
          <Input.TextArea
            aria-label="JSON Schema"
            value={schemaText}
            onChange={(e) => setSchemaText(e.target.value)}
            rows={24}
            style={{ fontFamily: 'monospace' }}
          />
        </Col>
        <Col span={12}>
          <Typography.Title level={5}>UI Schema</Typography.Title>
          <Input.TextArea
            aria-label="UI Schema"
            value={uiText}
            onChange={(e) => setUiText(e.target.value)}
            rows={24}
            style={{ fontFamily: 'monospace' }}
          />
        </Col>
      </Row>
      <Button type="primary" onClick={apply} style={{ marginTop: 12 }}>
        应用
      </Button>
    </div>
  );
}
