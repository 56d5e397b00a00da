import {
  DeleteOutlined,
  DownloadOutlined,
  FileProtectOutlined,
  InboxOutlined,
  ReloadOutlined,
} from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Form,
  List,
  Progress,
  Row,
  Segmented,
  Space,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, buildUrl, errorMessage } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { type MySeal, postMultipart, sniffDocument } from './api';
import {
  BATCH_MAX_FILES,
  type BatchFile,
  type BatchSubmitted,
  type BatchView,
  batchFields,
  batchKind,
  batchPercent,
  buildBatchRequest,
} from './batch-options';
import { movePlacement, type Placement } from './placement';
import { PositionFields, RuleFields, SealSelect } from './SignOptionFields';
import { type Mode, OPTION_DEFAULTS, type OptionValues } from './sign-options';

const POLL_MS = 1000;

interface Picked extends BatchFile {
  uid: string;
  file: File;
}

/** The kernel job behind a batch, only to notice a job that failed outright (GET /api/jobs/:id). */
interface JobState {
  status: string;
  error?: string | null;
}

/**
 * Follows a submitted batch: GET /api/seal/batches/:id (per-file results, done/total) and the job's
 * own status every second until the batch is done or its job failed; stops when the panel closes.
 */
function useBatchProgress() {
  const [view, setView] = useState<BatchView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const follow = useCallback((submitted: BatchSubmitted) => {
    setError(null);
    const poll = async () => {
      try {
        const [next, job] = await Promise.all([
          api.get<BatchView>(`/seal/batches/${submitted.batchId}`),
          api.get<JobState>(`/jobs/${submitted.jobId}`),
        ]);
        if (!alive.current) return;
        setView(next);
        if (next.status === 'done') return;
        if (job.status === 'failed') {
          setError(`批量签章任务异常中止：${job.error ?? '未知原因'}`);
          return;
        }
      } catch (e) {
        if (alive.current) setError(`无法查询签章进度：${errorMessage(e)}`);
        return;
      }
      timer.current = setTimeout(poll, POLL_MS);
    };
    poll();
  }, []);

  const reset = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    setView(null);
    setError(null);
  }, []);

  return { view, error, follow, reset };
}

/** 批量签章: one seal and one placement rule for many PDF/OFD files, signed by a background job. */
export function BatchSignPanel() {
  const { message } = App.useApp();
  const mySeals = useRemote(
    async () => asItems(await api.get<{ items: MySeal[] }>('/seal/my-seals')),
    [],
    [] as MySeal[],
  );
  const [sealId, setSealId] = useState<string>();
  const [files, setFiles] = useState<Picked[]>([]);
  const [mode, setMode] = useState<Mode>('position');
  const [placement, setPlacement] = useState<Placement | null>(null);
  const [form] = Form.useForm<OptionValues>();
  const values = (Form.useWatch([], form) ?? {}) as Partial<OptionValues>;
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const progress = useBatchProgress();

  useEffect(() => {
    const only = mySeals.data.length === 1 ? mySeals.data[0] : undefined;
    if (!sealId && only) setSealId(only.seal.id);
  }, [mySeals.data, sealId]);

  const add = async (file: File & { uid: string }) => {
    const kind = await sniffDocument(file);
    setFiles((list) => [...list, { uid: file.uid, file, name: file.name, kind }]);
  };

  const kind = files.length ? batchKind(files) : undefined;
  const request = buildBatchRequest({ sealId, files, mode, placement, values });

  const start = async () => {
    if (typeof request === 'string') return;
    setSubmitting(true);
    setFailure(null);
    try {
      const submitted = await postMultipart<BatchSubmitted>('/seal/sign/batch', batchFields(request, files));
      message.info(`已提交 ${submitted.total} 个文件，正在签章`);
      progress.follow(submitted);
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  };

  if (progress.view || progress.error) {
    return <BatchResult view={progress.view} error={progress.error} onAgain={() => progress.reset()} />;
  }

  return (
    <Row gutter={16}>
      <Col xs={24} xl={10}>
        <Card size="small" title="1. 选择印章" style={{ marginBottom: 12 }}>
          <SealSelect seals={mySeals.data} loading={mySeals.loading} value={sealId} onChange={setSealId} />
        </Card>
        <Card size="small" title={`2. 上传文件（最多 ${BATCH_MAX_FILES} 个）`} style={{ marginBottom: 12 }}>
          <Upload.Dragger
            multiple
            accept=".pdf,.ofd,application/pdf"
            showUploadList={false}
            beforeUpload={(file) => {
              add(file);
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">点击或拖入多个 PDF / OFD 文件</p>
          </Upload.Dragger>
          {files.length > 0 && (
            <List
              size="small"
              data-testid="batch-files"
              dataSource={files}
              renderItem={(f) => (
                <List.Item
                  actions={[
                    <Button
                      key="remove"
                      type="text"
                      size="small"
                      aria-label={`移除 ${f.name}`}
                      icon={<DeleteOutlined />}
                      onClick={() => setFiles((list) => list.filter((x) => x.uid !== f.uid))}
                    />,
                  ]}
                >
                  <Space>
                    {f.kind ? (
                      <Tag color={f.kind === 'pdf' ? 'red' : 'blue'}>{f.kind.toUpperCase()}</Tag>
                    ) : (
                      <Tag color="error">不支持</Tag>
                    )}
                    {f.name}
                  </Space>
                </List.Item>
              )}
            />
          )}
        </Card>
      </Col>
      <Col xs={24} xl={14}>
        <Card size="small" title="3. 盖章规则（对每个文件相同）">
          <Segmented<Mode>
            block
            value={mode}
            onChange={setMode}
            options={[
              { value: 'position', label: '坐标' },
              { value: 'keyword', label: '关键字', disabled: kind === 'ofd' },
              { value: 'field', label: '签名域', disabled: kind === 'ofd' },
              { value: 'straddle', label: '仅骑缝' },
            ]}
            style={{ marginBottom: 12 }}
          />
          <Form form={form} layout="vertical" size="small" initialValues={OPTION_DEFAULTS}>
            {mode === 'position' && (
              <PositionFields
                placement={placement}
                pageCount={null}
                onChange={(patch) => setPlacement((current) => movePlacement(current, patch))}
                canDrag={false}
                multiPage={Boolean(values.multiPage)}
                pages={values.pages}
              />
            )}
            <RuleFields mode={mode} values={values} kind={kind} pageCount={null} />
          </Form>
          {failure && <Alert type="error" showIcon title={failure} style={{ marginBottom: 12 }} />}
          <Button
            type="primary"
            block
            size="large"
            icon={<FileProtectOutlined />}
            disabled={typeof request === 'string'}
            loading={submitting}
            onClick={start}
          >
            开始批量签章
          </Button>
          {typeof request === 'string' && (
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 6 }}>
              {request}
            </Typography.Text>
          )}
        </Card>
      </Col>
    </Row>
  );
}

/** Live progress, then each file's result with its download; 全部下载 as a zip of the signed ones. */
function BatchResult({ view, error, onAgain }: { view: BatchView | null; error: string | null; onAgain: () => void }) {
  const finished = view?.status === 'done';
  const signed = view?.items.filter((i) => i.status === 'signed').length ?? 0;
  const failed = view?.items.filter((i) => i.status === 'failed').length ?? 0;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Progress
        aria-label="批量签章进度"
        percent={batchPercent(view)}
        status={error ? 'exception' : finished ? (failed ? 'normal' : 'success') : 'active'}
      />
      <Typography.Text data-testid="batch-summary">
        {finished
          ? `签章完成：成功 ${signed} 个，失败 ${failed} 个`
          : `正在签章：${view?.done ?? 0} / ${view?.total ?? '…'}`}
      </Typography.Text>
      {error && <Alert type="error" showIcon title={error} />}
      {view && (
        <List
          bordered
          size="small"
          data-testid="batch-results"
          dataSource={view.items}
          renderItem={(item) => (
            <List.Item
              actions={
                item.status === 'signed'
                  ? [
                      <Button
                        key="download"
                        size="small"
                        icon={<DownloadOutlined />}
                        href={buildUrl(`/seal/batches/${view.id}/files/${item.index}`)}
                      >
                        下载
                      </Button>,
                    ]
                  : []
              }
            >
              <Space wrap>
                {item.status === 'signed' ? (
                  <Tag color="success">成功</Tag>
                ) : item.status === 'failed' ? (
                  <Tag color="error">失败</Tag>
                ) : (
                  <Tag>等待</Tag>
                )}
                <span>{item.fileName}</span>
                {item.error && <Typography.Text type="danger">{item.error.title}</Typography.Text>}
                {item.verifyCode && <Typography.Text type="secondary">验证码 {item.verifyCode}</Typography.Text>}
              </Space>
            </List.Item>
          )}
        />
      )}
      <Space>
        {view && finished && signed > 0 && (
          <Button type="primary" icon={<DownloadOutlined />} href={buildUrl(`/seal/batches/${view.id}/zip`)}>
            全部下载（zip）
          </Button>
        )}
        {(finished || error) && (
          <Button icon={<ReloadOutlined />} onClick={onAgain}>
            新的批量签章
          </Button>
        )}
      </Space>
    </Space>
  );
}
