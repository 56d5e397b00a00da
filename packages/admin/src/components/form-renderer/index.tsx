/**
 * <FormRenderer> — shows a form definition of the 统一表单服务 (JSON Schema 2020-12 + UI schema)
 * with Ant Design, to fill in or, read-only, to show submitted data (task pages).
 *
 * Props:
 * - `schema`, `uiSchema` (required): a published version as `GET /api/forms/definitions/:key/versions/:version`
 *   returns it (`{ schema, uiSchema }`), or the designer's draft.
 * - `value`: initial data when filling in; the submitted data when `readOnly`.
 * - `readOnly`: render the data as a description list (tables as tables, dictionary values by
 *   label, org/user/file ids by name, money as ¥). No inputs.
 * - `onSubmit(data)`: called after the browser ran the server's own engine (same cleaning,
 *   computed fields, visibility, Chinese messages); `data` is the cleaned submission. If it throws an
 *   `ApiError` whose problem has `errors: [{ field, message }]` (400 `form_invalid`), each
 *   message is put under its field.
 * - `onChange(data, errors)`: every edit, with the cleaned data and the current messages.
 * - `errors`: field errors to show from elsewhere (e.g. the answer of your own API call).
 * - `submitText` (default 「提交」), `actions` (extra buttons beside it), `hideSubmit`.
 * - `form`: your antd `FormInstance` to submit from outside with `form.submit()`.
 *
 * Example (task page): `<FormRenderer schema={v.schema} uiSchema={v.uiSchema} value={task.formData} readOnly />`.
 */
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Checkbox,
  Col,
  DatePicker,
  Descriptions,
  Form,
  type FormInstance,
  Input,
  InputNumber,
  Radio,
  Row,
  Select,
  Space,
  Table,
  TimePicker,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../../api/client';
import { applyServerErrors } from '../../api/forms';
import { fetchOrgTree, orgNameMap } from '../orgs';
import type { FieldError, FieldUi, FormEngine, JsonSchema, UiLayout, UiSchema } from './engine';
import { dictionariesOf, displayValue, engineOf, errorsByPath, isRequired, type Lookups } from './logic';
import { AddressField, FileField, fileInfos, OrgField, RichTextField, UserField, uploadsInProgress } from './widgets';

export type { FieldError, FormDocuments, JsonSchema, UiSchema } from './engine';
export { displayValue, engineOf } from './logic';

type Data = Record<string, unknown>;

export interface FormRendererProps {
  schema: JsonSchema;
  uiSchema: UiSchema;
  value?: Data;
  readOnly?: boolean;
  onSubmit?: (data: Data) => unknown;
  onChange?: (data: Data, errors: FieldError[]) => void;
  errors?: FieldError[];
  submitText?: string;
  actions?: ReactNode;
  hideSubmit?: boolean;
  form?: FormInstance;
}

export function FormRenderer(props: FormRendererProps) {
  const { engine, error } = engineOf({ schema: props.schema, uiSchema: props.uiSchema });
  if (!engine) return <Alert type="error" showIcon title="表单定义有误" description={error} />;
  return props.readOnly ? (
    <ReadOnlyForm engine={engine} value={props.value ?? {}} />
  ) : (
    <EditableForm {...props} engine={engine} />
  );
}

// ───────────────────────── 填写 ─────────────────────────

function EditableForm(props: FormRendererProps & { engine: FormEngine }) {
  const { engine } = props;
  const [form] = Form.useForm(props.form);
  const [values, setValues] = useState<Data>(props.value ?? {});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const preview = useMemo(() => engine.preview(values), [engine, values]);

  // The latest full result, computed at most once per distinct data (validators ask per field).
  const cache = useRef<{ key: string; errors: Map<string, string[]> } | null>(null);
  const errorsNow = useCallback(() => {
    const data = form.getFieldsValue(true) as Data;
    const key = JSON.stringify(data);
    if (cache.current?.key !== key) cache.current = { key, errors: errorsByPath(engine.process(data).errors) };
    return cache.current.errors;
  }, [engine, form]);

  // Computed fields: write the engine's values into the store so they show and are submitted.
  useEffect(() => {
    const updates: { name: (string | number)[]; value: unknown }[] = [];
    const walk = (layout: UiLayout, data: Data, current: Data, prefix: (string | number)[]) => {
      for (const key of layout.order) {
        const ui = layout.fields[key];
        if (ui.compute && data[key] !== current?.[key]) updates.push({ name: [...prefix, key], value: data[key] });
        if (ui.widget === 'table' && ui.columns && Array.isArray(data[key])) {
          const rows = data[key] as Data[];
          const before = (current?.[key] as Data[] | undefined) ?? [];
          for (const [i, row] of rows.entries()) walk(ui.columns, row ?? {}, before[i] ?? {}, [...prefix, key, i]);
        }
      }
    };
    walk(engine.docs.uiSchema, preview.data, values, []);
    if (updates.length) {
      form.setFields(updates);
      setValues(form.getFieldsValue(true));
    }
  }, [engine, preview, values, form]);

  useEffect(() => {
    if (!props.errors?.length) return;
    applyServerErrors(
      form,
      new ApiError({ status: 400, code: 'form_invalid', title: '表单填写有误', errors: props.errors }),
    );
  }, [props.errors, form]);

  const onValuesChange = () => {
    const data = form.getFieldsValue(true) as Data;
    setValues(data);
    setFormErrors([]);
    if (props.onChange) {
      const result = engine.process(data);
      props.onChange(result.data, result.errors);
    }
  };

  const onFinish = async () => {
    if (uploadsInProgress() > 0) {
      setFormErrors(['附件正在上传，请等上传完成后再提交']);
      return;
    }
    const result = engine.process(form.getFieldsValue(true));
    if (result.errors.length) {
      // Messages for paths that have no input of their own (a table's row count, the whole form).
      const registered = new Set(form.getFieldsError().map((f) => (f.name as (string | number)[]).join('.')));
      setFormErrors(result.errors.filter((e) => !registered.has(e.field)).map((e) => e.message));
      return;
    }
    if (!props.onSubmit) return;
    setBusy(true);
    try {
      await props.onSubmit(result.data);
    } catch (e) {
      setFormErrors(applyServerErrors(form, e));
    } finally {
      setBusy(false);
    }
  };

  const rule = (path: string) => ({
    validator: async () => {
      const messages = errorsNow().get(path);
      if (messages?.length) throw new Error(messages[0]);
    },
  });

  const ctx: LevelContext = { engine, hidden: preview.hidden, rule, values };
  const columns = props.uiSchema.layoutColumns ?? 1;
  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={props.value}
      onValuesChange={onValuesChange}
      onFinish={onFinish}
      onFinishFailed={() => setFormErrors(['请按提示修改标红的字段'])}
      scrollToFirstError
    >
      <Row gutter={16}>{renderLevel(ctx, props.schema, props.uiSchema, [], columns)}</Row>
      {formErrors.length ? (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title="表单填写有误"
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {formErrors.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          }
        />
      ) : null}
      {props.hideSubmit ? null : (
        <Space>
          <Button type="primary" htmlType="submit" loading={busy}>
            {props.submitText ?? '提交'}
          </Button>
          {props.actions}
        </Space>
      )}
    </Form>
  );
}

interface LevelContext {
  engine: FormEngine;
  hidden: Set<string>;
  rule: (path: string) => { validator: () => Promise<void> };
  values: Data;
}

function renderLevel(
  ctx: LevelContext,
  schema: JsonSchema,
  layout: UiLayout,
  prefix: (string | number)[],
  columns: number,
): ReactNode[] {
  const nodes: ReactNode[] = [];
  for (const key of layout.order) {
    const path = [...prefix, key];
    const dotted = path.join('.');
    if (ctx.hidden.has(dotted)) continue;
    const ui = layout.fields[key];
    const fieldSchema = schema.properties?.[key] ?? {};
    const label = fieldSchema.title ?? key;
    const required = isRequired(schema, key);
    if (ui.widget === 'table') {
      nodes.push(
        <Col span={24} key={key}>
          <TableField ctx={ctx} name={path} label={label} required={required} ui={ui} schema={fieldSchema} />
        </Col>,
      );
      continue;
    }
    nodes.push(
      <Col span={ui.span ?? Math.floor(24 / columns)} key={key}>
        <Form.Item
          name={path}
          label={label}
          required={required}
          tooltip={ui.help}
          rules={[ctx.rule(dotted)]}
          validateTrigger={['onChange', 'onBlur']}
          {...valueAdapters(ui)}
        >
          {control(ui, fieldSchema, label)}
        </Form.Item>
      </Col>,
    );
  }
  return nodes;
}

/** Dates travel as strings ('YYYY-MM-DD', 'HH:mm', ISO date-time); antd pickers want dayjs. */
function valueAdapters(ui: FieldUi) {
  const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
  const day = (format?: string) => ({
    getValueProps: (v: unknown) => ({ value: typeof v === 'string' && v ? dayjs(v, format) : undefined }),
    normalize: (d: Dayjs | null) => (d ? (format ? d.format(format) : d.format()) : undefined),
  });
  switch (ui.widget) {
    case 'date':
      return day('YYYY-MM-DD');
    case 'time':
      return day('HH:mm');
    case 'datetime':
      return day();
    case 'dateRange':
      return {
        getValueProps: (v: unknown) => ({
          value: Array.isArray(v) && v.length === 2 ? [dayjs(v[0]), dayjs(v[1])] : undefined,
        }),
        normalize: (r: [Dayjs, Dayjs] | null) =>
          r ? [r[0].format('YYYY-MM-DD'), r[1].format('YYYY-MM-DD')] : undefined,
      };
    case 'checkbox':
    case 'file':
      return { normalize: (v: unknown) => (Array.isArray(v) && v.length ? v : undefined) };
    default:
      return { normalize: emptyToUndefined };
  }
}

function control(ui: FieldUi, schema: JsonSchema, label: string): ReactNode {
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const placeholder = ui.placeholder ?? `请输入${label}`;
  const num = (n: unknown) => (typeof n === 'number' ? n : undefined);
  switch (ui.widget) {
    case 'textarea':
      return (
        <Input.TextArea rows={ui.rows ?? 3} maxLength={maxLength} showCount={!!maxLength} placeholder={placeholder} />
      );
    case 'number':
      return (
        <InputNumber
          style={{ width: '100%' }}
          min={num(schema.minimum)}
          max={num(schema.maximum)}
          precision={schema.type === 'integer' ? 0 : undefined}
          placeholder={placeholder}
        />
      );
    case 'money':
      return (
        <InputNumber
          style={{ width: '100%' }}
          prefix="¥"
          precision={2}
          min={num(schema.minimum)}
          placeholder={placeholder}
        />
      );
    case 'computed':
      return <InputNumber style={{ width: '100%' }} disabled placeholder="自动计算" />;
    case 'date':
      return <DatePicker style={{ width: '100%' }} placeholder={ui.placeholder ?? '请选择日期'} />;
    case 'time':
      return <TimePicker style={{ width: '100%' }} format="HH:mm" placeholder={ui.placeholder ?? '请选择时间'} />;
    case 'datetime':
      return <DatePicker showTime style={{ width: '100%' }} placeholder={ui.placeholder ?? '请选择日期时间'} />;
    case 'dateRange':
      return <DatePicker.RangePicker style={{ width: '100%' }} />;
    case 'select':
    case 'radio':
    case 'checkbox':
      return <ChoiceField ui={ui} placeholder={ui.placeholder ?? `请选择${label}`} />;
    case 'org':
      return <OrgField />;
    case 'user':
      return <UserField />;
    case 'address':
      return <AddressField levels={ui.levels ?? 4} withDetail={ui.withDetail} />;
    case 'file':
      return <FileField rules={ui.file} maxCount={num(schema.maxItems)} />;
    case 'richText':
      return <RichTextField />;
    case 'idNumber':
      return <Input maxLength={18} placeholder={ui.placeholder ?? '18 位居民身份证号码'} />;
    case 'creditCode':
      return <Input maxLength={18} placeholder={ui.placeholder ?? '18 位统一社会信用代码'} />;
    case 'mobile':
      return <Input maxLength={11} placeholder={ui.placeholder ?? '11 位手机号码'} />;
    case 'email':
      return <Input maxLength={maxLength ?? 100} placeholder={ui.placeholder ?? 'name@example.cn'} />;
    default:
      return <Input maxLength={maxLength} placeholder={placeholder} />;
  }
}

/** Options of a select/radio/checkbox: a 数据字典 (GET /api/settings/dictionaries/:code/entries) or static. */
function useOptions(ui: FieldUi) {
  const [loaded, setLoaded] = useState<{ value: string; label: string }[] | null>(null);
  useEffect(() => {
    if (!ui.dictionary) return;
    let live = true;
    api
      .get<{ entries: { value: string; label: string }[] }>(`/settings/dictionaries/${ui.dictionary}/entries`, {
        enabledOnly: true,
      })
      .then((b) => live && setLoaded(b.entries.map((e) => ({ value: e.value, label: e.label }))))
      .catch(() => live && setLoaded([]));
    return () => {
      live = false;
    };
  }, [ui.dictionary]);
  return ui.dictionary ? (loaded ?? []) : (ui.options ?? []);
}

function ChoiceField({
  ui,
  placeholder,
  value,
  onChange,
  id,
}: {
  ui: FieldUi;
  placeholder: string;
  value?: unknown;
  onChange?: (v: unknown) => void;
  id?: string;
}) {
  const options = useOptions(ui);
  if (ui.widget === 'radio')
    return <Radio.Group id={id} options={options} value={value} onChange={(e) => onChange?.(e.target.value)} />;
  if (ui.widget === 'checkbox') {
    return <Checkbox.Group options={options} value={value as string[]} onChange={(v) => onChange?.(v)} />;
  }
  return (
    <Select
      id={id}
      options={options}
      value={value}
      onChange={onChange}
      allowClear
      placeholder={placeholder}
      showSearch={{ optionFilterProp: 'label' }}
    />
  );
}

function TableField({
  ctx,
  name,
  label,
  required,
  ui,
  schema,
}: {
  ctx: LevelContext;
  name: (string | number)[];
  label: string;
  required: boolean;
  ui: FieldUi;
  schema: JsonSchema;
}) {
  const columns = ui.columns as UiLayout;
  const items = schema.items ?? {};
  const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
  return (
    <Form.Item label={label} required={required} tooltip={ui.help}>
      <Form.List name={name}>
        {(rows, { add, remove }) => (
          <div className="jy-form-table" style={{ border: '1px solid #f0f0f0', borderRadius: 6, padding: 8 }}>
            <Row gutter={8} style={{ fontWeight: 500, marginBottom: 4 }} wrap={false}>
              <Col flex="40px">序号</Col>
              {columns.order.map((c) => (
                <Col flex={1} key={c}>
                  {isRequired(items, c) ? <span style={{ color: '#ff4d4f' }}>* </span> : null}
                  {items.properties?.[c]?.title ?? c}
                </Col>
              ))}
              <Col flex="40px" />
            </Row>
            {rows.map((row) => (
              <Row gutter={8} key={row.key} wrap={false} align="top">
                <Col flex="40px" style={{ paddingTop: 5 }}>
                  {row.name + 1}
                </Col>
                {renderLevelRow(ctx, items, columns, [...name, row.name], row.name)}
                <Col flex="40px">
                  <Button
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={`删除第 ${row.name + 1} 行`}
                    onClick={() => remove(row.name)}
                  />
                </Col>
              </Row>
            ))}
            <Button
              type="dashed"
              block
              icon={<PlusOutlined />}
              onClick={() => add({})}
              disabled={maxItems !== undefined && rows.length >= maxItems}
            >
              添加一行
            </Button>
          </div>
        )}
      </Form.List>
    </Form.Item>
  );
}

/** A table row's cells: named relative to the row (Form.List), validated by absolute path. */
function renderLevelRow(
  ctx: LevelContext,
  schema: JsonSchema,
  layout: UiLayout,
  prefix: (string | number)[],
  index: number,
) {
  return layout.order.map((key) => {
    const path = [...prefix, key].join('.');
    const ui = layout.fields[key];
    const fieldSchema = schema.properties?.[key] ?? {};
    const label = fieldSchema.title ?? key;
    if (ctx.hidden.has(path)) return <Col flex={1} key={key} />;
    return (
      <Col flex={1} key={key}>
        <Form.Item
          name={[index, key]}
          rules={[ctx.rule(path)]}
          validateTrigger={['onChange', 'onBlur']}
          {...valueAdapters(ui)}
        >
          {control(ui, fieldSchema, label)}
        </Form.Item>
      </Col>
    );
  });
}

// ───────────────────────── 只读 ─────────────────────────

async function loadLookups(layout: UiLayout, data: Data): Promise<Lookups> {
  const lookups: Lookups = { dictionaries: {}, orgNames: new Map(), userNames: new Map(), fileNames: new Map() };
  const widgets = (w: string) => layout.order.some((k) => layout.fields[k]?.widget === w);
  const tasks: Promise<unknown>[] = dictionariesOf(layout).map(async (code) => {
    const body = await api.get<{ entries: { value: string; label: string }[] }>(
      `/settings/dictionaries/${code}/entries`,
    );
    (lookups.dictionaries as Record<string, Record<string, string>>)[code] = Object.fromEntries(
      body.entries.map((e) => [e.value, e.label]),
    );
  });
  if (widgets('org')) tasks.push(fetchOrgTree().then((tree) => orgNameMap(tree, lookups.orgNames)));
  for (const key of layout.order) {
    const ui = layout.fields[key];
    const v = data[key];
    if (ui.widget === 'user' && typeof v === 'string') {
      tasks.push(
        api.get<{ displayName: string }>(`/identity/users/${v}`).then((u) => lookups.userNames?.set(v, u.displayName)),
      );
    }
    if (ui.widget === 'file' && Array.isArray(v)) {
      tasks.push(
        fileInfos(v as string[]).then((files) => {
          for (const f of files) lookups.fileNames?.set(f.id, f.name);
        }),
      );
    }
  }
  // A lookup the viewer may not do (no org:read) leaves ids shown as they are.
  await Promise.allSettled(tasks);
  return lookups;
}

function ReadOnlyForm({ engine, value }: { engine: FormEngine; value: Data }) {
  const { schema, uiSchema } = engine.docs;
  const [lookups, setLookups] = useState<Lookups>({});
  useEffect(() => {
    loadLookups(uiSchema, value).then(setLookups);
  }, [uiSchema, value]);
  const items = uiSchema.order
    .filter((key) => value[key] !== undefined)
    .map((key) => {
      const ui = uiSchema.fields[key];
      const fieldSchema = schema.properties?.[key] ?? {};
      const span =
        ui.widget === 'table' || ui.widget === 'richText' || ui.span === 24 ? (uiSchema.layoutColumns ?? 1) : 1;
      return {
        key,
        label: fieldSchema.title ?? key,
        span,
        children: readOnlyValue(ui, fieldSchema, value[key], lookups),
      };
    });
  if (!items.length) return <Typography.Text type="secondary">（未填写任何内容）</Typography.Text>;
  return <Descriptions bordered size="small" column={uiSchema.layoutColumns ?? 1} items={items} />;
}

function readOnlyValue(ui: FieldUi, schema: JsonSchema, value: unknown, lookups: Lookups): ReactNode {
  if (ui.widget === 'table' && ui.columns && Array.isArray(value)) {
    const columns = ui.columns;
    const items = schema.items ?? {};
    return (
      <Table
        size="small"
        pagination={false}
        rowKey={(_, i) => String(i)}
        dataSource={value as Data[]}
        columns={columns.order.map((c) => ({
          key: c,
          title: items.properties?.[c]?.title ?? c,
          render: (_: unknown, row: Data) =>
            displayValue(columns.fields[c], items.properties?.[c] ?? {}, row[c], lookups),
        }))}
      />
    );
  }
  // Rich text arrives sanitized by the server (allow-list of formatting tags, safe links only).
  if (ui.widget === 'richText' && typeof value === 'string') {
    // biome-ignore lint/security/noDangerouslySetInnerHtml: server-sanitized HTML (forms/references.ts)
    return <div dangerouslySetInnerHTML={{ __html: value }} />;
  }
  return displayValue(ui, schema, value, lookups);
}
