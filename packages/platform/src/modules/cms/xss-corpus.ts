import sanitizeHtml from 'sanitize-html';
import { isSafeUrl } from './sanitize.js';

/**
 * XSS vectors in the style of the OWASP XSS Filter Evasion Cheat Sheet. Exported so the console's
 * browser test can render the cleaned output of the same corpus in a real browser.
 */
export const XSS_CORPUS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  "<IMG SRC=javascript:alert('XSS')>",
  "<IMG SRC=JaVaScRiPt:alert('XSS')>",
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  '<a onmouseover="alert(document.cookie)">xxs link</a>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
  '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
  '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097">',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
  '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>',
  '<IMG SRC="jav\tascript:alert(\'XSS\');">',
  '<IMG SRC="jav&#x09;ascript:alert(\'XSS\');">',
  '<IMG SRC="jav&#x0A;ascript:alert(\'XSS\');">',
  '<IMG SRC=" &#14;  javascript:alert(\'XSS\');">',
  '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
  '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
  '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
  '<SCRIPT SRC=http://xss.example/xss.js?< B >',
  '<iframe src=http://xss.example/scriptlet.html <',
  '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
  '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
  '<BODY BACKGROUND="javascript:alert(\'XSS\')">',
  '<IMG DYNSRC="javascript:alert(\'XSS\')">',
  '<svg/onload=alert("XSS")>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
  '<STYLE>li {list-style-image: url("javascript:alert(\'XSS\')");}</STYLE><UL><LI>XSS</br>',
  '<p style="background-image: url(javascript:alert(1)); color: red; text-align: center">x</p>',
  '<DIV STYLE="width: expression(alert(\'XSS\'));">',
  '<p style="behavior: url(xss.htc)">x</p>',
  '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
  '<IFRAME SRC="javascript:alert(\'XSS\');"></IFRAME>',
  '<FRAMESET><FRAME SRC="javascript:alert(\'XSS\');"></FRAMESET>',
  '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><tr><td BACKGROUND="javascript:alert(\'XSS\')">x</td></tr></TABLE>',
  '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
  '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+" type="image/svg+xml">',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
  '<img src="data:image/png;base64,iVBORw0KGgo=">',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="  javascript:alert(1)">x</a>',
  '<a href="java&#0;script:alert(1)">x</a>',
  '<a href="&#x6a;avascript:alert(1)">x</a>',
  '<video src=x onerror=alert(1) autoplay></video>',
  '<audio src=x onloadstart=alert(1)>',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<details open ontoggle=alert(1)>',
  '<BASE HREF="javascript:alert(\'XSS\');//">',
  '<img src="//evil.example/x.png">',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<p><a href="https://example.gov.cn" target="_top" onclick="steal()">ok</a></p>',
  '<xss style="xss:expression(alert(\'XSS\'))">',
  '<IMG STYLE="xss:expr/*XSS*/ession(alert(\'XSS\'))">',
];

interface Found {
  tag: string;
  attribs: Record<string, string>;
}

/** Every element and attribute of `html`, as a parser sees them. */
function elementsOf(html: string): Found[] {
  const found: Found[] = [];
  sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    transformTags: {
      '*': (tag, attribs) => {
        found.push({ tag, attribs });
        return { tagName: tag, attribs };
      },
    },
  });
  return found;
}

const FORBIDDEN_TAGS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'svg',
  'math',
  'form',
  'input',
  'button',
  'meta',
  'link',
  'base',
  'body',
  'details',
  'noscript',
]);
const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'background', 'dynsrc', 'action', 'data']);

/** What in cleaned HTML could still run script or load hostile content; empty when harmless. */
export function harmlessProblems(html: string): string[] {
  const problems: string[] = [];
  for (const { tag, attribs } of elementsOf(html)) {
    if (FORBIDDEN_TAGS.has(tag.toLowerCase())) problems.push(`tag <${tag}>`);
    for (const [name, value] of Object.entries(attribs)) {
      const attr = name.toLowerCase();
      if (attr.startsWith('on')) problems.push(`handler ${name}`);
      if (URL_ATTRIBUTES.has(attr) && (!isSafeUrl(value) || value.startsWith('//')))
        problems.push(`url ${name}=${value}`);
      if (attr === 'style' && !/^(text-align:(left|right|center|justify);?)*$/.test(value))
        problems.push(`style ${value}`);
    }
  }
  const lower = html.toLowerCase();
  for (const marker of ['javascript:', 'vbscript:', 'data:', 'expression(', '<script']) {
    if (lower.includes(marker)) problems.push(`text ${marker}`);
  }
  return problems;
}
