"""Files for planners: tables as Excel and CSV, charts as PNG/SVG/PDF. Bytes
out, no Streamlit, so the same functions serve the pages and the tests.

Tables are described by a list of ``Column``s (key, header, kind); the kind
decides the cell type and number format, so figures stay real numbers in
Excel and credit codes stay text. Any text cell that a spreadsheet would
read as a formula (it starts with = + - @, a tab or a carriage return) is
neutralised with a leading apostrophe, as OWASP advises for CSV injection;
the same rule applies to both formats.

Charts go through kaleido's one long-lived export server
(``kaleido.start_sync_server()``, started on first use and kept for the life
of the process): launching a browser per chart costs ~4 s, the server ~0.3 s.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, SupportsFloat

import kaleido
import pandas as pd
import plotly.graph_objects as go
import xlsxwriter

from kernel.errors import UnionKpiError

ColumnKind = Literal["text", "code", "count", "money", "rate", "number", "date"]


@dataclass(frozen=True)
class Column:
    """One exported column: the frame's ``key``, its header and its kind.

    count: whole numbers (#,##0); money: yuan with cents (#,##0.00); rate: a
    fraction shown as a percentage (0.0%); number: one decimal (#,##0.0);
    date: yyyy-mm-dd; code: an identifier kept as text (credit codes, case
    numbers); text: anything else.
    """

    key: str
    label: str
    kind: ColumnKind = "text"


class ExportError(UnionKpiError):
    """A chart could not be turned into a file."""


# Excel number formats per kind (xlsxwriter format properties).
_XLSX_FORMATS: dict[str, dict[str, Any]] = {
    "count": {"num_format": "#,##0"},
    "money": {"num_format": "#,##0.00"},
    "rate": {"num_format": "0.0%"},
    "number": {"num_format": "#,##0.0"},
    "date": {"num_format": "yyyy-mm-dd"},
    "code": {"num_format": "@"},
    "text": {},
}
_HEADER_FORMAT = {
    "bold": True,
    "bg_color": "#E8EEF4",
    "bottom": 1,
    "text_wrap": True,
    "valign": "top",
}
# Leading characters that make a spreadsheet evaluate a cell (OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_KINDS = frozenset({"count", "money", "rate", "number"})


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a cell that would start a
    formula gets a leading apostrophe (``=cmd`` -> ``'=cmd``)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_number(value: object, kind: str) -> float | int | None:
    if _missing(value):
        return None
    if not isinstance(value, str | SupportsFloat):
        raise TypeError(f"not a number: {value!r}")  # as float() itself would
    number = float(value)
    if math.isinf(number):
        return None
    if kind == "count" and number.is_integer():
        return int(number)
    return number


def _as_datetime(value: object) -> datetime | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return pd.Timestamp(value).to_pydatetime()


def _as_text(value: object) -> str | None:
    if _missing(value):
        return None
    return neutralise(str(value))


def _display_width(text: str) -> int:
    """Columns a text needs in Excel: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_width(frame: pd.DataFrame, column: Column) -> float:
    sample = frame[column.key].head(200) if column.key in frame else []
    widths = [_display_width(column.label)]
    for value in sample:
        if _missing(value):
            continue
        if column.kind in NUMERIC_KINDS:
            widths.append(len(f"{float(value):,.2f}"))
        elif column.kind == "date":
            widths.append(10)
        else:
            widths.append(_display_width(str(value)))
    return float(min(max(max(widths) + 2, 8), 50))


def to_xlsx(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    sheet: str = "数据",
    notes: Sequence[tuple[str, str]] = (),
    notes_sheet: str = "说明",
) -> bytes:
    """An .xlsx workbook of ``frame``'s ``columns``: a bold header row (frozen,
    with filters), real numeric cells with number formats, dates as dates,
    codes as text. ``notes`` (label, value) go to a second sheet so the file
    says what it holds (period, scope, data date, source)."""
    buffer = io.BytesIO()
    # Every cell is written with its typed method below; these options make
    # sure nothing is ever turned into a formula, link or number behind our back.
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header = workbook.add_format(_HEADER_FORMAT)
    formats = {kind: workbook.add_format(props) for kind, props in _XLSX_FORMATS.items()}
    worksheet = workbook.add_worksheet(_sheet_name(sheet))
    for col, column in enumerate(columns):
        worksheet.write_string(0, col, neutralise(column.label), header)
        worksheet.set_column(col, col, _column_width(frame, column), formats[column.kind])
    for row_number, values in enumerate(frame.to_dict("records"), start=1):
        for col, column in enumerate(columns):
            value = values.get(column.key)
            cell_format = formats[column.kind]
            if column.kind in NUMERIC_KINDS:
                number = _as_number(value, column.kind)
                if number is None:
                    worksheet.write_blank(row_number, col, None, cell_format)
                else:
                    worksheet.write_number(row_number, col, number, cell_format)
            elif column.kind == "date":
                moment = _as_datetime(value)
                if moment is None:
                    worksheet.write_blank(row_number, col, None, cell_format)
                else:
                    worksheet.write_datetime(row_number, col, moment, cell_format)
            else:
                text = _as_text(value)
                if text is None:
                    worksheet.write_blank(row_number, col, None, cell_format)
                else:
                    worksheet.write_string(row_number, col, text, cell_format)
    worksheet.freeze_panes(1, 0)
    if columns:
        worksheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
    if notes:
        about = workbook.add_worksheet(_sheet_name(notes_sheet))
        label_width = max(_display_width(label) for label, _ in notes) + 2
        value_width = max(_display_width(value) for _, value in notes) + 2
        about.set_column(0, 0, min(label_width, 30))
        about.set_column(1, 1, min(value_width, 80))
        for row_number, (label, value) in enumerate(notes):
            about.write_string(row_number, 0, neutralise(label), header)
            about.write_string(row_number, 1, neutralise(value))
    workbook.close()
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip() or "Sheet1"
    return cleaned[:31]


def _csv_cell(value: object, kind: str) -> str:
    if _missing(value):
        return ""
    if kind in NUMERIC_KINDS:
        number = _as_number(value, kind)
        if number is None:
            return ""
        if kind == "money":
            return f"{number:.2f}"
        if isinstance(number, int):
            return str(number)
        return repr(float(number))
    if kind == "date":
        moment = _as_datetime(value)
        return "" if moment is None else moment.date().isoformat()
    return neutralise(str(value))


def to_csv(frame: pd.DataFrame, columns: Sequence[Column]) -> bytes:
    """CSV of ``frame``'s ``columns`` in UTF-8 with a byte-order mark, which
    Chinese Excel needs to read UTF-8; plain numbers (no thousands
    separators, money to the cent), ISO dates, neutralised text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column.label) for column in columns])
    for values in frame.to_dict("records"):
        writer.writerow([_csv_cell(values.get(column.key), column.kind) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------

ImageFormat = Literal["png", "svg", "pdf"]
MIME_TYPES: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
EXPORT_TIMEOUT_S = 90.0
# kaleido's sync server is not safe for concurrent callers (each call waits
# for the whole task queue, so two threads can swap results): one at a time.
_EXPORT_LOCK = threading.Lock()


def _server_thread_alive() -> bool:
    # kaleido keeps its server in a module-level singleton; its thread dies if
    # the browser cannot start or crashes, and a call would then wait forever.
    server = kaleido._global_server
    thread = getattr(server, "_thread", None)
    return thread is not None and thread.is_alive()


def ensure_export_server() -> None:
    """Start kaleido's export server once per process (again only if it died)."""
    server = kaleido._global_server
    if server.is_running() and not _server_thread_alive():
        server.close(silence_warnings=True)
    if not server.is_running():
        kaleido.start_sync_server(silence_warnings=True)


def figure_image(
    fig: go.Figure,
    fmt: ImageFormat,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float = 1.0,
) -> bytes:
    """``fig`` as PNG, SVG or PDF bytes, rendered by the export server.

    The figure's own layout names the CJK fonts (``charts.FONT_FAMILY``), so
    Chinese is drawn with them; a PDF embeds the subset it uses.
    """
    figure = go.Figure(fig)
    size_w = int(width or figure.layout.width or 1000)
    size_h = int(height or figure.layout.height or 500)
    opts = {"format": fmt, "width": size_w, "height": size_h, "scale": scale}
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = kaleido.calc_fig_sync(figure.to_dict(), opts=opts)
        except Exception as exc:  # reported to the caller below
            outcome["error"] = exc

    with _EXPORT_LOCK:
        ensure_export_server()
        # A worker thread so a stuck browser becomes an error, not a hung page.
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(EXPORT_TIMEOUT_S)
    if worker.is_alive():
        raise ExportError(
            "export_timeout",
            "图表导出超时，请稍后重试。",
            "The chart export timed out; try again shortly.",
        )
    if "error" in outcome:
        error = outcome["error"]
        raise ExportError(
            "export_failed",
            f"图表导出失败：{error}",
            f"The chart could not be exported: {error}",
        ) from error
    return bytes(outcome["value"])


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s·]+')


def file_stem(*parts: object) -> str:
    """A file name from its parts (title, scope, period …): joined with
    underscores, without characters Windows or a shell would trip on.
    Chinese stays: 法律援助_案件数_按争议类型_全市_2026年1–10月."""
    words = [_UNSAFE_IN_NAMES.sub("_", str(part)).strip("_.") for part in parts if part not in (None, "")]
    stem = "_".join(word for word in words if word)
    return stem[:120] or "export"
