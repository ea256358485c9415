"""Reading tables from .docx files (python-docx) with merged cells."""

import io
import zipfile

import pytest

from extract.tables import tables_from_docx
from extract.tables.docx import DocxError, rows_from_docx

from . import report_fixtures as rf



@pytest.fixture(scope="module")
def docx_files():
    """Built once: python-docx merges cells slowly."""
    return {
        (template, order): rf.to_docx(rf.report_blocks(template, order))
        for template in ("v2019", "v2021")
        for order in (rf.STANDARD_ORDER, rf.REORDERED)
    }


@pytest.mark.parametrize("order", [rf.STANDARD_ORDER, rf.REORDERED], ids=["standard", "reordered"])
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_every_key_reads_right(docx_files, template, order):
    content = docx_files[(template, order)]
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert "w:gridSpan" in xml and "w:vMerge" in xml
    tables = tables_from_docx(content)
    rf.assert_reads_every_key(tables, template)


def test_merged_cells_appear_once(docx_files):
    rows = rows_from_docx(docx_files[("v2021", rf.STANDARD_ORDER)])
    flat = [cell for row in rows for cell in row]
    assert flat.count("三、本年度办理结果") == 1
    assert flat.count("申请人情况") == 1
    assert flat.count("（三）不予公开") == 1
    assert ("三、收到和处理政府信息公开申请情况",) in rows


def test_full_width_and_not_given_cells(docx_files):
    values = rf.values_by_key(tables_from_docx(docx_files[("v2021", rf.STANDARD_ORDER)]))
    assert values[("requests", "new", "natural_person")].raw == "１０"
    assert values[("requests", "new", "natural_person")].value == 10
    assert values[("proactive", "enforcement", "decisions")].value is None
    assert str(values[("proactive", "fees", "amount_10k_yuan")].value) == "12.3456"


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04 truncated"])
def test_unreadable_docx_raises_a_clear_error(content):
    with pytest.raises(DocxError, match="not a readable .docx"):
        tables_from_docx(content)
