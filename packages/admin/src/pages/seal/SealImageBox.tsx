import { Space, Typography } from 'antd';

/**
 * A seal image at its true physical size: CSS millimetres. Browsers lay out 1 mm as 96/25.4 CSS
 * pixels, so the picture is exactly the seal's size wherever the screen's real pixel density
 * matches its CSS reference (and always when printed); the ruler beside it lets people check their
 * own screen with a real ruler.
 */
export function TrueSizeSeal({
  src,
  widthMm,
  heightMm,
  alt,
}: {
  src: string;
  widthMm: number;
  heightMm: number;
  alt: string;
}) {
  return (
    <Space direction="vertical" align="center" size={8}>
      <div
        style={{
          padding: 12,
          background: 'repeating-conic-gradient(#f5f5f5 0% 25%, #fff 0% 50%) 50% / 4mm 4mm' /* shows transparency */,
          border: '1px solid #f0f0f0',
        }}
      >
        <img
          src={src}
          alt={alt}
          data-testid="true-size-seal"
          style={{ width: `${widthMm}mm`, height: `${heightMm}mm`, display: 'block' }}
        />
      </div>
      <MmRuler mm={50} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        实际尺寸 {widthMm} × {heightMm} mm，按 1:1 物理尺寸显示（以 CSS 标准 96 像素/英寸计算；
        显示器像素密度不同会有偏差，可用直尺量上方 50 mm 标尺核对）
      </Typography.Text>
    </Space>
  );
}

/** A millimetre ruler drawn in CSS mm, ticks every millimetre, longer every 5 and 10. */
function MmRuler({ mm }: { mm: number }) {
  const ticks = Array.from({ length: mm + 1 }, (_, i) => i);
  return (
    <svg
      role="img"
      aria-label={`${mm} 毫米标尺`}
      viewBox={`-1 0 ${mm + 2} 7`}
      style={{ width: `${mm + 2}mm`, height: '7mm', display: 'block' }}
    >
      <line x1={0} y1={0} x2={mm} y2={0} stroke="#595959" strokeWidth={0.2} />
      {ticks.map((i) => (
        <line
          key={i}
          x1={i}
          x2={i}
          y1={0}
          y2={i % 10 === 0 ? 3 : i % 5 === 0 ? 2 : 1.2}
          stroke="#595959"
          strokeWidth={0.15}
        />
      ))}
      {ticks
        .filter((i) => i % 10 === 0)
        .map((i) => (
          <text key={i} x={i} y={6} fontSize={2.4} textAnchor="middle" fill="#595959">
            {i / 10}
          </text>
        ))}
    </svg>
  );
}

/** A thumbnail for tables, with a light chequered ground so transparency shows. */
export function SealThumb({ src, alt, size = 48 }: { src: string; alt: string; size?: number }) {
  return (
    <img
      src={src}
      alt={alt}
      loading="lazy"
      style={{
        width: size,
        height: size,
        objectFit: 'contain',
        background: 'repeating-conic-gradient(#f5f5f5 0% 25%, #fff 0% 50%) 50% / 8px 8px',
        border: '1px solid #f0f0f0',
        borderRadius: 2,
      }}
    />
  );
}
