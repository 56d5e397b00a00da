import { Typography } from 'antd';
import { highlightParts } from './logic';

/** Server-highlighted text (matches in <em>) rendered as text nodes with the matches marked. */
export function Highlight({ html, fallback }: { html?: string | null; fallback?: string }) {
  const parts = highlightParts(html);
  if (!parts.length) return <>{fallback ?? ''}</>;
  return (
    <>
      {parts.map((p, i) =>
        p.hit ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts never reorder
          <Typography.Text key={i} mark>
            {p.text}
          </Typography.Text>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts never reorder
          <span key={i}>{p.text}</span>
        ),
      )}
    </>
  );
}
