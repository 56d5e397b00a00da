import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import {
  Button,
  Card,
  Checkbox,
  Divider,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import {
  EXPRESSION_FUNCTIONS,
  expressionError,
  type FieldUi,
  type FormDocuments,
  type JsonSchema,
  type Widget,
} from '../../components/form-renderer/engine';
import { formsApi } from './api';
import {
  addField,
  COLUMN_WIDGETS,
  formatOptions,
  parseOptions,
  removeField,
  renameField,
  setAddressLevels,
  setDictionary,
  setOptions,
  setRequired,
  updateFieldSchema,
  updateFieldUi,
  widgetTitle,
} from './designer-model';

type Change = (docs: FormDocuments) => void;

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
const MB = 1024 * 1024;

/** Text input that commits on blur / Enter, so each keystroke is not a document change. */
function CommitInput({
  value,
  onCommit,
  validate,
  ...rest
}: {
  value: string | undefined;
  onCommit: (v: string) => void;
  validate?: (v: string) => string | null;
  placeholder?: string;
  'aria-label'?: string;
}) {
  const [text, setText] = useState(value ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(value ?? ''), [value]);
  const commit = () => {
    const problem = text && validate ? validate(text) : null;
    setError(problem);
    if (!problem && text !== (value ?? '')) onCommit(text);
  };
  return (
    <>
      <Input
        {...rest}
        value={text}
        status={error ? 'error' : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onPressEnter={commit}
      />
      {error ? <Typography.Text type="danger">{error}</Typography.Text> : null}
    </>
  );
}

export function FieldProperties({
  docs,
  fieldKey,
  onChange,
  onRename,
}: {
  docs: FormDocuments;
  fieldKey: string;
  onChange: Change;
  onRename: (key: string) => void;
}) {
  const ui = docs.uiSchema.fields[fieldKey];
  const schema = docs.schema.properties?.[fieldKey] ?? {};
  const required = !!docs.schema.required?.includes(fieldKey);
  const [renameError, setRenameError] = useState<string | null>(null);
  const setSchema = (patch: Record<string, unknown>) => onChange(updateFieldSchema(docs, fieldKey, patch));
  const setUi = (patch: Partial<FieldUi>) => onChange(updateFieldUi(docs, fieldKey, patch));
  const others = docs.uiSchema.order.filter((k) => k !== fieldKey);

  return (
    <Card size="small" title={`字段属性：${widgetTitle(ui.widget)}`} className="jy-fd-properties">
      <Form layout="vertical" size="small">
        <Form.Item label="标题">
          <CommitInput aria-label="标题" value={schema.title} onCommit={(title) => setSchema({ title })} />
        </Form.Item>
        <Form.Item
          label="字段标识"
          extra="提交的数据以它为键名"
          validateStatus={renameError ? 'error' : undefined}
          help={renameError}
        >
          <CommitInput
            aria-label="字段标识"
            value={fieldKey}
            onCommit={(to) => {
              const r = renameField(docs, fieldKey, to);
              if (typeof r === 'string') return setRenameError(r);
              setRenameError(null);
              onChange(r);
              onRename(to);
            }}
          />
        </Form.Item>
        {ui.widget !== 'computed' ? (
          <Form.Item label="必填">
            <Switch aria-label="必填" checked={required} onChange={(v) => onChange(setRequired(docs, fieldKey, v))} />
          </Form.Item>
        ) : null}
        {['text', 'textarea', 'number', 'money', 'select', 'idNumber', 'creditCode', 'mobile', 'email'].includes(
          ui.widget,
        ) ? (
          <Form.Item label="占位提示">
            <CommitInput
              aria-label="占位提示"
              value={ui.placeholder}
              onCommit={(placeholder) => setUi({ placeholder })}
            />
          </Form.Item>
        ) : null}
        <Form.Item label="帮助说明">
          <CommitInput aria-label="帮助说明" value={ui.help} onCommit={(help) => setUi({ help })} />
        </Form.Item>
        <Form.Item label="宽度">
          <Select
            aria-label="宽度"
            value={ui.span ?? 0}
            onChange={(span) => setUi({ span: span || undefined })}
            options={[
              { value: 0, label: '按表单列数' },
              { value: 24, label: '整行' },
              { value: 12, label: '半行' },
              { value: 8, label: '三分之一行' },
            ]}
          />
        </Form.Item>
        <WidgetProperties
          docs={docs}
          fieldKey={fieldKey}
          ui={ui}
          schema={schema}
          onChange={onChange}
          setSchema={setSchema}
          setUi={setUi}
        />
        <Divider style={{ margin: '8px 0' }} />
        <Form.Item
          label="显示条件"
          extra={
            <>
              为空则总是显示；条件不成立时隐藏，隐藏的字段不校验、不提交。例：
              <code>{others[0] ?? 'type'} == "1"</code>。可用字段：{others.join('、') || '无'}
            </>
          }
        >
          <CommitInput
            aria-label="显示条件"
            value={ui.visibleWhen}
            validate={expressionError}
            onCommit={(visibleWhen) => setUi({ visibleWhen })}
          />
        </Form.Item>
      </Form>
    </Card>
  );
}

function WidgetProperties({
  docs,
  fieldKey,
  ui,
  schema,
  onChange,
  setSchema,
  setUi,
}: {
  docs: FormDocuments;
  fieldKey: string;
  ui: FieldUi;
  schema: JsonSchema;
  onChange: Change;
  setSchema: (patch: Record<string, unknown>) => void;
  setUi: (patch: Partial<FieldUi>) => void;
}) {
  switch (ui.widget) {
    case 'text':
    case 'textarea':
    case 'richText':
      return (
        <Space>
          <Form.Item label="最少字数">
            <InputNumber
              aria-label="最少字数"
              min={0}
              value={num(schema.minLength)}
              onChange={(v) => setSchema({ minLength: v ?? undefined })}
            />
          </Form.Item>
          <Form.Item label="最多字数">
            <InputNumber
              aria-label="最多字数"
              min={1}
              value={num(schema.maxLength)}
              onChange={(v) => setSchema({ maxLength: v ?? undefined })}
            />
          </Form.Item>
        </Space>
      );
    case 'number':
    case 'money':
      return (
        <>
          <Space>
            <Form.Item label="最小值">
              <InputNumber
                aria-label="最小值"
                value={num(schema.minimum)}
                onChange={(v) => setSchema({ minimum: v ?? undefined })}
              />
            </Form.Item>
            <Form.Item label="最大值">
              <InputNumber
                aria-label="最大值"
                value={num(schema.maximum)}
                onChange={(v) => setSchema({ maximum: v ?? undefined })}
              />
            </Form.Item>
          </Space>
          {ui.widget === 'number' ? (
            <Form.Item label="只允许整数">
              <Switch
                checked={schema.type === 'integer'}
                onChange={(v) => setSchema({ type: v ? 'integer' : 'number' })}
              />
            </Form.Item>
          ) : null}
        </>
      );
    case 'select':
    case 'radio':
    case 'checkbox':
      return (
        <OptionsProperties
          docs={docs}
          fieldKey={fieldKey}
          ui={ui}
          schema={schema}
          onChange={onChange}
          setSchema={setSchema}
        />
      );
    case 'file':
      return (
        <>
          <Form.Item label="允许的文件类型" extra="扩展名，留空为不限（文档和图片）">
            <Select
              mode="tags"
              aria-label="允许的文件类型"
              value={ui.file?.accept ?? []}
              onChange={(accept: string[]) =>
                setUi({ file: { ...ui.file, accept: accept.map((a) => a.replace(/^\./, '').toLowerCase()) } })
              }
              options={['pdf', 'ofd', 'jpg', 'png', 'doc', 'docx', 'xls', 'xlsx', 'zip'].map((e) => ({
                value: e,
                label: e,
              }))}
            />
          </Form.Item>
          <Space>
            <Form.Item label="单个文件上限（MB）">
              <InputNumber
                min={0.1}
                max={20}
                value={ui.file?.maxSize ? ui.file.maxSize / MB : undefined}
                onChange={(v) => setUi({ file: { ...ui.file, maxSize: v ? Math.round(v * MB) : undefined } })}
              />
            </Form.Item>
            <Form.Item label="最多文件数">
              <InputNumber
                min={1}
                max={50}
                value={num(schema.maxItems)}
                onChange={(v) => setSchema({ maxItems: v ?? undefined })}
              />
            </Form.Item>
          </Space>
        </>
      );
    case 'address':
      return (
        <>
          <Form.Item label="选择到">
            <Radio.Group
              value={ui.levels ?? 4}
              onChange={(e) => onChange(setAddressLevels(docs, fieldKey, e.target.value))}
              options={[
                { value: 3, label: '县（区）' },
                { value: 4, label: '乡镇（街道）' },
              ]}
            />
          </Form.Item>
          <Form.Item label="填写详细地址">
            <Switch checked={!!ui.withDetail} onChange={(v) => setUi({ withDetail: v || undefined })} />
          </Form.Item>
        </>
      );
    case 'computed':
      return <ComputeProperties ui={ui} others={docs.uiSchema.order.filter((k) => k !== fieldKey)} setUi={setUi} />;
    case 'table':
      return (
        <TableProperties docs={docs} tableKey={fieldKey} schema={schema} onChange={onChange} setSchema={setSchema} />
      );
    default:
      return null;
  }
}

function ComputeProperties({
  ui,
  others,
  setUi,
}: {
  ui: FieldUi;
  others: string[];
  setUi: (patch: Partial<FieldUi>) => void;
}) {
  return (
    <>
      <Form.Item
        label="计算表达式"
        extra={
          <>
            四则运算、比较和函数 {EXPRESSION_FUNCTIONS.join('、')}，例：<code>price * quantity</code>、
            <code>sum(fees, "amount")</code>。可用字段：{others.join('、') || '无'}。服务器会重新计算并核对。
          </>
        }
      >
        <CommitInput
          aria-label="计算表达式"
          value={ui.compute}
          validate={expressionError}
          onCommit={(compute) => setUi({ compute: compute || '0' })}
        />
      </Form.Item>
      <Form.Item label="小数位数">
        <InputNumber min={0} max={8} value={ui.precision ?? 2} onChange={(v) => setUi({ precision: v ?? undefined })} />
      </Form.Item>
    </>
  );
}

function OptionsProperties({
  docs,
  fieldKey,
  ui,
  schema,
  onChange,
  setSchema,
}: {
  docs: FormDocuments;
  fieldKey: string;
  ui: FieldUi;
  schema: JsonSchema;
  onChange: Change;
  setSchema: (patch: Record<string, unknown>) => void;
}) {
  const [dictionaries, setDictionaries] = useState<{ value: string; label: string }[]>([]);
  useEffect(() => {
    formsApi
      .dictionaries()
      .then((b) => setDictionaries(b.items.map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` }))))
      .catch(() => setDictionaries([]));
  }, []);
  const source = ui.dictionary !== undefined ? 'dictionary' : 'static';
  return (
    <>
      <Form.Item label="选项来源">
        <Radio.Group
          value={source}
          onChange={(e) =>
            onChange(
              e.target.value === 'dictionary'
                ? setDictionary(docs, fieldKey, dictionaries[0]?.value ?? '')
                : setOptions(docs, fieldKey, [{ value: '1', label: '选项一' }]),
            )
          }
          options={[
            { value: 'static', label: '自定义选项' },
            { value: 'dictionary', label: '数据字典' },
          ]}
        />
      </Form.Item>
      {source === 'dictionary' ? (
        <Form.Item label="数据字典">
          <Select
            aria-label="数据字典"
            showSearch={{ optionFilterProp: 'label' }}
            value={ui.dictionary || undefined}
            options={dictionaries}
            onChange={(code) => onChange(setDictionary(docs, fieldKey, code))}
          />
        </Form.Item>
      ) : (
        <Form.Item label="选项" extra="每行一个：值=显示文字">
          <OptionsText
            value={formatOptions(ui.options)}
            onCommit={(text) => onChange(setOptions(docs, fieldKey, parseOptions(text)))}
          />
        </Form.Item>
      )}
      {ui.widget === 'checkbox' ? (
        <Form.Item label="最多选几项">
          <InputNumber min={1} value={num(schema.maxItems)} onChange={(v) => setSchema({ maxItems: v ?? undefined })} />
        </Form.Item>
      ) : null}
    </>
  );
}

function OptionsText({ value, onCommit }: { value: string; onCommit: (text: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <Input.TextArea
      aria-label="选项"
      rows={4}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={() => text !== value && onCommit(text)}
    />
  );
}

/** 明细表: its columns (a smaller palette) and its row limit. */
function TableProperties({
  docs,
  tableKey,
  schema,
  onChange,
  setSchema,
}: {
  docs: FormDocuments;
  tableKey: string;
  schema: JsonSchema;
  onChange: Change;
  setSchema: (patch: Record<string, unknown>) => void;
}) {
  const columns = docs.uiSchema.fields[tableKey].columns;
  const items = schema.items ?? {};
  const [adding, setAdding] = useState<Widget>('text');
  if (!columns) return null;
  return (
    <>
      <Form.Item label="最多行数">
        <InputNumber
          min={1}
          max={500}
          value={num(schema.maxItems)}
          onChange={(v) => setSchema({ maxItems: v ?? undefined })}
        />
      </Form.Item>
      <Typography.Text strong>列</Typography.Text>
      {columns.order.map((c) => {
        const col = items.properties?.[c] ?? {};
        const ui = columns.fields[c];
        return (
          <div key={c} style={{ borderBottom: '1px solid #f0f0f0', padding: '6px 0' }}>
            <Space.Compact style={{ width: '100%' }}>
              <CommitInput
                aria-label={`列标题 ${c}`}
                value={col.title}
                onCommit={(title) => onChange(updateFieldSchema(docs, c, { title }, tableKey))}
              />
              <Button
                danger
                icon={<DeleteOutlined />}
                aria-label={`删除列 ${c}`}
                disabled={columns.order.length <= 1}
                onClick={() => onChange(removeField(docs, c, tableKey))}
              />
            </Space.Compact>
            <Space size={4} style={{ marginTop: 4 }} wrap>
              <Typography.Text type="secondary" code>
                {c}
              </Typography.Text>
              <Typography.Text type="secondary">{widgetTitle(ui.widget)}</Typography.Text>
              {ui.widget !== 'computed' ? (
                <Checkbox
                  checked={!!items.required?.includes(c)}
                  onChange={(e) => onChange(setRequired(docs, c, e.target.checked, tableKey))}
                >
                  必填
                </Checkbox>
              ) : null}
            </Space>
            {ui.widget === 'computed' ? (
              <CommitInput
                aria-label={`列计算表达式 ${c}`}
                placeholder="如 price * quantity"
                value={ui.compute}
                validate={expressionError}
                onCommit={(compute) => onChange(updateFieldUi(docs, c, { compute: compute || '0' }, tableKey))}
              />
            ) : null}
          </div>
        );
      })}
      <Space.Compact style={{ marginTop: 8 }}>
        <Select<Widget>
          style={{ width: 140 }}
          value={adding}
          onChange={setAdding}
          options={COLUMN_WIDGETS.map((w) => ({ value: w, label: widgetTitle(w) }))}
        />
        <Button icon={<PlusOutlined />} onClick={() => onChange(addField(docs, adding, undefined, tableKey).docs)}>
          添加列
        </Button>
      </Space.Compact>
    </>
  );
}

/** With nothing selected: the form's own settings. */
export function FormProperties({
  docs,
  meta,
  onChange,
  onMeta,
}: {
  docs: FormDocuments;
  meta: { name: string; description: string };
  onChange: Change;
  onMeta: (meta: { name: string; description: string }) => void;
}) {
  return (
    <Card size="small" title="表单属性">
      <Form layout="vertical" size="small">
        <Form.Item label="表单名称">
          <CommitInput aria-label="表单名称" value={meta.name} onCommit={(name) => onMeta({ ...meta, name })} />
        </Form.Item>
        <Form.Item label="说明">
          <CommitInput
            aria-label="说明"
            value={meta.description}
            onCommit={(description) => onMeta({ ...meta, description })}
          />
        </Form.Item>
        <Form.Item label="每行字段数">
          <Radio.Group
            value={docs.uiSchema.layoutColumns ?? 1}
            onChange={(e) => onChange({ ...docs, uiSchema: { ...docs.uiSchema, layoutColumns: e.target.value } })}
            options={[
              { value: 1, label: '一列' },
              { value: 2, label: '两列' },
              { value: 3, label: '三列' },
            ]}
          />
        </Form.Item>
      </Form>
      <Typography.Text type="secondary">点击画布中的字段编辑它的属性；拖动字段左侧的把手调整顺序。</Typography.Text>
    </Card>
  );
}
