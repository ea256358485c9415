"""Report pages in the markup of several portal CMSs and editors, from the same blocks of content.

- ``word_paste``: a Word document pasted into the editor: ``MsoNormalTable``, ``mso-``
  styles, unquoted attributes, a width on every cell, ``<p><span>`` in every cell, header
  text as one ``<p>`` per line, ``&nbsp;`` runs, empty ``<o:p>``, numbers split over runs.
- ``p_cells``: a web editor (UEditor-like): ``<p>`` with inline styles inside every cell,
  percentage widths, ``&nbsp;`` for blank cells' padding.
- ``br_headers``: plain tables whose header and label text is broken by ``<br>``.
Chromes: ``hanweb_page`` (大汉 JCMS: ``div#zoom`` between ContentStart/ContentEnd) and
``gkmlpt_page`` (Guangdong gkmlpt: ``div.classify`` metadata, ``div.article-content``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from simportal.tables import Cell, Grid, column_count

Block = tuple[str, str]  # (kind, text): title | p | h | table (text: the table's name) | sign


# ---- Word paste -------------------------------------------------------------------------------

_WORD_HEAD = """<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>
<w:PunctuationKerning/><w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>
</w:WordDocument></xml><![endif]--><!--[if gte mso 10]><style>
 table.MsoNormalTable {mso-style-name:普通表格;mso-tstyle-rowband-size:0;mso-style-noshow:yes;
 mso-padding-alt:0cm 5.4pt 0cm 5.4pt;font-size:10.5pt;font-family:"Times New Roman",serif;}
</style><![endif]-->"""


def _word_runs(text: str, number: bool, seed: int) -> str:
    if number and len(text) > 1 and seed % 4 == 0:  # Word splits a number over runs after an edit
        head, tail = text[:1], text[1:]
        return (f"<span lang=EN-US style='font-size:10.5pt;font-family:\"Times New Roman\",serif;"
                f"mso-fareast-font-family:仿宋_GB2312'>{escape(head)}</span><span lang=EN-US "
                f"style='font-size:10.5pt;font-family:\"Times New Roman\",serif'>{escape(tail)}<o:p></o:p></span>")
    if number:
        return (f"<span lang=EN-US style='font-size:10.5pt;font-family:\"Times New Roman\",serif;"
                f"mso-fareast-font-family:仿宋_GB2312;color:black'>{escape(text)}<o:p></o:p></span>")
    spaced = escape(text).replace("  ", "&nbsp;&nbsp;")
    return (f"<span style='font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\";"
            f"mso-hansi-font-family:\"Times New Roman\";color:black'>{spaced}</span>"
            "<span lang=EN-US style='font-size:10.5pt'><o:p></o:p></span>")


def _word_cell(cell: Cell, seed: int, width: int) -> str:
    spans = (f" rowspan={cell.rowspan}" if cell.rowspan > 1 else "") + (
        f" colspan={cell.colspan}" if cell.colspan > 1 else "")
    points = round(440 / width * cell.colspan, 2)
    number = not cell.header and _numeric(cell.text)
    lines = cell.text.split("\n") if cell.text else [""]
    if cell.header and len(lines) > 1 and seed % 2:  # "结果&nbsp;&nbsp;维持": the break typed as spaces
        lines = ["  ".join(lines)]
    paragraphs = "".join(
        "<p class=MsoNormal align=center style='text-align:center;line-height:14.0pt;"
        "mso-line-height-rule:exactly'>"
        + (_word_runs(line, number, seed) if line else "<span lang=EN-US>&nbsp;<o:p></o:p></span>") + "</p>"
        for line in lines
    )
    return (f"<td width={int(points * 4 / 3)}{spans} style='width:{points}pt;border:solid windowtext 1.0pt;"
            "border-top:none;mso-border-top-alt:solid windowtext .5pt;mso-border-alt:solid windowtext .5pt;"
            f"padding:0cm 5.4pt 0cm 5.4pt'>\n  {paragraphs}</td>")


def _word_table(grid: Grid) -> str:
    width = column_count(grid)
    rows = "\n".join(
        f" <tr style='mso-yfti-irow:{r};height:21.25pt'>\n"
        + "\n".join(_word_cell(cell, r * 7 + c, width) for c, cell in enumerate(row)) + "\n </tr>"
        for r, row in enumerate(grid)
    )
    return ("<div align=center>\n<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=587 "
            "style='width:440.0pt;border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;"
            "mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>\n"
            f"{rows}\n</table>\n</div>")


def _word_paragraph(kind: str, text: str) -> str:
    if kind == "title":
        return ("<p class=MsoNormal align=center style='text-align:center;line-height:28.0pt;"
                "mso-line-height-rule:exactly'><b><span style='font-size:22.0pt;font-family:方正小标宋简体'>"
                f"{escape(text)}<span lang=EN-US><o:p></o:p></span></span></b></p>")
    if kind == "sign":
        return ("<p class=MsoNormal align=right style='text-align:right;line-height:28.0pt'>"
                f"<span style='font-size:16.0pt;font-family:仿宋_GB2312'>{escape(text)}</span></p>")
    family = "黑体" if kind == "h" else "仿宋_GB2312"
    return ("<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;"
            f"mso-line-height-rule:exactly'><span style='font-size:16.0pt;font-family:{family};"
            f"mso-hansi-font-family:\"Times New Roman\"'>{escape(text)}<span lang=EN-US><o:p></o:p></span>"
            "</span></p>")


def word_paste(blocks: Sequence[Block], grids: Mapping[str, Grid]) -> str:
    parts = [_WORD_HEAD, "<div class=WordSection1 style='layout-grid:15.6pt'>"]
    for kind, text in blocks:
        parts.append(_word_table(grids[text]) if kind == "table" else _word_paragraph(kind, text))
    parts.append("<p class=MsoNormal><span lang=EN-US>&nbsp;<o:p></o:p></span></p>\n</div>")
    return "\n".join(parts)


# ---- <p> in every cell ------------------------------------------------------------------------

def _p_cell(cell: Cell, width: int) -> str:
    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
    share = round(100 * cell.colspan / width, 2)
    text = "".join(
        f'<p style="margin-top:0;margin-bottom:0;text-align:center;line-height:1.5em;text-indent:0">'
        f'<span style="font-family:宋体,SimSun;font-size:14px">{escape(line) or "&nbsp;"}</span></p>'
        for line in cell.text.split("\n")
    )
    return (f'<td width="{share}%" valign="middle"{spans} style="border:1px solid windowtext;'
            f'padding:0px 7px;word-break:break-all">{text}</td>')


def p_cells(blocks: Sequence[Block], grids: Mapping[str, Grid]) -> str:
    parts = []
    for kind, text in blocks:
        if kind == "table":
            grid = grids[text]
            width = column_count(grid)
            rows = "".join(f"<tr>{''.join(_p_cell(cell, width) for cell in row)}</tr>" for row in grid)
            parts.append('<table border="1" cellspacing="0" cellpadding="0" width="100%" '
                         f'style="border-collapse:collapse;width:100%;border:none"><tbody>{rows}</tbody></table>')
        else:
            align = {"title": "center", "sign": "right"}.get(kind, "justify")
            indent = "2em" if kind in ("p", "h") else "0"
            weight = "font-weight:bold;" if kind in ("title", "h") else ""
            parts.append(f'<p style="text-align:{align};text-indent:{indent};line-height:2em">'
                         f'<span style="font-family:仿宋_GB2312,仿宋;font-size:16px;{weight}">{escape(text)}</span></p>')
    return "\n".join(parts)


# ---- <br> in headers --------------------------------------------------------------------------

def br_headers(blocks: Sequence[Block], grids: Mapping[str, Grid]) -> str:
    parts = []
    for kind, text in blocks:
        if kind == "table":
            rows = []
            for row in grids[text]:
                cells = []
                for cell in row:
                    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                        f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
                    tag = "th" if cell.header else "td"
                    cells.append(f"<{tag}{spans}>{'<br>'.join(escape(line) for line in cell.text.split(chr(10)))}"
                                 f"</{tag}>")
                rows.append(f"<tr>{''.join(cells)}</tr>")
            parts.append('<table border="1" cellspacing="0" cellpadding="2" align="center">'
                         + "\n".join(rows) + "</table>")
        elif kind == "title":
            parts.append(f"<h2 style=\"text-align:center\">{escape(text)}</h2>")
        elif kind == "h":
            parts.append(f"<p><strong>{escape(text)}</strong></p>")
        else:
            align = ' align="right"' if kind == "sign" else ""
            parts.append(f"<p{align}>　　{escape(text)}</p>")
    return "\n".join(parts)


def _numeric(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).isdigit()


# ---- chromes ------------------------------------------------------------------------------------

def hanweb_page(*, site: str, title: str, publisher: str, day: date, index_code: str, content: str,
                column_id: int, article_id: int) -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<meta name="SiteName" content="{escape(site)}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{escape(title)}">
<meta name="PubDate" content="{day.isoformat()} 10:12">
<meta name="ContentSource" content="{escape(publisher)}">
<script type="text/javascript" src="/script/0/jquery.min.js"></script>
</head>
<body>
<div class="head"><div class="logo"><img src="/picture/0/logo.png" alt="{escape(site)}"></div>
<ul class="menu"><li><a href="/">首页</a></li><li><a href="/col/col{column_id - 3}/index.html">政务公开</a></li></ul></div>
<div class="main-wrap">
<div class="bt-position">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col{column_id}/index.html">政府信息公开年报</a></div>
<table class="xxgk-head" width="100%" border="0" cellspacing="0" cellpadding="0">
<tr><td>索引号：</td><td>{escape(index_code)}</td><td>发布机构：</td><td>{escape(publisher)}</td></tr>
<tr><td>发布日期：</td><td>{day.isoformat()}</td><td>主题分类：</td><td>综合政务</td></tr>
</table>
<div class="article-title">{escape(title)}</div>
<div class="article-info">来源：{escape(publisher)}　发布时间：{day.isoformat()}　浏览次数：<script>_showDynClicks("wcmdocument", {article_id})</script></div>
<div id="zoom">
<meta name="ContentStart">
{content}
<meta name="ContentEnd">
</div>
<div class="share"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>
<div class="foot">主办：{escape(site)}　网站标识码：3311000017</div>
</body>
</html>
"""


def gkmlpt_page(*, site: str, title: str, publisher: str, day: date, index_code: str, content: str,
                post_id: int) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}-{escape(site)}</title>
<meta name="ArticleTitle" content="{escape(title)}">
<meta name="PubDate" content="{day.isoformat()} 16:40:21">
<meta name="ContentSource" content="{escape(publisher)}">
<link rel="stylesheet" href="/gkmlpt/static/css/content.css">
<script>window._CONFIG = {{SID: '755012', POST_ID: {post_id}}};</script>
</head>
<body>
<div class="header"><span class="site">{escape(site)}</span> 政府信息公开</div>
<div class="content-box">
<div class="classify">
<table>
<tr><td class="td-label">索引号：</td><td class="td-value"><span>{escape(index_code)}</span></td>
<td class="td-label">分类：</td><td class="td-value"><span>其他</span></td></tr>
<tr><td class="td-label">发布机构：</td><td class="td-value"><span>{escape(publisher)}</span></td>
<td class="td-label">成文日期：</td><td class="td-value"><span>{day.isoformat()}</span></td></tr>
<tr><td class="td-label">名称：</td><td class="td-value" colspan="3"><span>{escape(title)}</span></td></tr>
<tr><td class="td-label">文号：</td><td class="td-value"><span></span></td>
<td class="td-label">发布日期：</td><td class="td-value"><span>{day.isoformat()}</span></td></tr>
</table>
</div>
<div class="content">
<h1 class="title document-number">{escape(title)}</h1>
<div class="date-row">发布日期：{day.isoformat()}　浏览次数：<span id="visit_count"></span></div>
<div class="article-content">
{content}
</div>
</div>
</div>
<div class="footer">{escape(site)}版权所有</div>
<script src="/gkmlpt/static/js/content.js"></script>
</body>
</html>
"""
