import { json } from '@codemirror/lang-json';
import { liquid } from '@codemirror/lang-liquid';
import CodeMirror from '@uiw/react-codemirror';
import { useMemo } from 'react';

/** CodeMirror 6 for Liquid/HTML templates and JSON (sample data, JSON Schema). */
export function CodeEditor({
  value,
  onChange,
  language,
  height = '480px',
  label,
}: {
  value: string;
  onChange(value: string): void;
  language: 'liquid' | 'json';
  height?: string;
  /** Accessible name of the editing area. */
  label: string;
}) {
  const extensions = useMemo(() => [language === 'liquid' ? liquid() : json()], [language]);
  return (
    <div className="pdfgen-code" data-editor={language}>
      <CodeMirror
        value={value}
        onChange={onChange}
        extensions={extensions}
        height={height}
        aria-label={label}
        basicSetup={{ foldGutter: true, highlightActiveLine: true }}
        style={{ border: '1px solid #d9d9d9', borderRadius: 6, fontSize: 13 }}
      />
    </div>
  );
}
