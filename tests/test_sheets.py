"""Reports published as spreadsheets: .xlsx (openpyxl) and .xls (xlrd), merged header cells."""

import io
from decimal import Decimal

import pytest

from extract import ExtractionError, extract_document
from extract.numbers import parse_number
from extract.records import Tables
from extract.sheets import cell_text, read_xls, read_xlsx

from . import report_fixtures as rf
from .test_convert import convert_with_soffice, needs_soffice

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_value(text: str):
    """Numbers as a spreadsheet stores them; the full-width and "—" cells stay text, as typed."""
    number = parse_number(text)
    if number is None or not text.isascii():
        return text.replace("\n", "") or None
    return int(number) if number == number.to_integral_value() else float(number)


def _write_grid(sheet, grid: rf.Grid, top: int) -> None:
    for cell in grid.cells:
        row, column = top + cell.row, 1 + cell.column
        target = sheet.cell(row=row, column=column, value=_cell_value(rf._plain(cell.text)))
        if isinstance(target.value, int) and abs(target.value) >= 1000:
            target.number_format = "#,##0"
        if cell.rowspan > 1 or cell.colspan > 1:
            sheet.merge_cells(start_row=row, start_column=column,
                              end_row=row + cell.rowspan - 1, end_column=column + cell.colspan - 1)


def report_xlsx(template: str, *, one_sheet_per_table: bool = False) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "年度报告"
    top = 1
    for block in rf.report_blocks(template):
        if isinstance(block, rf.Grid):
            _write_grid(sheet, block, top)
            top += block.height
        elif one_sheet_per_table and block[:2] in ("二、", "三、", "四、"):
            sheet = workbook.create_sheet(block)
            top = 1
        else:
            sheet.cell(row=top, column=1, value=block)
            top += 1
    workbook.create_sheet("说明").sheet_state = "hidden"
    workbook["说明"]["A1"] = "一、本年新收政府信息公开申请数量"
    workbook["说明"]["B1"] = 999
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def assert_report(document, template, kind):
    assert document.format == kind
    assert document.is_annual_report
    assert document.title == "某某镇人民政府2022年政府信息公开工作年度报告"
    assert (document.identity.body, document.identity.year) == ("某某镇人民政府", 2022)
    rf.assert_reads_every_key(Tables(template=document.template, values=document.values,
                                     warnings=document.warnings), template)


@pytest.mark.parametrize("one_sheet_per_table", [False, True], ids=["one sheet", "sheet per table"])
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_xlsx_reads_every_key(template, one_sheet_per_table):
    content = report_xlsx(template, one_sheet_per_table=one_sheet_per_table)
    document = extract_document(content, url="http://x.gov.cn/files/report.xlsx", content_type=XLSX_TYPE)
    assert_report(document, template, "xlsx")


def test_merged_cells_keep_their_text_in_the_first_slot_only():
    sheets = read_xlsx(report_xlsx("v2021"))
    rows = sheets[0].rows
    header = next(row for row in rows if row and row[0] == "行政复议")
    assert header[:6] == ("行政复议", "", "", "", "", "行政诉讼")
    assert [sheet.name for sheet in sheets] == ["年度报告"]  # the hidden sheet is left out
    money = next(row for row in rows if row and row[0] == "行政事业性收费")
    assert money[1] == "12.3456"


@pytest.fixture(scope="module")
def xls_files():
    files = {f"{template}.xlsx": report_xlsx(template) for template in ("v2019", "v2021")}
    return {name.removesuffix(".xlsx"): content for name, content in convert_with_soffice(files, "xls").items()}


@needs_soffice
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_xls_reads_every_key_without_libreoffice(xls_files, template, monkeypatch, tmp_path):
    content = xls_files[template]
    assert content.startswith(b"\xd0\xcf\x11\xe0")
    monkeypatch.setenv("PATH", str(tmp_path))  # xlrd reads BIFF itself
    document = extract_document(content, url="http://x.gov.cn/files/report.xls")
    assert_report(document, template, "xls")


@needs_soffice
def test_xls_from_a_spreadsheet_named_wps_office_et(xls_files):
    document = extract_document(xls_files["v2021"], url="http://x.gov.cn/files/report.et",
                                content_type="application/wps-office.et")
    assert_report(document, "v2021", "xls")
    assert [sheet.name for sheet in read_xls(xls_files["v2021"])] == ["年度报告"]


@pytest.mark.parametrize(
    ("content", "url", "message"),
    [
        (report_xlsx("v2021")[:900], "http://x.gov.cn/a.xlsx", r"^\.xlsx spreadsheet cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "http://x.gov.cn/a.xls",
         r"^legacy \.xls spreadsheet cannot be read"),
    ],
    ids=["truncated xlsx", "damaged xls"],
)
def test_damaged_spreadsheets_raise_a_clear_error(content, url, message):
    with pytest.raises(ExtractionError, match=message):
        extract_document(content, url=url)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (1520.0, "1520"), (12.3456, "12.3456"), (-3, "-3"), (0.1 + 0.2, "0.30000000000000004"),
     (1e16, "10000000000000000"), (" 行政许可 ", "行政许可"), (Decimal("125.3456"), "125.3456")],
)
def test_cell_text_reads_back_as_the_stored_number(value, text):
    assert cell_text(value) == text
