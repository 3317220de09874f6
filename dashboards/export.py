"""Files for planners: tables as Excel and CSV, charts as PNG/SVG/PDF. Bytes
out, no Streamlit, so the same functions serve the pages and the tests.

Tables are described by a list of ``Column``s (key, header, kind); the kind
decides the cell type, number format and decimals, so figures stay real
numbers in Excel, credit codes stay text, and a CSV holds what the screen
shows. What a table is (its name, scope, period, data date) travels with it
as an ``About`` and heads the data sheet, its footer and the 说明 sheet.

Formula injection: an xlsx text cell is written as a string cell, which no
spreadsheet evaluates, and marked with Excel's quote prefix (the cell shows
no apostrophe; editing it keeps it text). CSV has no cell types, so a text
that a spreadsheet would read as a formula (it starts with = + - @, a tab or
a carriage return) gets a leading apostrophe there, as OWASP advises.

Charts go through kaleido's one long-lived export server
(``kaleido.start_sync_server()``, started on first use and kept for the life
of the process): launching a browser per chart costs ~4 s, the server ~0.3 s.
A chart's PDF is its SVG set on a page by Typst, so its text is real text.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, SupportsFloat

import kaleido
import pandas as pd
import plotly.graph_objects as go
import typst
import xlsxwriter

from dashboards import i18n
from dashboards.i18n import Lang
from kernel.errors import UnionKpiError
from kernel.workbook import display_width, looks_like_formula, print_setup, title_block

ColumnKind = Literal["text", "code", "count", "money", "rate", "number", "date"]


@dataclass(frozen=True)
class Column:
    """One exported column: the frame's ``key``, its header and its kind.

    count: whole numbers (#,##0); money: yuan with cents (#,##0.00); rate: a
    fraction shown as a percentage (0.0%; a CSV writes the per cent and says
    so in the header); number: one decimal (#,##0.0); date: yyyy-mm-dd;
    code: an identifier kept as text (credit codes, case numbers); text:
    anything else.
    """

    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class About:
    """What an exported table says about itself, in its reader's language.

    ``title`` names the table (the data sheet's first line, its sheet name and
    its page footer). ``facts`` (label, value), such as scope, period and data
    date, stand under the title on the data sheet; the 说明 sheet lists the
    title (as ``title_label``), the facts and the ``notes`` (source …).
    """

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    title_label: str = "表格"

    def rows(self) -> list[tuple[str, str]]:
        """The 说明 sheet's rows."""
        return [(self.title_label, self.title), *self.facts, *self.notes]


class ExportError(UnionKpiError):
    """A chart could not be turned into a file."""


# Decimals per numeric kind: what the screen shows (downloads._screen_config)
# and what a CSV writes; the Excel formats below show the same.
DECIMALS: dict[str, int] = {"count": 0, "money": 2, "rate": 1, "number": 1}
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
NUMERIC_KINDS = frozenset({"count", "money", "rate", "number"})
TEXT_KINDS = frozenset({"text", "code"})


def neutralise(text: str) -> str:
    """``text`` made safe to open from a CSV in a spreadsheet: a cell that
    would start a formula gets a leading apostrophe (``=cmd`` -> ``'=cmd``)."""
    return "'" + text if looks_like_formula(text) else text


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
    return None if _missing(value) else str(value)


def _column_width(frame: pd.DataFrame, column: Column) -> float:
    sample = frame[column.key].head(200) if column.key in frame else []
    widths = [display_width(column.label)]
    for value in sample:
        if _missing(value):
            continue
        if column.kind in NUMERIC_KINDS:
            widths.append(len(f"{float(value):,.2f}"))
        elif column.kind == "date":
            widths.append(10)
        else:
            widths.append(display_width(str(value)))
    return float(min(max(max(widths) + 2, 8), 50))


def to_xlsx(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    sheet: str | None = None,
    about: About | None = None,
    notes_sheet: str = "说明",
    lang: Lang = "zh",
) -> bytes:
    """An .xlsx workbook of ``frame``'s ``columns``.

    The data sheet (named ``sheet``, else the table's title) opens with a
    title block when ``about`` is given (the title, then its facts: scope,
    period, data date), a blank row, then the table: a bold header row
    (frozen with everything above it, with filters), real numeric cells with
    number formats, dates as dates, codes and text as string cells. It prints
    on A4 one page wide, landscape when wide, the header on every page, name
    and page numbers in the footer. ``about`` also fills a second sheet,
    ``notes_sheet``, so the file says what it holds and where it comes from.
    """
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
    # Text that reads like a formula: a string cell all the same, with Excel's
    # quote prefix so that editing it keeps it text; nothing is shown.
    quoted = {kind: workbook.add_format({**_XLSX_FORMATS[kind], "quote_prefix": True}) for kind in TEXT_KINDS}
    names = sheet_names([sheet or (about.title if about else "数据"), *([notes_sheet] if about else [])])
    worksheet = workbook.add_worksheet(names[0])

    header_row = 0 if about is None else title_block(workbook, worksheet, about.title, about.facts, lang)

    widths = [_column_width(frame, column) for column in columns]
    for col, column in enumerate(columns):
        worksheet.write_string(header_row, col, column.label, header)
        worksheet.set_column(col, col, widths[col], formats[column.kind])
    for row_number, values in enumerate(frame.to_dict("records"), start=header_row + 1):
        for col, column in enumerate(columns):
            _write_cell(worksheet, row_number, col, values.get(column.key), column.kind, formats, quoted)
    worksheet.freeze_panes(header_row + 1, 0)
    if columns:
        worksheet.autofilter(header_row, 0, header_row + max(len(frame), 1), len(columns) - 1)
    title = about.title if about else None
    print_setup(worksheet, widths=widths, header_row=header_row if columns else None, title=title, lang=lang)

    if about is not None:
        notes = workbook.add_worksheet(names[1])
        _notes_sheet(notes, about, header=header, text=formats["text"], quoted=quoted["text"], lang=lang)
    workbook.close()
    return buffer.getvalue()


def _notes_sheet(notes: Any, about: About, *, header: Any, text: Any, quoted: Any, lang: Lang) -> None:
    """The second sheet: what the file holds and where it comes from."""
    rows = about.rows()
    label_width = min(max(display_width(label) for label, _ in rows) + 2, 30)
    value_width = min(max(display_width(value) for _, value in rows) + 2, 80)
    notes.set_column(0, 0, label_width)
    notes.set_column(1, 1, value_width)
    for row_number, (label, value) in enumerate(rows):
        notes.write_string(row_number, 0, label, header)
        notes.write_string(row_number, 1, value, quoted if looks_like_formula(value) else text)
    print_setup(notes, widths=[label_width, value_width], header_row=None, title=about.title, lang=lang)


def _write_cell(
    worksheet: Any,
    row: int,
    col: int,
    value: object,
    kind: str,
    formats: dict[str, Any],
    quoted: dict[str, Any],
) -> None:
    """One cell with the typed method of its kind: a number, a date, or a
    string (never a formula); missing values are blank cells."""
    cell_format = formats[kind]
    if kind in NUMERIC_KINDS:
        number = _as_number(value, kind)
        if number is None:
            worksheet.write_blank(row, col, None, cell_format)
        else:
            worksheet.write_number(row, col, number, cell_format)
    elif kind == "date":
        moment = _as_datetime(value)
        if moment is None:
            worksheet.write_blank(row, col, None, cell_format)
        else:
            worksheet.write_datetime(row, col, moment, cell_format)
    else:
        text = _as_text(value)
        if text is None:
            worksheet.write_blank(row, col, None, cell_format)
        else:
            worksheet.write_string(row, col, text, quoted[kind] if looks_like_formula(text) else cell_format)


# ---------------------------------------------------------------------------
# Sheet names
# ---------------------------------------------------------------------------

SHEET_NAME_MAX = 31  # Excel's limit
_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_OPENING_BRACKETS = "(（[【〔《<"
_CLOSING_BRACKETS = ")）]】〕》>"
_RESERVED_SHEET_NAMES = frozenset({"history"})  # Excel keeps it for itself


def _in_word(ch: str) -> bool:
    """Part of a word that must not be split: letters and digits of
    alphabetic scripts. Chinese characters are words of their own, so a cut
    between two of them is fine."""
    return ch.isalnum() and unicodedata.east_asian_width(ch) not in "WF"


def _is_trailing_junk(ch: str) -> bool:
    """Punctuation and spaces a shortened name should not end on."""
    return unicodedata.category(ch)[0] in "PZ" and ch not in _CLOSING_BRACKETS


def _shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary: never
    inside an English word or a number, without a dangling bracket or
    trailing punctuation. A single word longer than the limit is cut."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    if _in_word(text[limit]) and _in_word(head[-1]):
        start = limit
        while start > 0 and _in_word(text[start - 1]):
            start -= 1
        if start > 0:
            head = text[:start]
    opened = max(head.rfind(ch) for ch in _OPENING_BRACKETS)
    if opened > 0 and not any(ch in _CLOSING_BRACKETS for ch in head[opened:]):
        head = head[:opened]  # "明细（1,2" -> "明细"
    end = len(head)
    while end > 0 and _is_trailing_junk(head[end - 1]):
        end -= 1
    return head[:end] or text[:limit]


def sheet_name(name: str, taken: Collection[str] = ()) -> str:
    """A valid Excel sheet name for ``name``: the characters Excel forbids
    ([]:*?/\\) made spaces, no apostrophe at either end, at most 31
    characters cut at a word boundary, and unlike every name in ``taken``
    (Excel compares them ignoring case)."""
    cleaned = " ".join(_FORBIDDEN_IN_SHEET_NAMES.sub(" ", name).split()).strip("'").strip() or "Sheet"
    used = {other.casefold() for other in taken} | _RESERVED_SHEET_NAMES
    candidate = _shorten(cleaned, SHEET_NAME_MAX)
    number = 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = _shorten(cleaned, SHEET_NAME_MAX - len(suffix)) + suffix
        number += 1
    return candidate


def sheet_names(wanted: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names for a workbook's sheets, in order."""
    names: list[str] = []
    for name in wanted:
        names.append(sheet_name(name, names))
    return names


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def _fixed(number: float, decimals: int) -> str:
    """``number`` with ``decimals`` decimals, halves rounded away from zero as
    the screen and Excel show them (28.25 -> 28.3, where ``format`` gives
    28.2), and never "-0.0"."""
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"


def _csv_cell(value: object, kind: str) -> str:
    if _missing(value):
        return ""
    if kind in NUMERIC_KINDS:
        number = _as_number(value, kind)
        if number is None:
            return ""
        if isinstance(number, int):
            return str(number)
        # a rate is a fraction in the frame; the CSV, like the screen, says 19.1 (%)
        return _fixed(number * 100 if kind == "rate" else number, DECIMALS[kind])
    if kind == "date":
        moment = _as_datetime(value)
        return "" if moment is None else moment.date().isoformat()
    return neutralise(str(value))


def csv_header(column: Column, lang: Lang) -> str:
    """A CSV column's header: a rate names its unit, 调解成功率（%）."""
    return i18n.with_unit(column.label, "%", lang) if column.kind == "rate" else column.label


def to_csv(frame: pd.DataFrame, columns: Sequence[Column], *, lang: Lang = "zh") -> bytes:
    """CSV of ``frame``'s ``columns`` in UTF-8 with a byte-order mark, which
    Chinese Excel needs to read UTF-8; plain numbers (no thousands
    separators) at the decimals the screen shows (money to the cent, rates
    as per cent with one decimal and (%) in the header), ISO dates,
    neutralised text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(csv_header(column, lang)) for column in columns])
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
    """``fig`` as PNG, SVG or PDF bytes.

    PNG and SVG come from the export server. The figure's own layout names
    the CJK fonts (``charts.FONT_FAMILY``), so Chinese is drawn with them.
    A PDF is that SVG set on a page of its size by Typst (``svg_to_pdf``):
    Chromium's own PDF turns the text into Type 3 glyphs that copy out as
    CJK radicals (⼯ for 工) and lose their digits.
    """
    figure = go.Figure(fig)
    size_w = int(width or figure.layout.width or 1000)
    size_h = int(height or figure.layout.height or 500)
    if fmt == "pdf":
        return svg_to_pdf(_render(figure, "svg", size_w, size_h, 1.0), size_w, size_h)
    return _render(figure, fmt, size_w, size_h, scale)


def _render(figure: go.Figure, fmt: ImageFormat, width: int, height: int, scale: float) -> bytes:
    """The export server's image of ``figure``, or an ExportError."""
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
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


# One page the size of the picture, the SVG on it edge to edge. The SVG and
# the sizes arrive as sys.inputs, never spliced into the markup, so no
# text of the chart is ever read as Typst.
_PDF_PAGE = b"""#set page(
  width: float(sys.inputs.width) * 1pt,
  height: float(sys.inputs.height) * 1pt,
  margin: 0pt,
)
#image(bytes(sys.inputs.svg), format: "svg", width: 100%)
"""
POINTS_PER_PIXEL = 0.75  # CSS pixels are 1/96 in, PDF points 1/72 in


def svg_to_pdf(svg: bytes, width: int, height: int) -> bytes:
    """A one-page PDF of an SVG image ``width`` x ``height`` pixels, made by
    Typst: the SVG's text stays text, in the embedded CJK font as CID
    glyphs with their Unicode, so the PDF can be searched and copied from."""
    inputs = {
        "svg": svg.decode("utf-8"),
        "width": f"{width * POINTS_PER_PIXEL:g}",
        "height": f"{height * POINTS_PER_PIXEL:g}",
    }
    try:
        return typst.compile(_PDF_PAGE, format="pdf", sys_inputs=inputs)
    except typst.TypstError as error:
        raise ExportError(
            "export_failed",
            f"图表导出失败：{error.message}",
            f"The chart could not be exported: {error.message}",
        ) from error


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s·]+')


def file_stem(*parts: object) -> str:
    """A file name from its parts (title, scope, period …): joined with
    underscores, without characters Windows or a shell would trip on.
    Chinese stays: 法律援助_案件数_按争议类型_全市_2026年1–10月."""
    words = [_UNSAFE_IN_NAMES.sub("_", str(part)).strip("_.") for part in parts if part not in (None, "")]
    stem = "_".join(word for word in words if word)
    return stem[:120] or "export"
