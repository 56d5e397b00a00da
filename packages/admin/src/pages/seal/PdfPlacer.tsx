import { LeftOutlined, RightOutlined, ZoomInOutlined, ZoomOutOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, InputNumber, Space, Spin, Tooltip, Typography } from 'antd';
import {
  type CSSProperties,
  type KeyboardEvent as ReactKeyboardEvent,
  type PointerEvent as ReactPointerEvent,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import { openPdf, type PDFDocumentProxy, type PDFPageProxy } from '../../components/seal-pdf';
import {
  clampCentre,
  displayedSize,
  dropPoint,
  mmToPt,
  normaliseRotation,
  type PageGeometry,
  type Placement,
  type Point,
  ptToMm,
  round1,
  sealCssSize,
} from './placement';

export type { Placement } from './placement';

export interface PlacerSeal {
  name: string;
  imageUrl: string;
  widthMm: number;
  heightMm: number;
}

interface Drag {
  /** Pointer offset from the seal's centre when the drag began, in CSS px. */
  grab: Point;
  client: Point;
  size: { width: number; height: number };
}

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2];

/**
 * 签章位置: the PDF's pages rendered by pdf.js, the chosen seal at its true size relative to the
 * page, placed by dragging it from the palette onto the page (and moved by dragging again or with
 * the arrow keys: 1 mm per press, 10 mm with Shift). Coordinates are reported in displayed points
 * from the top-left corner, the engine's default origin (see placement.ts).
 */
export function PdfPlacer({
  file,
  seal,
  value,
  onChange,
  onPageCount,
}: {
  file: ArrayBuffer;
  seal: PlacerSeal | null;
  value: Placement | null;
  onChange: (placement: Placement | null) => void;
  onPageCount?: (count: number) => void;
}) {
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pageNo, setPageNo] = useState(1);
  const [zoom, setZoom] = useState(1);
  const [drag, setDrag] = useState<Drag | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new file is a new document; the callback is not
  useEffect(() => {
    let cancelled = false;
    let opened: PDFDocumentProxy | null = null;
    setDoc(null);
    setError(null);
    setPageNo(1);
    openPdf(file)
      .then((d) => {
        opened = d;
        if (cancelled) {
          d.destroy();
          return;
        }
        setDoc(d);
        onPageCount?.(d.numPages);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      cancelled = true;
      opened?.destroy();
    };
  }, [file]);

  // The placed seal is shown on its page: follow it when it is set elsewhere (the 页码 input).
  useEffect(() => {
    if (value && doc && value.page >= 1 && value.page <= doc.numPages) setPageNo(value.page);
  }, [value, doc]);

  if (error) return <Alert type="error" showIcon title="无法显示该 PDF" description={error} />;
  if (!doc) return <Spin tip="正在解析 PDF…" style={{ display: 'block', margin: '80px auto' }} />;

  return (
    <div className="seal-placer">
      <Space wrap style={{ marginBottom: 12 }}>
        <Button
          aria-label="上一页"
          icon={<LeftOutlined />}
          disabled={pageNo <= 1}
          onClick={() => setPageNo((n) => n - 1)}
        />
        <span>
          第
          <InputNumber
            aria-label="当前页"
            size="small"
            min={1}
            max={doc.numPages}
            value={pageNo}
            onChange={(n) => n && setPageNo(n)}
            style={{ width: 64, margin: '0 4px' }}
          />
          页，共 {doc.numPages} 页
        </span>
        <Button
          aria-label="下一页"
          icon={<RightOutlined />}
          disabled={pageNo >= doc.numPages}
          onClick={() => setPageNo((n) => n + 1)}
        />
        <Button
          aria-label="缩小"
          icon={<ZoomOutOutlined />}
          disabled={zoom <= ZOOMS[0]}
          onClick={() => setZoom((z) => ZOOMS[Math.max(0, ZOOMS.indexOf(z) - 1)] ?? z)}
        />
        <span data-testid="placer-zoom">{Math.round(zoom * 100)}%</span>
        <Button
          aria-label="放大"
          icon={<ZoomInOutlined />}
          disabled={zoom >= (ZOOMS.at(-1) ?? 2)}
          onClick={() => setZoom((z) => ZOOMS[Math.min(ZOOMS.length - 1, ZOOMS.indexOf(z) + 1)] ?? z)}
        />
      </Space>
      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
        <SealPalette seal={seal} zoom={zoom} onGrab={setDrag} />
        <PageView
          doc={doc}
          pageNo={pageNo}
          zoom={zoom}
          seal={seal}
          value={value}
          onChange={onChange}
          drag={drag}
          setDrag={setDrag}
        />
      </div>
      {drag && seal && (
        <img
          alt=""
          src={seal.imageUrl}
          style={{
            position: 'fixed',
            left: drag.client.x - drag.grab.x - drag.size.width / 2,
            top: drag.client.y - drag.grab.y - drag.size.height / 2,
            width: drag.size.width,
            height: drag.size.height,
            pointerEvents: 'none',
            opacity: 0.75,
            zIndex: 2000,
          }}
        />
      )}
    </div>
  );
}

/** The seal to drag, drawn at the size it will have on the page at the current zoom. */
function SealPalette({ seal, zoom, onGrab }: { seal: PlacerSeal | null; zoom: number; onGrab: (drag: Drag) => void }) {
  if (!seal) {
    return (
      <div style={{ width: 180, flex: 'none' }}>
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="请先选择印章" />
      </div>
    );
  }
  const size = sealCssSize(seal, zoom);
  const start = (e: ReactPointerEvent<HTMLImageElement>) => {
    e.preventDefault();
    const rect = e.currentTarget.getBoundingClientRect();
    onGrab({
      grab: { x: e.clientX - (rect.left + rect.width / 2), y: e.clientY - (rect.top + rect.height / 2) },
      client: { x: e.clientX, y: e.clientY },
      size,
    });
  };
  return (
    <div style={{ width: Math.max(180, size.width + 24), flex: 'none', textAlign: 'center' }}>
      <Typography.Text type="secondary">拖动印章到页面上</Typography.Text>
      <div style={{ padding: 12, border: '1px dashed #d9d9d9', borderRadius: 4, marginTop: 8, touchAction: 'none' }}>
        <img
          src={seal.imageUrl}
          alt={`印章：${seal.name}（拖动到页面上盖章）`}
          data-testid="seal-palette-image"
          draggable={false}
          onPointerDown={start}
          style={{ width: size.width, height: size.height, cursor: 'grab', userSelect: 'none' }}
        />
      </div>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        实际尺寸 {seal.widthMm} × {seal.heightMm} mm
      </Typography.Text>
    </div>
  );
}

function PageView({
  doc,
  pageNo,
  zoom,
  seal,
  value,
  onChange,
  drag,
  setDrag,
}: {
  doc: PDFDocumentProxy;
  pageNo: number;
  zoom: number;
  seal: PlacerSeal | null;
  value: Placement | null;
  onChange: (placement: Placement | null) => void;
  drag: Drag | null;
  setDrag: (drag: Drag | null) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const surface = useRef<HTMLDivElement>(null);
  const [page, setPage] = useState<PDFPageProxy | null>(null);
  const [rendering, setRendering] = useState(true);
  const [renderError, setRenderError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    setPage(null);
    doc.getPage(pageNo).then(
      (p) => !cancelled && setPage(p),
      (e: unknown) => !cancelled && setRenderError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      cancelled = true;
    };
  }, [doc, pageNo]);

  useEffect(() => {
    if (!page || !canvas.current) return;
    const viewport = page.getViewport({ scale: zoom });
    const ratio = window.devicePixelRatio || 1;
    const el = canvas.current;
    el.width = Math.floor(viewport.width * ratio);
    el.height = Math.floor(viewport.height * ratio);
    el.style.width = `${viewport.width}px`;
    el.style.height = `${viewport.height}px`;
    setRendering(true);
    setRenderError(null);
    const task = page.render({
      canvas: el,
      viewport,
      transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0],
    });
    task.promise.then(
      () => setRendering(false),
      (e: unknown) => {
        if (e instanceof Error && e.name === 'RenderingCancelledException') return;
        setRendering(false);
        setRenderError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => task.cancel();
  }, [page, zoom]);

  const geometry: PageGeometry | null = page
    ? { view: page.view as PageGeometry['view'], rotate: normaliseRotation(page.rotate) }
    : null;

  // While a drag is on, the pointer is followed on the whole window; releasing over the page places the seal.
  const finish = useCallback(
    (e: PointerEvent) => {
      if (!drag || !geometry || !surface.current) return;
      const rect = surface.current.getBoundingClientRect();
      const inside =
        e.clientX >= rect.left && e.clientX <= rect.right && e.clientY >= rect.top && e.clientY <= rect.bottom;
      if (inside) {
        const p = dropPoint(geometry, zoom, rect, e, drag.grab);
        onChange({ page: pageNo, x: round1(p.x), y: round1(p.y) });
      }
      setDrag(null);
    },
    [drag, geometry, zoom, pageNo, onChange, setDrag],
  );
  useEffect(() => {
    if (!drag) return;
    const move = (e: PointerEvent) => setDrag({ ...drag, client: { x: e.clientX, y: e.clientY } });
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', finish);
    window.addEventListener('pointercancel', finish);
    return () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', finish);
      window.removeEventListener('pointercancel', finish);
    };
  }, [drag, finish, setDrag]);

  if (renderError) return <Alert type="error" showIcon title={`第 ${pageNo} 页无法显示`} description={renderError} />;

  const size = geometry ? displayedSize(geometry) : { width: 595, height: 842 };
  const placedHere = value && value.page === pageNo && seal && geometry;
  const sealSize = seal ? sealCssSize(seal, zoom) : { width: 0, height: 0 };

  const nudge = (e: ReactKeyboardEvent) => {
    if (!value || !geometry) return;
    const step = mmToPt(e.shiftKey ? 10 : 1);
    const delta: Record<string, Point> = {
      ArrowLeft: { x: -step, y: 0 },
      ArrowRight: { x: step, y: 0 },
      ArrowUp: { x: 0, y: -step },
      ArrowDown: { x: 0, y: step },
    };
    if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      onChange(null);
      return;
    }
    const d = delta[e.key];
    if (!d) return;
    e.preventDefault();
    const p = clampCentre(geometry, { x: value.x + d.x, y: value.y + d.y });
    onChange({ page: value.page, x: round1(p.x), y: round1(p.y) });
  };

  const moveStart = (e: ReactPointerEvent<HTMLButtonElement>) => {
    e.preventDefault();
    const rect = e.currentTarget.getBoundingClientRect();
    setDrag({
      grab: { x: e.clientX - (rect.left + rect.width / 2), y: e.clientY - (rect.top + rect.height / 2) },
      client: { x: e.clientX, y: e.clientY },
      size: sealSize,
    });
  };

  const placedStyle: CSSProperties | undefined = placedHere
    ? {
        position: 'absolute',
        left: value.x * zoom - sealSize.width / 2,
        top: value.y * zoom - sealSize.height / 2,
        width: sealSize.width,
        height: sealSize.height,
        cursor: 'move',
        padding: 0,
        border: 'none',
        background: 'transparent',
        mixBlendMode: 'multiply',
        outline: '1px dashed #1a5fb4',
        opacity: drag ? 0.35 : 1,
        touchAction: 'none',
      }
    : undefined;

  return (
    <div style={{ overflow: 'auto', flex: 1, background: '#f0f2f5', padding: 16, maxHeight: '75vh' }}>
      <div
        ref={surface}
        data-testid="placer-page"
        data-page={pageNo}
        data-ready={rendering ? 'false' : 'true'}
        style={{
          position: 'relative',
          width: size.width * zoom,
          height: size.height * zoom,
          margin: '0 auto',
          boxShadow: '0 1px 6px rgba(0,0,0,.2)',
          background: '#fff',
        }}
      >
        <canvas ref={canvas} aria-label={`第 ${pageNo} 页`} role="img" />
        {rendering && <Spin style={{ position: 'absolute', left: '50%', top: 40 }} />}
        {placedHere && (
          <Tooltip title="拖动可移动；方向键微调 1 mm（Shift 10 mm）；Delete 移除">
            <button
              type="button"
              aria-label={`已放置的印章：${seal.name}，第 ${value.page} 页；方向键移动，Delete 移除`}
              data-testid="placed-seal"
              onKeyDown={nudge}
              onPointerDown={moveStart}
              style={placedStyle}
            >
              <img
                src={seal.imageUrl}
                alt=""
                draggable={false}
                style={{ width: '100%', height: '100%', display: 'block' }}
              />
            </button>
          </Tooltip>
        )}
      </div>
    </div>
  );
}

/** The placement in millimetres for people (the form shows and edits these). */
export function placementMm(p: Placement): { page: number; xMm: number; yMm: number } {
  return { page: p.page, xMm: round1(ptToMm(p.x)), yMm: round1(ptToMm(p.y)) };
}
