import { AutoComplete, Input } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import type { Suggestion } from './api';

const SOURCE: Record<Suggestion['source'], string> = { hot: '热门', title: '标题', term: '词典' };

/**
 * 智能提示: a search box that offers completions from hot queries, titles and dictionary terms
 * (Hanzi, full pinyin or initials) as the user types. Requests are debounced and stale answers
 * dropped, so the list always belongs to the current text.
 */
export function SuggestInput({
  value,
  onChange,
  onSearch,
  placeholder,
  style,
}: {
  value: string;
  onChange: (value: string) => void;
  onSearch: (value: string) => void;
  placeholder?: string;
  style?: React.CSSProperties;
}) {
  const [options, setOptions] = useState<{ value: string; label: React.ReactNode }[]>([]);
  const ticket = useRef(0);
  useEffect(() => {
    const text = value.trim();
    const mine = ++ticket.current;
    if (!text) {
      setOptions([]);
      return;
    }
    const timer = setTimeout(async () => {
      try {
        const { items } = await api.get<{ items: Suggestion[] }>('/search/suggest', { q: text.slice(0, 50) });
        if (mine !== ticket.current) return;
        setOptions(
          items.map((s) => ({
            value: s.text,
            label: (
              <span style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                <span>{s.text}</span>
                <span style={{ color: 'rgba(0,0,0,0.45)', fontSize: 12 }}>{SOURCE[s.source] ?? ''}</span>
              </span>
            ),
          })),
        );
      } catch {
        // Suggestions are a convenience: a failed request leaves the box working without them.
        if (mine === ticket.current) setOptions([]);
      }
    }, 200);
    return () => clearTimeout(timer);
  }, [value]);

  return (
    <AutoComplete
      value={value}
      options={options}
      onChange={(v: string) => onChange(v ?? '')}
      onSelect={(v: string) => {
        onChange(v);
        onSearch(v);
      }}
      style={style}
      popupMatchSelectWidth
    >
      <Input.Search
        aria-label="检索词"
        placeholder={placeholder}
        allowClear
        enterButton="搜索"
        maxLength={100}
        onSearch={(v) => onSearch(v)}
      />
    </AutoComplete>
  );
}
