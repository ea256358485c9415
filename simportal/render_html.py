"""HTML in the manner of a TRS WCM county portal: chrome, column list pages, detail pages."""

from __future__ import annotations

from datetime import date
from html import escape

from .model import Portal
from .tables import Cell, Grid, column_count

_STYLE = "/css/style.css"
_NAV = (
    ("首页", "/index.html"),
    ("政务公开", "/xxgk/index.html"),
    ("通知公告", "/xxgk/tzgg/index.html"),
    ("政策文件", "/xxgk/zcwj/index.html"),
    ("互动交流", "/hdjl/index.html"),
    ("中国政府网", "http://www.gov.cn/"),
)


def charset_meta(charset: str | None) -> str:
    if charset is None:
        return ""
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'


def page(portal: Portal, *, title: str, main: str, charset: str | None = "utf-8", extra_meta: str = "") -> str:
    site_name = f"{portal.county}人民政府"
    nav = "".join(f'<li><a href="{href}" target="_blank">{escape(text)}</a></li>' for text, href in _NAV)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_meta(charset)}<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<meta name="SiteName" content="{site_name}" />
<meta name="SiteDomain" content="www.example.gov.cn" />
<meta name="SiteIDCode" content="{portal.site_code}" />
{extra_meta}<title>{escape(title)}_{site_name}</title>
<link href="{_STYLE}" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/js/jquery.min.js"></script>
</head>
<body>
<div class="top"><div class="w1200"><span class="fl">欢迎访问{site_name}门户网站</span>
<span class="fr"><a href="javascript:void(0)" onclick="AddFavorite()">加入收藏</a> | <a href="/wza/index.html">无障碍浏览</a></span></div></div>
<div class="header"><div class="w1200"><a href="/index.html" class="logo"><img src="/images/logo.png" alt="{site_name}" /></a>
<form class="search" action="/search/" method="get"><input type="text" name="searchword" placeholder="请输入关键字" /><input type="submit" value="搜索" /></form></div></div>
<div class="nav"><ul class="w1200">{nav}</ul></div>
<div class="w1200 main">
{main}
</div>
<div class="footer"><div class="w1200">
<p>主办单位：{site_name}办公室　承办单位：{portal.county}大数据发展中心</p>
<p>网站标识码：{portal.site_code}　<a href="https://beian.miit.gov.cn/" target="_blank">ICP备案号：示ICP备05001234号</a></p>
<p><a href="http://bszs.conac.cn/" target="_blank"><img src="/images/red.png" alt="党政机关" /></a></p>
</div></div>
</body>
</html>
"""


def breadcrumb(portal: Portal) -> str:
    return (
        '<div class="position">当前位置：<a href="/index.html">首页</a> &gt; '
        '<a href="/xxgk/index.html">政务公开</a> &gt; '
        f'<a href="{portal.column_path}index.html">{escape(portal.column_name)}</a></div>'
    )


# ---- list pages ------------------------------------------------------------------------

PAGER_PATH = "/js/page.js"
PAGER_FUNCTION = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  var link = function(i){ return i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt; };
  document.write("<span>共" + _nPageCount + "页</span>&nbsp;");
  if(nCurrIndex == 0){ document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;"); }
  else { document.write("<a href=\\"" + link(0) + "\\">首页</a>&nbsp;<a href=\\"" + link(nCurrIndex - 1) + "\\">上一页</a>&nbsp;"); }
  if(nCurrIndex == _nPageCount - 1){ document.write("<span>下一页</span>&nbsp;<span>尾页</span>"); }
  else { document.write("<a href=\\"" + link(nCurrIndex + 1) + "\\">下一页</a>&nbsp;<a href=\\"" + link(_nPageCount - 1) + "\\">尾页</a>"); }
}
"""


def list_main(portal: Portal, entries: tuple[tuple[str, str, date], ...], index: int, count: int) -> str:
    """``entries`` are (href as written in the page, full title, publication date)."""
    items = "\n".join(_list_item(portal, href, title, day) for href, title, day in entries)
    return f"""{breadcrumb(portal)}
<div class="list-left"><div class="xxgk-menu"><h3>政府信息公开</h3><ul>
<li><a href="/xxgk/zn/index.html">政府信息公开指南</a></li>
<li><a href="/xxgk/zd/index.html">政府信息公开制度</a></li>
<li><a href="{portal.column_path}index.html" class="on">{escape(portal.column_name)}</a></li>
</ul></div></div>
<div class="list-right">
<div class="list-title"><span>{escape(portal.column_name)}</span></div>
<ul class="list">
{items}
</ul>
<div class="page">
{_pager_source(portal)}
<script type="text/javascript">createPageHTML({count}, {index}, "index", "html");</script>
</div>
</div>"""


def _pager_source(portal: Portal) -> str:
    if portal.pager_inline:
        return f'<script type="text/javascript">\n{PAGER_FUNCTION}</script>'
    return f'<script type="text/javascript" src="{PAGER_PATH}"></script>'


def _list_item(portal: Portal, href: str, title: str, day: date) -> str:
    shown = title if len(title) <= 30 else title[:29] + "..."
    if portal.link_style == "rooted":
        return (f'<li><span class="date">{day.isoformat()}</span>'
                f'<a href="{href}" target="_blank" title="{escape(title)}">{escape(shown)}</a></li>')
    return (f'<li><a href="{href}" target="_blank" title="{escape(title)}">{escape(shown)}</a>'
            f'<span>{day.isoformat()}</span></li>')


# ---- detail pages ----------------------------------------------------------------------

def article_meta(title: str, publisher: str, day: date) -> str:
    return (
        f'<meta name="ArticleTitle" content="{escape(title)}" />\n'
        f'<meta name="PubDate" content="{day.isoformat()} 09:30" />\n'
        f'<meta name="ContentSource" content="{escape(publisher)}" />\n'
    )


def metadata_block(fields: tuple[tuple[str, str], ...]) -> str:
    """The 信息公开 head table: label/value pairs two to a row."""
    cells = [f'<td class="t1">{escape(label)}：</td><td class="t2">{escape(value)}</td>' for label, value in fields]
    rows = "".join(f"<tr>{''.join(cells[i:i + 2])}</tr>\n" for i in range(0, len(cells), 2))
    return f'<div class="xxgk-info"><table class="xxgk_table" cellspacing="0" cellpadding="0">\n{rows}</table></div>'


def detail_main(portal: Portal, *, title: str, publisher: str, day: date,
                metadata: tuple[tuple[str, str], ...], content: str) -> str:
    heading = (f"<h1>{escape(title)}</h1>" if portal.title_tag == "h1"
               else f'<div class="title">{escape(title)}</div>')
    editor = f'<div class="{portal.editor_class}">' if portal.editor_class != "Custom_UnionStyle" else \
        '<div id="zoom"><div class="Custom_UnionStyle">'
    close = "</div>" if portal.editor_class != "Custom_UnionStyle" else "</div></div>"
    return f"""{breadcrumb(portal)}
<div class="article">
{metadata_block(metadata)}
{heading}
<div class="pages-date">发布时间：{day.isoformat()}　来源：{escape(publisher)}　<span class="font">【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
<div class="pages_content">
{editor}
{content}
{close}
</div>
<div class="pages-bottom"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>"""


# ---- Word-pasted content ---------------------------------------------------------------

def paragraph(text: str, *, bold: bool = False, center: bool = False, indent: bool = True) -> str:
    style = "text-align:center;line-height:28.0pt" if center else (
        "text-indent:32.0pt;line-height:28.0pt" if indent else "line-height:28.0pt")
    family = "黑体" if bold else "仿宋_GB2312"
    span = f'<span style="font-size:16.0pt;font-family:{family}">{escape(text)}</span>'
    if bold:
        span = f"<b>{span}</b>"
    return f'<p class="MsoNormal" style="{style}">{span}</p>'


def word_table(grid: Grid) -> str:
    width = column_count(grid)
    rows = []
    for r, row in enumerate(grid):
        cells = "".join(_word_cell(cell, r, c, width) for c, cell in enumerate(row))
        rows.append(f' <tr style="mso-yfti-irow:{r};height:20.0pt">{cells}</tr>')
    body = "\n".join(rows)
    return (
        '<div align="center"><table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
        'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;'
        'mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt">\n<tbody>\n'
        f"{body}\n</tbody></table></div>"
    )


def _word_cell(cell: Cell, r: int, c: int, width: int) -> str:
    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    points = round(450 / width * cell.colspan, 1)
    return (
        f'<td width="{int(points * 4 / 3)}"{spans} valign="center" style="width:{points}pt;'
        'border:solid windowtext 1.0pt;border-top:none;padding:0cm 5.4pt 0cm 5.4pt">'
        f"{_word_paragraph(cell, r + c)}</td>"
    )


def _word_paragraph(cell: Cell, variety: int) -> str:
    text = "<br />".join(escape(part) for part in cell.text.split("\n"))
    is_number = not cell.header and _looks_numeric(cell.text)
    if is_number:
        font = "font-size:10.5pt;font-family:&quot;Times New Roman&quot;,serif"
        inner = f'<span lang="EN-US" style="{font}">{text}</span>'
        if variety % 3 == 1:  # Word often wraps a number twice and leaves an empty <o:p>
            inner = f'<span style="{font}"><span lang="EN-US">{text}<o:p></o:p></span></span>'
        elif variety % 3 == 2:
            inner = f'<span lang="EN-US" style="{font}">&nbsp;{text}&nbsp;</span>'
    else:
        inner = f'<span style="font-size:10.5pt;font-family:宋体">{text}</span>'
        if cell.header:
            inner = f"<b>{inner}</b>"
    return (f'<p class="MsoNormal" align="center" style="text-align:center;line-height:15.0pt">'
            f"{inner}</p>")


def _looks_numeric(text: str) -> bool:
    return text == "—" or text.lstrip("-").replace(".", "", 1).isdigit()
