/*
 * 流程设计: the bpmn-js modeler with its palette and context pad in Chinese, the properties panel
 * with our `jiyue:` attributes, validation by the server (errors point at elements), deploy, and
 * XML download/upload. The bpmn.io watermark stays: bpmn-js's licence requires it.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import '../../components/workflow-diagram.css';
import './workflow.css';
import {
  ArrowLeftOutlined,
  CheckCircleOutlined,
  CloudUploadOutlined,
  DownloadOutlined,
  RedoOutlined,
  UndoOutlined,
  UploadOutlined,
} from '@ant-design/icons';
import { Alert, App, Button, Space, Spin, Tag, Tooltip } from 'antd';
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../../api/client';
import { PageCard } from '../../components/ui';
import { type FieldError, workflowApi } from './api';
import { type JiyueOptions, jiyuePropertiesModule } from './bpmn/JiyuePropertiesProvider';
import { jiyueModdleDescriptor } from './bpmn/moddle';
import { translateModule } from './bpmn/translate';
import { loadDesignerOptions } from './options';
import { newProcessXml } from './xml';

type Any = any;

declare global {
  interface Window {
    /** The open designer's modeler, for browser tests and for operators in the devtools console. */
    jiyueModeler?: Modeler;
  }
}

export default function DesignerPage() {
  const { key } = useParams();
  const navigate = useNavigate();
  const { message, modal } = App.useApp();
  const canvasRef = useRef<HTMLDivElement>(null);
  const panelRef = useRef<HTMLElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const modelerRef = useRef<Modeler | null>(null);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldError[] | null>(null);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState<'validate' | 'deploy' | null>(null);
  const [version, setVersion] = useState<number | null>(null);

  useEffect(() => {
    let alive = true;
    let modeler: Modeler | null = null;
    (async () => {
      const [options, definition] = await Promise.all([
        loadDesignerOptions(),
        key ? workflowApi.definition(key) : Promise.resolve(null),
      ]);
      if (!alive || !canvasRef.current || !panelRef.current) return;
      modeler = new Modeler({
        container: canvasRef.current,
        propertiesPanel: { parent: panelRef.current },
        additionalModules: [
          BpmnPropertiesPanelModule,
          BpmnPropertiesProviderModule,
          jiyuePropertiesModule,
          translateModule,
          { jiyueOptions: ['value', options satisfies JiyueOptions] },
        ],
        moddleExtensions: { jiyue: jiyueModdleDescriptor },
      });
      modelerRef.current = modeler;
      window.jiyueModeler = modeler;
      await modeler.importXML(definition?.xml ?? newProcessXml());
      if (!alive) return;
      setVersion(definition?.version ?? null);
      (modeler.get('canvas') as Any).zoom('fit-viewport', 'auto');
      modeler.on('commandStack.changed', () => setDirty(true));
      setReady(true);
    })().catch((error) => alive && setLoadError(errorMessage(error)));
    return () => {
      alive = false;
      modeler?.destroy();
      if (window.jiyueModeler === modeler) window.jiyueModeler = undefined;
    };
  }, [key]);

  /** Outlines the elements the server complained about; returns the ids it could not find. */
  const markErrors = useCallback((list: FieldError[]) => {
    const modeler = modelerRef.current;
    if (!modeler) return;
    const canvas = modeler.get('canvas') as Any;
    const registry = modeler.get('elementRegistry') as Any;
    for (const el of registry.getAll()) canvas.removeMarker(el, 'jy-error');
    for (const e of list) if (registry.get(e.field)) canvas.addMarker(e.field, 'jy-error');
  }, []);

  const focusElement = (id: string) => {
    const modeler = modelerRef.current;
    const element = (modeler?.get('elementRegistry') as Any)?.get(id);
    if (!modeler || !element) return;
    (modeler.get('selection') as Any).select(element);
    (modeler.get('canvas') as Any).scrollToElement(element);
  };

  const currentXml = async () => {
    const modeler = modelerRef.current;
    if (!modeler) throw new Error('设计器尚未就绪');
    const { xml } = await modeler.saveXML({ format: true });
    return xml as string;
  };

  const validate = async (): Promise<boolean> => {
    const result = await workflowApi.validate(await currentXml());
    setErrors(result.errors);
    markErrors(result.errors);
    return result.ok && result.errors.length === 0;
  };

  const onValidate = async () => {
    setBusy('validate');
    try {
      if (await validate()) message.success('校验通过，可以部署');
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setBusy(null);
    }
  };

  const onDeploy = async () => {
    setBusy('deploy');
    try {
      if (!(await validate())) {
        message.error('流程有错误，请按提示修改后再部署');
        return;
      }
      const deployed = await workflowApi.deploy(await currentXml());
      setDirty(false);
      setVersion(deployed.version);
      message.success(`已部署「${deployed.name}」第 ${deployed.version} 版`);
      if (deployed.key !== key)
        navigate(`/workflow/definitions/${encodeURIComponent(deployed.key)}`, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors?.length) {
        setErrors(error.problem.errors);
        markErrors(error.problem.errors);
      }
      message.error(errorMessage(error));
    } finally {
      setBusy(null);
    }
  };

  const onDownload = async () => {
    const xml = await currentXml();
    const root = (modelerRef.current?.get('canvas') as Any)?.getRootElement();
    const name = root?.businessObject?.id ?? key ?? 'process';
    const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${name}.bpmn`;
    link.click();
    URL.revokeObjectURL(url);
  };

  const onUpload = async (file: File | undefined) => {
    if (!file || !modelerRef.current) return;
    if (file.size > 5 * 1024 * 1024) {
      message.error('文件超过 5 MB，不像是流程定义');
      return;
    }
    try {
      const { warnings } = await modelerRef.current.importXML(await file.text());
      (modelerRef.current.get('canvas') as Any).zoom('fit-viewport', 'auto');
      setErrors(null);
      setDirty(true);
      message.success(warnings.length ? `已导入，${warnings.length} 处内容无法识别` : '已导入');
    } catch (error) {
      message.error(`无法读取该文件：${errorMessage(error)}`);
    } finally {
      if (fileRef.current) fileRef.current.value = '';
    }
  };

  const back = () => {
    if (!dirty) return navigate('/workflow/definitions');
    modal.confirm({
      title: '放弃未部署的修改？',
      content: '流程图的修改尚未部署，离开后将丢失。可先「下载 XML」保存。',
      okText: '离开',
      cancelText: '留下',
      onOk: () => navigate('/workflow/definitions'),
    });
  };

  const command = (name: 'undo' | 'redo') => (modelerRef.current?.get('commandStack') as Any)?.[name]();

  return (
    <PageCard
      title={
        <Space>
          {key ? `流程设计：${key}` : '新建流程'}
          {version && <Tag color="blue">已部署 第 {version} 版</Tag>}
          {dirty && <Tag color="orange">未部署的修改</Tag>}
        </Space>
      }
      extra={
        <>
          <Button icon={<ArrowLeftOutlined />} onClick={back}>
            返回
          </Button>
          <Tooltip title="撤销">
            <Button aria-label="撤销" icon={<UndoOutlined />} onClick={() => command('undo')} disabled={!ready} />
          </Tooltip>
          <Tooltip title="重做">
            <Button aria-label="重做" icon={<RedoOutlined />} onClick={() => command('redo')} disabled={!ready} />
          </Tooltip>
          <Button icon={<UploadOutlined />} onClick={() => fileRef.current?.click()} disabled={!ready}>
            上传 XML
          </Button>
          <Button icon={<DownloadOutlined />} onClick={onDownload} disabled={!ready}>
            下载 XML
          </Button>
          <Button icon={<CheckCircleOutlined />} onClick={onValidate} loading={busy === 'validate'} disabled={!ready}>
            校验
          </Button>
          <Button
            type="primary"
            icon={<CloudUploadOutlined />}
            onClick={onDeploy}
            loading={busy === 'deploy'}
            disabled={!ready}
          >
            部署
          </Button>
        </>
      }
    >
      <input
        ref={fileRef}
        type="file"
        accept=".bpmn,.xml,application/xml,text/xml"
        hidden
        data-testid="bpmn-upload"
        onChange={(e) => onUpload(e.target.files?.[0])}
      />
      {loadError && <Alert type="error" showIcon title="流程设计器无法打开" description={loadError} />}
      {errors && errors.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          title={`校验未通过（${errors.length} 处）：点击定位到流程图中的元素`}
          description={
            <ul className="jy-errors" aria-label="校验错误">
              {errors.map((e) => (
                <li key={`${e.field}:${e.message}`}>
                  <Button type="link" size="small" style={{ padding: 0 }} onClick={() => focusElement(e.field)}>
                    {e.field || '流程'}
                  </Button>
                  ：{e.message}
                </li>
              ))}
            </ul>
          }
        />
      )}
      {errors && errors.length === 0 && (
        <Alert type="success" showIcon style={{ marginBottom: 12 }} title="校验通过" closable />
      )}
      <div className="jy-designer">
        {!ready && !loadError && <Spin className="jy-designer-spin" />}
        <div ref={canvasRef} className="jy-designer-canvas" data-testid="bpmn-canvas" />
        <aside ref={panelRef} className="jy-designer-panel" aria-label="属性面板" />
      </div>
    </PageCard>
  );
}
