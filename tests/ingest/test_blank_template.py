"""A district fills the blank template the way a person would and the file
loads without a single error."""

from datetime import date

import openpyxl

from ingest.blank_template import write_template
from ingest.templates import TEMPLATES
from kernel.home import Home
from tests.ingest.test_load import ingest

FILLED = {
    "legal_aid": [
        "FY-9",
        "静安区",
        "静安寺街道",
        date(2026, 9, 1),
        date(2026, 9, 20),
        "劳动报酬",
        "协商调解",
        "工会窗口",
        3,
        "是",
        "餐饮",
        8000,
        6000,
        "调解成功",
    ],
    "wage_recovery": [
        "QX-9",
        "静安区",
        None,
        date(2026, 9, 1),
        None,
        "投诉举报",
        "上海某某餐饮管理有限公司",
        "91350100M000100Y43",
        "餐饮",
        4,
        20000,
        15000,
        "办理中",
    ],
    "certification": [
        "上海某某餐饮管理有限公司",
        "91350100M000100Y43",
        "静安区",
        None,
        "餐饮",
        120,
        2026,
        88,
        "达标",
        date(2026, 10, 1),
        None,
        None,
    ],
    "target": [2026, "静安区", "legal_aid_cases", 1800],
}


def test_every_template_has_dropdowns_and_loads_when_filled(tmp_path):
    home = Home(tmp_path / "home").ensure()
    for dataset, values in FILLED.items():
        path = write_template(dataset, tmp_path / f"{dataset}.xlsx")
        workbook = openpyxl.load_workbook(path)
        sheet = workbook.worksheets[0]
        headers = [c.value for c in sheet[1]]
        assert headers == [c.zh for c in TEMPLATES[dataset].columns]
        categorical = [c for c in TEMPLATES[dataset].columns if c.categories or c.kind == "district"]
        assert len(sheet.data_validations.dataValidation) == len(categorical)
        assert all(sheet.cell(row=1, column=i + 1).comment for i in range(len(headers)))
        sheet.append(values)
        workbook.save(path)
        [entry] = ingest(home, path)
        assert (entry.status, entry.dataset, entry.rows_loaded, entry.errors) == ("loaded", dataset, 1, []), entry
