"""Blank xlsx templates for districts: Chinese headers with a comment on
each, drop-down lists for the categorical columns, text-formatted code
columns, so that files arrive clean in the first place."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ingest.templates import TEMPLATES
from kernel.reference import district_lookup

ROWS_PREPARED = 2000
_NOTES = {
    "date": "日期，如 2024-03-05 / a date",
    "int": "正整数 / a positive whole number",
    "money": "金额（元）；以万元填报请把表头改为“（万元）” / yuan; write （万元） in the header for 万元",
    "flag": "是 或 否 / yes or no",
    "district": "区名称、简称或代码 / district name or code",
    "uscc": "18位统一社会信用代码，请保持文本格式 / 18-character code, keep as text",
    "year": "年份，如 2024 / a year",
    "rate": "数值；比率可填 0.75 或 75% / a number; rates as 0.75 or 75%",
    "text": "文本 / text",
    "category": "从下拉列表中选择 / choose from the list",
}


def write_template(dataset: str, path: Path) -> Path:
    template = TEMPLATES[dataset]
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook's one sheet, the active one
    sheet.title = template.zh[:31]
    lists = workbook.create_sheet("可选值")
    sheet.append([f"{c.zh}" for c in template.columns])
    districts = sorted({name for name in district_lookup() if name.endswith(("区", "新区"))})
    for index, column in enumerate(template.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="C00000" if column.required else "D9D9D9")
        required = "必填 / required. " if column.required else ""
        cell.comment = Comment(f"{required}{column.name}: {_NOTES[column.kind]}", "unionkpi")
        sheet.column_dimensions[letter].width = max(12, len(column.zh) * 2.4)
        choices = column.categories or (tuple(districts) if column.kind == "district" else ())
        if choices:
            for row, value in enumerate(choices, start=1):
                lists.cell(row=row, column=index, value=value)
            validation = DataValidation(
                type="list",
                formula1=f"'可选值'!${letter}$1:${letter}${len(choices)}",
                allow_blank=not column.required,
                showErrorMessage=True,
                error="请从下拉列表中选择 / choose a value from the list",
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{ROWS_PREPARED}")
        if column.kind in {"uscc", "text", "district"}:
            for row in range(2, ROWS_PREPARED + 1):
                sheet.cell(row=row, column=index).number_format = "@"
        elif column.kind == "date":
            for row in range(2, ROWS_PREPARED + 1):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    lists.sheet_state = "hidden"
    sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
