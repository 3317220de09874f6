"""Print-ready Excel sheets, shared by every workbook the project writes (the
dashboards' table exports and ingest's return file): a title block above
the table, A4 one page wide, landscape when wide, the header row on every
page, the sheet's name and page numbers in the footer.

The functions take xlsxwriter's workbook and worksheet objects as they come,
so the kernel itself still needs nothing but the standard library.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Literal

Lang = Literal["zh", "en"]

# Page numbers are Excel header/footer codes (&P page, &N pages).
PAGE_NUMBERS: dict[str, str] = {"zh": "第 &P 页 / 共 &N 页", "en": "Page &P of &N"}
FACT_SEPARATOR: dict[str, str] = {"zh": "：", "en": ": "}
TITLE_FORMAT: dict[str, Any] = {"bold": True, "font_size": 14}
FACT_FORMAT: dict[str, Any] = {"font_color": "#444444"}
A4 = 9  # Excel's paper code
MARGIN_IN = 0.5  # left and right, inches
# Past this many columns a table prints landscape whatever its widths.
LANDSCAPE_COLUMNS = 8
# Room across an A4 portrait page within the margins, in pixels at 96 dpi
# (8.27 in less two margins), against Excel's column widths in characters
# of the default font: a column of w characters is about 7 w + 5 pixels.
PORTRAIT_PIXELS = int((8.27 - 2 * MARGIN_IN) * 96)
FOOTER_TITLE_MAX = 100  # Excel allows 255 characters for a whole footer


# Leading characters that make a spreadsheet evaluate a cell (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` typed into a cell: an
    xlsx string cell never is a formula, but once edited (F2, Enter) it
    becomes one unless it carries the quote prefix."""
    return text.startswith(FORMULA_STARTS)


def display_width(text: str) -> int:
    """Columns a text needs in Excel: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def is_wide(widths: Sequence[float]) -> bool:
    """Whether a table of these column widths (characters) prints landscape:
    more than ``LANDSCAPE_COLUMNS`` columns, or wider than a portrait page."""
    pixels = sum(7 * width + 5 for width in widths)
    return len(widths) > LANDSCAPE_COLUMNS or pixels > PORTRAIT_PIXELS


def footer(title: str | None, lang: Lang) -> str:
    """The page footer: the table's name on the left, page n of N on the right
    (an ampersand in the name doubled, as header/footer codes need)."""
    pages = PAGE_NUMBERS[lang]
    if not title:
        return f"&R{pages}"
    name = title if len(title) <= FOOTER_TITLE_MAX else title[: FOOTER_TITLE_MAX - 1] + "…"
    return f"&L{name.replace('&', '&&')}&R{pages}"


def print_setup(
    worksheet: Any, *, widths: Sequence[float], header_row: int | None, title: str | None, lang: Lang
) -> None:
    """Print-ready: A4, landscape when wide, one page wide (as many pages
    down as it takes), the header row on every page, name and page numbers
    in the footer."""
    worksheet.set_paper(A4)
    if is_wide(widths):
        worksheet.set_landscape()
    else:
        worksheet.set_portrait()
    worksheet.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=0.6, bottom=0.7)
    worksheet.fit_to_pages(1, 0)
    if header_row is not None:
        worksheet.repeat_rows(header_row)
    worksheet.set_footer(footer(title, lang))


def title_block(workbook: Any, worksheet: Any, title: str, facts: Sequence[tuple[str, str]], lang: Lang) -> int:
    """The table's title and its facts (label: value) above the table; the
    row the header goes on."""
    title_format = workbook.add_format(TITLE_FORMAT)
    fact_format = workbook.add_format(FACT_FORMAT)
    worksheet.set_row(0, 22)  # room for the larger font: rows are not re-measured on opening
    worksheet.write_string(0, 0, title, title_format)
    for row, (label, value) in enumerate(facts, start=1):
        worksheet.write_string(row, 0, f"{label}{FACT_SEPARATOR[lang]}{value}", fact_format)
    # A blank row between: Excel's own table detection (sort, filter,
    # pivot, Ctrl+A) then takes the table without the title block.
    return len(facts) + 2
