/*
 * 无障碍工具条 — the accessibility toolbar of the public sites (written for this project; no
 * framework, nothing loaded from outside). Loaded with `defer` from `_shared/toolbar.js`; the
 * opencc-js (简繁转换) and pinyin-pro (拼音标注) bundles beside it are loaded only when used.
 *
 * Opened by any element with [data-a11y-open] (the 无障碍 links) or Alt+Shift+A. Every control
 * is a <button>; toggles carry aria-pressed. The visitor's choices are kept in localStorage so
 * they follow them from page to page. Shortcuts (Alt+Shift+…, chosen not to clash with the
 * browser's own Alt+digit / Ctrl shortcuts) are listed in SHORTCUTS and in the toolbar's 帮助.
 */
(() => {
  if (window.__jyA11y) return;
  window.__jyA11y = true;

  const KEY = 'jy-a11y';
  const script = document.currentScript;
  const BASE = script?.src ? script.src.replace(/[^/?#]*([?#].*)?$/, '') : '_shared/';
  const html = document.documentElement;
  const CONTRASTS = [
    { id: 'yb', label: '黑底黄字' },
    { id: 'wb', label: '白底黑字' },
    { id: 'bw', label: '蓝底白字' },
  ];
  const DEFAULTS = {
    open: false,
    zoom: 1,
    contrast: '',
    guides: false,
    cursor: false,
    captions: false,
    speech: false,
    traditional: false,
    pinyin: false,
  };
  const SHORTCUTS = [
    ['Alt+Shift+A', '打开或关闭无障碍工具条'],
    ['Alt+Shift+=', '放大页面'],
    ['Alt+Shift+-', '缩小页面'],
    ['Alt+Shift+0', '恢复页面大小'],
    ['Alt+Shift+C', '切换配色（黑底黄字、白底黑字、蓝底白字、默认）'],
    ['Alt+Shift+L', '辅助线'],
    ['Alt+Shift+M', '大鼠标'],
    ['Alt+Shift+T', '大字幕'],
    ['Alt+Shift+S', '指读（朗读鼠标指向或键盘聚焦的内容）'],
    ['Alt+Shift+R', '连读（朗读正文），再按一次停止'],
    ['Alt+Shift+H', '口述页面结构（区域和标题）'],
    ['Alt+Shift+F', '简体／繁體'],
    ['Alt+Shift+P', '拼音标注'],
    ['Alt+Shift+X', '全部重置'],
    ['Alt+Shift+1', '跳到主要内容'],
    ['Alt+Shift+2', '跳到栏目导航'],
    ['Alt+Shift+3', '跳到搜索框'],
    ['Alt+Shift+4', '跳到页脚'],
    ['Esc', '停止朗读；焦点在工具条内时关闭工具条'],
  ];

  let state = load();
  let bar = null;
  let status = null;
  let opener = null;

  function load() {
    try {
      return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) || '{}') };
    } catch {
      return { ...DEFAULTS };
    }
  }
  function save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(state));
    } catch {
      // Private mode or storage disabled: the choices last for this page only.
    }
  }
  function announce(text) {
    if (!status) return;
    status.textContent = '';
    // A new text node each time so screen readers announce repeated messages too.
    setTimeout(() => {
      status.textContent = text;
    }, 30);
  }

  /* ------------------------------------------------------------------ the toolbar itself */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) node.append(c);
    return node;
  }
  function button(id, label, action, toggle, hint) {
    return el(
      'button',
      {
        type: 'button',
        class: 'jy-btn',
        'data-jy': id,
        'aria-pressed': toggle ? 'false' : null,
        title: hint || null,
        on: { click: action },
      },
      label,
    );
  }
  function group(label, ...buttons) {
    return el(
      'div',
      { class: 'jy-group', role: 'group', 'aria-label': label },
      el('span', { class: 'jy-group-label', 'aria-hidden': 'true' }, label),
      ...buttons,
    );
  }

  function build() {
    let host = document.getElementById('jy-a11y');
    if (!host) {
      host = el('div', { id: 'jy-a11y', class: 'jy-a11y' });
      document.body.prepend(host);
    }
    host.textContent = '';
    host.setAttribute('role', 'region');
    host.setAttribute('aria-label', '无障碍工具条');
    const zoomLabel = el('span', { class: 'jy-zoom-value', 'data-jy': 'zoom-value' }, '100%');
    const help = el(
      'div',
      { class: 'jy-help', id: 'jy-help', hidden: true },
      el('h2', {}, '键盘快捷键'),
      el('dl', {}, ...SHORTCUTS.flatMap(([k, t]) => [el('dt', {}, el('kbd', {}, k)), el('dd', {}, t)])),
    );
    status = el('p', { class: 'jy-status', role: 'status', 'aria-live': 'polite' });
    bar = el(
      'div',
      { class: 'jy-bar' },
      group(
        '页面缩放',
        button('zoom-in', '放大', () => setZoom(state.zoom + 0.1), false, 'Alt+Shift+='),
        button('zoom-out', '缩小', () => setZoom(state.zoom - 0.1), false, 'Alt+Shift+-'),
        button('zoom-reset', '原始大小', () => setZoom(1), false, 'Alt+Shift+0'),
        zoomLabel,
      ),
      group(
        '配色',
        ...CONTRASTS.map((c) =>
          button(
            `contrast-${c.id}`,
            c.label,
            () => setContrast(state.contrast === c.id ? '' : c.id),
            true,
            'Alt+Shift+C',
          ),
        ),
      ),
      group(
        '辅助',
        button('guides', '辅助线', () => toggle('guides'), true, 'Alt+Shift+L'),
        button('cursor', '大鼠标', () => toggle('cursor'), true, 'Alt+Shift+M'),
        button('captions', '大字幕', () => toggle('captions'), true, 'Alt+Shift+T'),
      ),
      group(
        '语音',
        button('speech', '指读', () => toggle('speech'), true, 'Alt+Shift+S'),
        button('read-all', '连读', () => (reading ? stopReading() : readAll()), true, 'Alt+Shift+R'),
        button('structure', '页面结构', describePage, false, 'Alt+Shift+H'),
      ),
      group(
        '文字',
        button('traditional', '繁體', () => toggle('traditional'), true, 'Alt+Shift+F'),
        button('pinyin', '拼音', () => toggle('pinyin'), true, 'Alt+Shift+P'),
      ),
      group(
        '其他',
        button('reset', '重置', reset, false, 'Alt+Shift+X'),
        el(
          'button',
          {
            type: 'button',
            class: 'jy-btn',
            'data-jy': 'help',
            'aria-expanded': 'false',
            'aria-controls': 'jy-help',
            on: { click: toggleHelp },
          },
          '帮助',
        ),
        button('close', '关闭工具条', () => setOpen(false), false, 'Alt+Shift+A'),
      ),
    );
    host.append(bar, help, status);
    host.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !reading) {
        e.preventDefault();
        setOpen(false);
      }
    });
    return host;
  }
  function host() {
    return document.getElementById('jy-a11y');
  }
  function sync() {
    const h = host();
    if (!h || !bar) return;
    h.hidden = !state.open;
    html.classList.toggle('jy-toolbar-open', state.open);
    const pressed = {
      guides: state.guides,
      cursor: state.cursor,
      captions: state.captions,
      speech: state.speech,
      'read-all': reading,
      traditional: state.traditional,
      pinyin: state.pinyin,
    };
    for (const c of CONTRASTS) pressed[`contrast-${c.id}`] = state.contrast === c.id;
    for (const [id, on] of Object.entries(pressed)) {
      const b = h.querySelector(`[data-jy="${id}"]`);
      if (b) b.setAttribute('aria-pressed', String(on));
    }
    const z = h.querySelector('[data-jy="zoom-value"]');
    if (z) z.textContent = `${Math.round(state.zoom * 100)}%`;
  }
  function setOpen(open, focus = true) {
    state.open = open;
    save();
    if (open && !bar) build();
    sync();
    if (open && focus) host().querySelector('button')?.focus();
    if (!open && focus) {
      const back = opener && document.contains(opener) ? opener : document.querySelector('[data-a11y-open]');
      back?.focus();
    }
  }
  function toggleHelp(e) {
    const help = document.getElementById('jy-help');
    help.hidden = !help.hidden;
    e.currentTarget.setAttribute('aria-expanded', String(!help.hidden));
  }

  /* ------------------------------------------------------------------ zoom and colours */

  function applyZoom() {
    if (state.zoom === 1) {
      html.style.removeProperty('--jy-zoom');
      html.classList.remove('jy-zoomed');
    } else {
      html.style.setProperty('--jy-zoom', String(state.zoom));
      html.classList.add('jy-zoomed');
    }
  }
  function setZoom(z) {
    state.zoom = Math.min(2, Math.max(0.8, Math.round(z * 10) / 10));
    save();
    applyZoom();
    sync();
    announce(`页面缩放 ${Math.round(state.zoom * 100)}%`);
  }
  function applyContrast() {
    for (const c of CONTRASTS) html.classList.toggle(`jy-hc-${c.id}`, state.contrast === c.id);
  }
  function setContrast(id) {
    state.contrast = id;
    save();
    applyContrast();
    sync();
    announce(id ? `已切换为${CONTRASTS.find((c) => c.id === id).label}` : '已恢复默认配色');
  }
  function cycleContrast() {
    const ids = ['', ...CONTRASTS.map((c) => c.id)];
    setContrast(ids[(ids.indexOf(state.contrast) + 1) % ids.length]);
  }

  /* ------------------------------------------------------------------ guides, cursor, captions */

  let guideX = null;
  let guideY = null;
  let caption = null;
  function applyGuides() {
    if (state.guides && !guideX) {
      guideX = el('div', { class: 'jy-guide jy-guide-x', 'aria-hidden': 'true' });
      guideY = el('div', { class: 'jy-guide jy-guide-y', 'aria-hidden': 'true' });
      document.body.append(guideX, guideY);
    }
    if (!state.guides && guideX) {
      guideX.remove();
      guideY.remove();
      guideX = guideY = null;
    }
  }
  function moveGuides(x, y) {
    if (!guideX) return;
    guideX.style.top = `${y}px`;
    guideY.style.left = `${x}px`;
  }
  function applyCaptions() {
    if (state.captions && !caption) {
      // Hidden from screen readers: it repeats, enlarged, what is already on the page.
      caption = el('div', { class: 'jy-caption', 'aria-hidden': 'true' });
      document.body.append(caption);
    }
    if (!state.captions && caption) {
      caption.remove();
      caption = null;
    }
    html.classList.toggle('jy-captions-on', state.captions);
  }
  function textOf(node) {
    if (node?.nodeType !== 1) return '';
    if (node.closest('#jy-a11y')) {
      const b = node.closest('button');
      return b ? b.textContent.trim() : '';
    }
    const target = node.closest('a, button, h1, h2, h3, h4, p, li, td, th, label, summary, figcaption, dt, dd') || node;
    let text = '';
    if (target.tagName === 'IMG') text = target.alt;
    else if (target.tagName === 'INPUT') text = target.getAttribute('aria-label') || target.placeholder || target.value;
    // biome-ignore lint/performance/useDomNodeTextContent: innerText leaves out hidden text, as a reader would.
    else text = target.getAttribute('aria-label') || target.innerText || target.textContent || '';
    // Ruby annotations would be read/shown twice.
    if (target.querySelector?.('rt')) {
      const clone = target.cloneNode(true);
      for (const r of clone.querySelectorAll('rt, rp')) r.remove();
      text = clone.textContent;
    }
    return text.replace(/\s+/g, ' ').trim().slice(0, 300);
  }
  function showCaption(text) {
    if (caption && text) caption.textContent = text;
  }

  /* ------------------------------------------------------------------ reading aloud */

  const synth = 'speechSynthesis' in window ? window.speechSynthesis : null;
  let reading = false;
  let lastSpoken = '';
  function voice() {
    return (
      synth?.getVoices().find((v) => /^zh(-|_)?CN/i.test(v.lang)) || synth?.getVoices().find((v) => /^zh/i.test(v.lang))
    );
  }
  function speak(text, onend) {
    if (!synth) {
      announce('您的浏览器不支持语音朗读');
      return;
    }
    const u = new SpeechSynthesisUtterance(text);
    u.lang = 'zh-CN';
    const v = voice();
    if (v) u.voice = v;
    u.rate = 0.95;
    if (onend) {
      u.onend = onend;
      u.onerror = onend;
    }
    synth.speak(u);
  }
  function speakNow(text) {
    if (!text || text === lastSpoken) return;
    lastSpoken = text;
    synth?.cancel();
    reading = false;
    speak(text);
  }
  function readBlocks(container) {
    const blocks = [...container.querySelectorAll('h1, h2, h3, h4, p, li, td, th, figcaption, dt, dd')].filter(
      (b) => !b.closest('#jy-a11y') && !b.querySelector('p, li, h1, h2, h3, h4') && b.offsetParent !== null,
    );
    if (!blocks.length) return;
    synth?.cancel();
    reading = true;
    sync();
    announce('开始连读，按 Esc 停止');
    let i = 0;
    const next = () => {
      for (const b of document.querySelectorAll('.jy-reading')) b.classList.remove('jy-reading');
      if (!reading || i >= blocks.length) {
        reading = false;
        sync();
        return;
      }
      const b = blocks[i++];
      const text = textOf(b);
      if (!text) return next();
      b.classList.add('jy-reading');
      b.scrollIntoView({ block: 'center', behavior: 'smooth' });
      showCaption(text);
      speak(text, next);
    };
    next();
  }
  function readAll() {
    if (!synth) {
      announce('您的浏览器不支持语音朗读');
      return;
    }
    readBlocks(document.querySelector('#article-body') || document.querySelector('main') || document.body);
  }
  // 口述网页结构: the regions and headings of the page, spoken and sent to the live region.
  const REGIONS = [
    ['header', '页头'],
    ['nav', '导航'],
    ['main', '主要内容'],
    ['aside', '侧栏'],
    ['footer', '页脚'],
  ];
  function describePage() {
    const visible = (e) => e.offsetParent !== null || e.tagName === 'MAIN';
    // Headers and footers inside articles or sections are not page regions.
    const region = (e) =>
      visible(e) &&
      !(/^(HEADER|FOOTER)$/.test(e.tagName) && e.parentElement.closest('article, aside, main, nav, section'));
    const regions = REGIONS.map(([sel, name]) => [name, [...document.querySelectorAll(sel)].filter(region).length])
      .filter(([, n]) => n > 0)
      .map(([name, n]) => (n > 1 ? `${name}${n}个` : name));
    const headings = [...document.querySelectorAll('main h1, main h2')]
      .filter((h) => visible(h) && !h.closest('#jy-a11y'))
      .map((h) => textOf(h))
      .filter(Boolean)
      .slice(0, 12);
    const title = document.querySelector('h1') ? textOf(document.querySelector('h1')) : document.title;
    const text = `当前页面：${title}。本页包括${regions.join('、')}。主要内容的标题有：${headings.join('；')}。按 Alt+Shift+1 跳到主要内容。`;
    announce(text);
    showCaption(text);
    synth?.cancel();
    reading = false;
    speak(text);
  }
  function stopReading() {
    reading = false;
    synth?.cancel();
    for (const b of document.querySelectorAll('.jy-reading')) b.classList.remove('jy-reading');
    sync();
    announce('已停止朗读');
  }

  /* ------------------------------------------------------------------ 简繁转换 and 拼音标注 */

  const loading = {};
  function loadScript(name, global) {
    if (window[global]) return Promise.resolve(window[global]);
    loading[name] ||= new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = BASE + name;
      s.async = true;
      s.onload = () => (window[global] ? resolve(window[global]) : reject(new Error(name)));
      s.onerror = () => {
        delete loading[name];
        reject(new Error(name));
      };
      document.head.append(s);
    });
    return loading[name];
  }
  const SKIP =
    'script, style, noscript, textarea, input, select, code, pre, rt, rp, #jy-a11y, .jy-caption, [data-jy-skip]';
  function textNodes(root) {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) =>
        n.nodeValue.trim() && !n.parentElement?.closest(SKIP) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT,
    });
    while (walker.nextNode()) out.push(walker.currentNode);
    return out;
  }
  // Original simplified text of each converted node, so switching back is exact.
  const simplified = new Map();
  let toTraditional = null;
  async function applyChinese() {
    if (state.traditional) {
      try {
        const OpenCC = await loadScript('opencc.js', 'OpenCC');
        toTraditional ||= OpenCC.Converter({ from: 'cn', to: 'tw' });
      } catch {
        announce('简繁转换组件加载失败');
        state.traditional = false;
        save();
        sync();
        return;
      }
      if (!state.traditional) return;
      for (const n of textNodes(document.body)) {
        if (simplified.has(n)) continue;
        const t = toTraditional(n.nodeValue);
        if (t !== n.nodeValue) {
          simplified.set(n, n.nodeValue);
          n.nodeValue = t;
        }
      }
      html.setAttribute('lang', 'zh-Hant');
    } else {
      for (const [n, text] of simplified) n.nodeValue = text;
      simplified.clear();
      html.setAttribute('lang', 'zh-CN');
    }
  }
  const HAN = /[\u3400-\u9fff\uf900-\ufaff]/;
  async function applyPinyin() {
    removePinyin();
    if (!state.pinyin) return;
    let lib;
    try {
      lib = await loadScript('pinyin-pro.js', 'pinyinPro');
    } catch {
      announce('拼音组件加载失败');
      state.pinyin = false;
      save();
      sync();
      return;
    }
    if (!state.pinyin) return;
    const scope = document.querySelector('main') || document.body;
    for (const n of textNodes(scope)) {
      if (!HAN.test(n.nodeValue)) continue;
      // Built with DOM nodes, never innerHTML: the page's text stays text.
      const span = el('span', { class: 'jy-py' });
      span.jyOriginal = n.nodeValue;
      // Keep the 简繁 bookkeeping with the text when it moves in and out of the span.
      if (simplified.has(n)) {
        span.jySimplified = simplified.get(n);
        simplified.delete(n);
      }
      const items = lib.pinyin(n.nodeValue, { type: 'all', toneType: 'symbol' });
      for (const it of items) {
        if (it.isZh) {
          span.append(el('ruby', {}, it.origin, el('rp', {}, '('), el('rt', {}, it.pinyin), el('rp', {}, ')')));
        } else span.append(it.origin);
      }
      n.replaceWith(span);
    }
    html.classList.add('jy-pinyin-on');
  }
  function removePinyin() {
    for (const span of document.querySelectorAll('span.jy-py')) {
      const text = document.createTextNode(span.jyOriginal ?? span.textContent);
      if (span.jySimplified !== undefined) simplified.set(text, span.jySimplified);
      span.replaceWith(text);
    }
    html.classList.remove('jy-pinyin-on');
  }
  async function applyText() {
    // Pinyin is annotated over the converted text, so take it off first and put it back after.
    const hadPinyin = document.querySelector('span.jy-py');
    if (hadPinyin) removePinyin();
    // Nodes the page itself removed since: nothing to restore there.
    for (const n of [...simplified.keys()]) if (!n.isConnected) simplified.delete(n);
    await applyChinese();
    await applyPinyin();
  }

  /* ------------------------------------------------------------------ toggles and reset */

  function toggle(name) {
    state[name] = !state[name];
    save();
    const labels = {
      guides: '辅助线',
      cursor: '大鼠标',
      captions: '大字幕',
      speech: '指读',
      traditional: '繁體',
      pinyin: '拼音标注',
    };
    if (name === 'guides') applyGuides();
    if (name === 'cursor') html.classList.toggle('jy-big-cursor', state.cursor);
    if (name === 'captions') applyCaptions();
    if (name === 'speech' && !state.speech) synth?.cancel();
    if (name === 'traditional' || name === 'pinyin') applyText().then(() => sync());
    sync();
    announce(`${labels[name]}已${state[name] ? '开启' : '关闭'}`);
  }
  function reset() {
    const open = state.open;
    stopReading();
    state = { ...DEFAULTS, open };
    try {
      localStorage.removeItem(KEY);
    } catch {}
    save();
    applyAll();
    sync();
    announce('已全部重置');
  }
  function applyAll() {
    applyZoom();
    applyContrast();
    applyGuides();
    applyCaptions();
    html.classList.toggle('jy-big-cursor', state.cursor);
    applyText().then(() => sync());
  }

  /* ------------------------------------------------------------------ events */

  function jump(selector) {
    const target = document.querySelector(selector);
    if (!target) return;
    if (!target.matches('a, button, input, select, textarea, [tabindex]')) target.setAttribute('tabindex', '-1');
    target.focus();
    target.scrollIntoView({ block: 'start' });
  }
  function onKey(e) {
    if (e.key === 'Escape' && reading) {
      stopReading();
      return;
    }
    if (!e.altKey || !e.shiftKey || e.ctrlKey || e.metaKey) return;
    const actions = {
      KeyA: () => {
        opener = document.activeElement;
        setOpen(!state.open);
      },
      Equal: () => setZoom(state.zoom + 0.1),
      NumpadAdd: () => setZoom(state.zoom + 0.1),
      Minus: () => setZoom(state.zoom - 0.1),
      NumpadSubtract: () => setZoom(state.zoom - 0.1),
      Digit0: () => setZoom(1),
      KeyC: cycleContrast,
      KeyL: () => toggle('guides'),
      KeyM: () => toggle('cursor'),
      KeyT: () => toggle('captions'),
      KeyS: () => toggle('speech'),
      KeyR: () => (reading ? stopReading() : readAll()),
      KeyH: describePage,
      KeyF: () => toggle('traditional'),
      KeyP: () => toggle('pinyin'),
      KeyX: reset,
      Digit1: () => jump('#main'),
      Digit2: () => jump('#site-nav a'),
      Digit3: () => jump('input[name="q"]'),
      Digit4: () => jump('footer'),
    };
    const action = actions[e.code];
    if (!action) return;
    e.preventDefault();
    if (!bar) build();
    action();
  }

  function start() {
    build();
    sync();
    applyAll();
    document.addEventListener('click', (e) => {
      const link = e.target.closest?.('[data-a11y-open]');
      if (!link) return;
      e.preventDefault();
      opener = link;
      setOpen(true);
    });
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousemove', (e) => moveGuides(e.clientX, e.clientY), { passive: true });
    const follow = (node) => {
      if (!state.captions && !state.speech) return;
      const text = textOf(node);
      if (state.captions) showCaption(text);
      if (state.speech && !reading) speakNow(text);
    };
    let hovered = null;
    document.addEventListener('mouseover', (e) => {
      if (e.target === hovered) return;
      hovered = e.target;
      follow(e.target);
    });
    document.addEventListener('focusin', (e) => {
      follow(e.target);
      if (guideX && e.target.getBoundingClientRect) {
        const r = e.target.getBoundingClientRect();
        moveGuides(r.left + r.width / 2, r.top + r.height / 2);
      }
    });
    for (const b of document.querySelectorAll('[data-read]')) {
      b.hidden = !synth;
      b.addEventListener('click', () => {
        const target = document.querySelector(b.getAttribute('data-read'));
        if (reading) stopReading();
        else if (target) readBlocks(target);
      });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
