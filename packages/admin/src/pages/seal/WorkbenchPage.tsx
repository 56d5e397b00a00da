import { DownloadOutlined, FileProtectOutlined, InboxOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Result,
  Row,
  Segmented,
  Space,
  Tabs,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, buildUrl, errorMessage } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { PageCard } from '../../components/ui';
import { imagePngUrl, type MySeal, type SignedFile, saveBlob, signFile, sniffDocument } from './api';
import { BatchSignPanel } from './BatchSignPanel';
import { formatValidity } from './labels';
import { PdfPlacer, type PlacerSeal } from './PdfPlacer';
import { movePlacement, type Placement } from './placement';
import { pngSizeMm } from './png';
import { SealThumb } from './SealImageBox';
import { PositionFields, RuleFields, SealSelect } from './SignOptionFields';
import { buildSignOptions, type Mode, OPTION_DEFAULTS, type OptionValues } from './sign-options';

interface Loaded {
  file: File;
  bytes: ArrayBuffer;
  kind: 'pdf' | 'ofd';
}

/** The chosen seal's picture (object URL) and true size, read from the image itself if need be. */
function useSealPicture(seal: MySeal['seal'] | null): { picture: PlacerSeal | null; error: string | null } {
  const [picture, setPicture] = useState<PlacerSeal | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPicture(null);
    setError(null);
    if (!seal) return;
    let url: string | null = null;
    let cancelled = false;
    (async () => {
      // The seal's own image route (open to its authorized users); older servers only have the
      // 印模 route, which needs seal-image:read.
      let response = await fetch(buildUrl(`/seal/seals/${seal.id}/image`), { credentials: 'same-origin' });
      if (response.status === 404) response = await fetch(imagePngUrl(seal.imageId), { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const declared = seal as { imageWidthMm?: number; imageHeightMm?: number };
      const size =
        declared.imageWidthMm && declared.imageHeightMm
          ? { widthMm: declared.imageWidthMm, heightMm: declared.imageHeightMm }
          : (pngSizeMm(bytes) ?? { widthMm: 42, heightMm: 42 });
      if (cancelled) return;
      url = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
      setPicture({ name: seal.name, imageUrl: url, ...size });
    })().catch((e: unknown) => {
      if (!cancelled) setError(`印章图像加载失败：${e instanceof Error ? e.message : String(e)}`);
    });
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [seal]);
  return { picture, error };
}

/** 签章工作台: 单个签章 (place by dragging on a preview) and 批量签章 (one rule for many files). */
export default function WorkbenchPage() {
  return (
    <PageCard title="签章工作台">
      <Tabs
        destroyOnHidden
        items={[
          { key: 'single', label: '单个签章', children: <SingleSign /> },
          { key: 'batch', label: '批量签章', children: <BatchSignPanel /> },
        ]}
      />
    </PageCard>
  );
}

/** 单个签章: choose an authorized seal, upload a PDF/OFD, place the seal, sign and download. */
function SingleSign() {
  const { message } = App.useApp();
  const mySeals = useRemote(
    async () => asItems(await api.get<{ items: MySeal[] }>('/seal/my-seals')),
    [],
    [] as MySeal[],
  );
  const [sealId, setSealId] = useState<string>();
  const chosen = useMemo(() => mySeals.data.find((m) => m.seal.id === sealId) ?? null, [mySeals.data, sealId]);
  const { picture, error: pictureError } = useSealPicture(chosen?.seal ?? null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [placement, setPlacement] = useState<Placement | null>(null);
  const [pageCount, setPageCount] = useState<number | null>(null);
  const [mode, setMode] = useState<Mode>('position');
  const [form] = Form.useForm<OptionValues>();
  const values = (Form.useWatch([], form) ?? {}) as Partial<OptionValues>;
  const [signing, setSigning] = useState(false);
  const [signed, setSigned] = useState<SignedFile | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  // Pick the only seal a user has, the usual case for window staff.
  useEffect(() => {
    const only = mySeals.data.length === 1 ? mySeals.data[0] : undefined;
    if (!sealId && only) setSealId(only.seal.id);
  }, [mySeals.data, sealId]);

  const open = async (file: File) => {
    const kind = await sniffDocument(file);
    if (!kind) {
      message.error('只能对 PDF 或 OFD 文件签章');
      return;
    }
    setLoaded({ file, bytes: await file.arrayBuffer(), kind });
    setPlacement(null);
    setPageCount(null);
    setSigned(null);
    setFailure(null);
    if (kind === 'ofd' && (mode === 'keyword' || mode === 'field')) setMode('position');
  };

  const request = loaded ? buildSignOptions(mode, placement, values, loaded.kind) : '请先上传文件';
  const ready = Boolean(chosen) && typeof request !== 'string';

  const sign = async () => {
    if (!loaded || !chosen || typeof request === 'string') return;
    setSigning(true);
    setFailure(null);
    try {
      const result = await signFile(loaded.file, chosen.seal.id, request);
      setSigned(result);
      message.success('签章成功');
      mySeals.reload();
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setSigning(false);
    }
  };

  const setPlacementMm = (patch: Partial<{ page: number; xMm: number; yMm: number }>) =>
    setPlacement((current) => movePlacement(current, patch));

  if (signed && loaded) {
    return (
      <Result
        status="success"
        title="签章成功"
        subTitle={`「${loaded.file.name}」已加盖「${chosen?.seal.name ?? ''}」`}
        extra={[
          <Button
            key="download"
            type="primary"
            icon={<DownloadOutlined />}
            onClick={() => saveBlob(signed.blob, signed.fileName)}
          >
            下载签章文件
          </Button>,
          <Button
            key="again"
            icon={<ReloadOutlined />}
            onClick={() => {
              setSigned(null);
              setLoaded(null);
              setPlacement(null);
            }}
          >
            继续签章
          </Button>,
        ]}
      >
        <Descriptions
          bordered
          size="small"
          column={1}
          items={[
            { label: '文件名', children: signed.fileName },
            {
              label: '验证码',
              children: signed.verifyCode ? (
                <Space>
                  <Typography.Text copyable data-testid="verify-code">
                    {signed.verifyCode}
                  </Typography.Text>
                  <Typography.Link href={`/verify/${signed.verifyCode}`} target="_blank" rel="noopener">
                    打开验证页面
                  </Typography.Link>
                </Space>
              ) : (
                '—'
              ),
            },
            { label: '签章记录', children: <Link to="/seal/records">在「签章记录」中查看</Link> },
          ]}
        />
      </Result>
    );
  }

  return (
    <Row gutter={16}>
      <Col xs={24} xl={8}>
        <Card size="small" title="1. 选择印章" style={{ marginBottom: 12 }}>
          <SealSelect seals={mySeals.data} loading={mySeals.loading} value={sealId} onChange={setSealId} />
          {chosen && (
            <Space style={{ marginTop: 8 }} align="start">
              {picture && <SealThumb src={picture.imageUrl} alt="" size={40} />}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {chosen.remaining == null ? '不限次数' : `剩余 ${chosen.remaining} 次`}；授权
                {formatValidity(null, chosen.validTo)}
                {chosen.seal.algorithm === 'rsa' && '；RSA 印章不能用于 OFD'}
              </Typography.Text>
            </Space>
          )}
          {pictureError && <Alert type="warning" showIcon title={pictureError} style={{ marginTop: 8 }} />}
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: '8px 0 0' }}>
            需要使用其他印章？须审批的印章请在<Link to="/seal/requests">用章申请</Link>中提出，批准后即可在此使用。
          </Typography.Paragraph>
        </Card>
        <Card size="small" title="2. 上传文件" style={{ marginBottom: 12 }}>
          <Upload.Dragger
            accept=".pdf,.ofd,application/pdf"
            showUploadList={false}
            beforeUpload={(file) => {
              open(file);
              return false;
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">点击或拖入 PDF / OFD 文件</p>
          </Upload.Dragger>
          {loaded && (
            <Typography.Paragraph style={{ margin: '8px 0 0' }} data-testid="loaded-file">
              <Tag color={loaded.kind === 'pdf' ? 'red' : 'blue'}>{loaded.kind.toUpperCase()}</Tag>
              {loaded.file.name}
              {pageCount ? `（${pageCount} 页）` : ''}
            </Typography.Paragraph>
          )}
        </Card>
        <Card size="small" title="3. 盖章位置与选项">
          <Segmented<Mode>
            block
            value={mode}
            onChange={setMode}
            options={[
              { value: 'position', label: '拖放/坐标' },
              { value: 'keyword', label: '关键字', disabled: loaded?.kind === 'ofd' },
              { value: 'field', label: '签名域', disabled: loaded?.kind === 'ofd' },
              { value: 'straddle', label: '仅骑缝' },
            ]}
            style={{ marginBottom: 12 }}
          />
          <Form form={form} layout="vertical" size="small" initialValues={OPTION_DEFAULTS}>
            {mode === 'position' && (
              <PositionFields
                placement={placement}
                pageCount={pageCount}
                onChange={setPlacementMm}
                canDrag={loaded?.kind !== 'ofd'}
                multiPage={Boolean(values.multiPage)}
                pages={values.pages}
              />
            )}
            <RuleFields mode={mode} values={values} kind={loaded?.kind} pageCount={pageCount} />
          </Form>
          {failure && <Alert type="error" showIcon title={failure} style={{ marginBottom: 12 }} />}
          <Button
            type="primary"
            block
            size="large"
            icon={<FileProtectOutlined />}
            disabled={!ready}
            loading={signing}
            onClick={sign}
          >
            签章
          </Button>
          {!ready && (
            <Typography.Text type="secondary" style={{ display: 'block', marginTop: 6 }}>
              {!chosen ? '请先选择印章' : typeof request === 'string' ? request : ''}
            </Typography.Text>
          )}
        </Card>
      </Col>
      <Col xs={24} xl={16}>
        {!loaded ? (
          <Empty style={{ marginTop: 80 }} description="上传 PDF 后在此预览，并把印章拖到要盖章的位置" />
        ) : loaded.kind === 'ofd' ? (
          <Alert
            type="info"
            showIcon
            title="OFD 文件无法在浏览器中预览"
            description="请在左侧填写页码和坐标（毫米，从页面左上角量起，印章中心），或只加盖骑缝章。OFD 签章符合 GB/T 38540，需使用 SM2 印章。"
          />
        ) : mode === 'position' ? (
          <PdfPlacer
            file={loaded.bytes}
            seal={picture}
            value={placement}
            onChange={setPlacement}
            onPageCount={setPageCount}
          />
        ) : (
          <Alert
            type="info"
            showIcon
            title={mode === 'keyword' ? '按关键字定位' : mode === 'field' ? '按签名域定位' : '仅加盖骑缝章'}
            description="该方式由服务器按规则确定盖章位置，无需拖放。切换到「拖放/坐标」可在页面上直接放置印章。"
          />
        )}
      </Col>
    </Row>
  );
}
