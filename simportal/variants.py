"""The two simulated portals: who publishes what, in which year, in which format.

Each report is (body key, year, template, options). Options override ReportPlan fields;
"dashes" lists cells printed as "—" (not given). A body's report carries in what its report of
the year before carried out, unless "restates_carried_in" (as real reports sometimes do).
"""

from __future__ import annotations

from datetime import date

from .model import Body, Portal

DEMO_PORTAL = Portal(
    county="青岚县",
    column_path="/xxgk/gknb/",
    column_name="政府信息公开年报",
    items_per_page=8,
    site_code="4109230001",
)

DEMO_BODIES = {
    "county": Body(name="青岚县人民政府", code="000014349", kind="county"),
    "education": Body(name="青岚县教育局", code="010257063", kind="department"),
    "finance": Body(name="青岚县财政局", code="010257071", kind="department"),
    "health": Body(name="青岚县卫生健康委员会", code="010257098", kind="department"),
    "land": Body(name="青岚县自然资源局", code="010257102", kind="department"),
    "chengguan": Body(name="城关镇人民政府", code="010258011", kind="township"),
    "qingshi": Body(name="青石镇人民政府", code="010258038", kind="township"),
    "liuhe": Body(name="柳河乡人民政府", code="010258046", kind="township"),
    "baisha": Body(name="白沙乡人民政府", code="010258054", kind="township"),
    "water": Body(name="青岚县水利局", code="010257129", kind="department"),
}

DEMO_REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {}),
    ("county", 2022, "v2021", {"tables_in": "both", "attachment": "docx"}),
    ("county", 2021, "v2021", {"restates_carried_in": True}),
    ("county", 2020, "v2019", {"dashes": (("proactive", "procurement", "amount"),
                                          ("proactive", "other_services", "prev_year_count"))}),
    ("county", 2019, "v2019", {}),
    ("education", 2023, "v2021", {"encoding": "gbk-meta"}),
    ("education", 2022, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("finance", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("finance", 2021, "v2021", {"encoding": "gbk-wrong-header", "social_org_label": "社会组织"}),
    ("health", 2020, "v2019", {}),
    ("land", 2023, "v2021", {}),
    ("chengguan", 2022, "v2019", {}),  # a 2021+ report still on the old template
    ("chengguan", 2021, "v2021", {"dead_attachment": True}),
    ("qingshi", 2023, "v2021", {"dashes": (("proactive", "fees", "amount_10k_yuan"),
                                           ("requests", "denied_state_secret", "research"))}),
    ("liuhe", 2022, "v2021", {"title_has_year": False}),
    ("baisha", 2021, "v2021", {"heading_style": "arabic"}),
    ("baisha", 2020, "v2019", {}),
)

# (title, kind, publication date, publisher key)
DEMO_OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("青岚县人民政府信息公开指南", "guide", date(2023, 2, 10), "county"),
    ("青岚县人民政府信息公开目录", "catalogue", date(2022, 6, 8), "county"),
    ("关于做好2022年度政府信息公开工作年度报告编制发布工作的通知", "notice", date(2023, 1, 5), "county"),
    ("2023年青岚县人民政府工作报告", "work_report", date(2023, 2, 20), "county"),
    ("青岚县2022年度行政执法数据统计年报", "statistics", date(2023, 1, 30), "county"),
    ("青岚县水利局2021年政府信息公开工作年度报告", "dead", date(2022, 1, 27), "water"),
)


UNSEEN_PORTAL = Portal(
    county="云溪县",
    column_path="/zwgk/zfxxgkndbg/",
    column_name="政府信息公开年度报告",
    items_per_page=5,
    site_code="5326270002",
    link_style="rooted",
    editor_class="Custom_UnionStyle",
    title_tag="div",
    index_style="credit",
    pager_inline=True,
)

UNSEEN_BODIES = {
    "county": Body(name="云溪县人民政府", code="11532627015178342K", kind="county"),
    "civil": Body(name="云溪县民政局", code="11532627015178481C", kind="department"),
    "market": Body(name="云溪县市场监督管理局", code="11532627MB1E23745R", kind="department"),
    "transport": Body(name="云溪县交通运输局", code="115326270151785026", kind="department"),
    "xiaba": Body(name="下坝镇人民政府", code="11532627015179103P", kind="township"),
    "songlin": Body(name="松林乡人民政府", code="115326270151792083", kind="township"),
    "huangni": Body(name="黄泥塘镇人民政府", code="11532627015179304Y", kind="township"),
}

_SOCIAL = {"social_org_label": "社会组织"}

UNSEEN_REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf", **_SOCIAL}),
    ("county", 2022, "v2021", {"tables_in": "both", "attachment": "docx"}),
    ("county", 2021, "v2021", {"encoding": "gbk-undeclared", **_SOCIAL}),
    ("county", 2020, "v2019", {"heading_style": "arabic"}),
    ("civil", 2023, "v2021", {"encoding": "gbk-meta", **_SOCIAL}),
    ("civil", 2022, "v2019", {}),
    ("market", 2022, "v2021", {"tables_in": "attachment", "attachment": "docx",
                               "dashes": (("proactive", "fees", "amount_10k_yuan"),)}),
    ("transport", 2021, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("transport", 2019, "v2019", {"dashes": (("proactive", "fees", "change"),)}),
    ("xiaba", 2023, "v2021", {"title_has_year": False, **_SOCIAL}),
    ("xiaba", 2022, "v2021", {}),
    ("songlin", 2021, "v2019", {"encoding": "gbk-wrong-header"}),
    ("huangni", 2023, "v2021", {"heading_style": "arabic", "dead_attachment": True}),
    ("huangni", 2020, "v2019", {}),
)

UNSEEN_OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("云溪县人民政府信息公开指南（2023年修订）", "guide", date(2023, 3, 2), "county"),
    ("2024年云溪县政府工作报告", "work_report", date(2024, 1, 29), "county"),
    ("云溪县民政局2022年度社会救助统计年报", "statistics", date(2023, 2, 14), "civil"),
    ("关于开展2023年度政务公开工作考核的通知", "notice", date(2023, 11, 20), "county"),
    ("云溪县交通运输局2022年政府信息公开工作年度报告", "dead", date(2023, 1, 18), "transport"),
)

VARIANTS = {
    "demo": (DEMO_PORTAL, DEMO_BODIES, DEMO_REPORTS, DEMO_OTHERS, 4109),
    "unseen": (UNSEEN_PORTAL, UNSEEN_BODIES, UNSEEN_REPORTS, UNSEEN_OTHERS, 5326),
}
