"""Read a submitted file into sheets of raw cells, judging its type by content
(not by extension): xlsx/xls/ods workbooks through calamine, text as CSV in
UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") or
GB18030.

Nothing is read blindly. A workbook's parts are measured before they are
inflated; an xlsx sheet's cells are located before calamine lays them out
densely, so one stray cell far from the table cannot cost gigabytes (such a
sheet is read cell by cell instead). Hidden sheets are marked, chart sheets
left out, and a formula whose value was never calculated is marked as such
rather than read as blank."""

import csv
import io
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import msoffcrypto
import olefile
import python_calamine
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from kernel.errors import UnionKpiError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# A workbook's parts may inflate to this much in all (a district return is a
# few MB; a zip bomb is gigabytes).
MAX_UNPACKED_BYTES = 128 * 1024 * 1024
# Cells calamine may lay out densely for one sheet (about 33 bytes each).
DENSE_CELLS = 4_000_000
# Excel's widest sheet: cells beyond it in a CSV line are not read.
MAX_COLUMNS = 16384
_MB = 1024 * 1024


@dataclass
class Sheet:
    """Raw cells of one sheet or CSV: (row number a person sees, cells).
    Blank rows may be left out; `merged` holds the sheet's merged ranges as
    ((first row, first column), (last row, last column)), counted from 0."""

    name: str | None
    rows: list[tuple[int, list[Any]]]
    hidden: bool = False
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


class Uncalculated(str):
    """A formula cell whose value the tool that wrote it never calculated;
    the text is the formula."""


def read(path: Path) -> list[Sheet]:
    data = path.read_bytes()
    if not data.strip():
        raise UnionKpiError("empty_file")
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _read_workbook(data)
    return [Sheet(None, csv_rows(decode(data)))]


def decode(data: bytes) -> str:
    """A whole text file as text (see text_encoding); text with NUL
    characters in it is not a table."""
    encoding = text_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding != "utf-8":
            raise UnionKpiError("unreadable_file") from error
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            raise UnionKpiError("unknown_encoding") from gb_error
    if "\x00" in text:
        raise UnionKpiError("unreadable_file")
    return text


def text_encoding(head: bytes) -> str:
    """The encoding of a text file from its first bytes: a BOM decides;
    else UTF-8 if it reads as UTF-8 (a character cut at the end of `head`
    allowed), else GB18030; a NUL byte without a BOM is not text."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head[:8192]:
        raise UnionKpiError("unreadable_file")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return "utf-8"
    try:
        head[: len(head) - 4 if len(head) > 4096 else len(head)].decode("gb18030")  # a character may be cut
        return "gb18030"
    except UnicodeDecodeError as error:
        raise UnionKpiError("unknown_encoding") from error


def _read_workbook(data: bytes) -> list[Sheet]:
    if data.startswith(OLE_MAGIC) and _ole_encrypted(data):
        raise UnionKpiError("encrypted_workbook")
    extents = _zip_extents(data) if data.startswith(ZIP_MAGIC) else _xls_extents(data)
    sparse = [e for e in extents.values() if e.dense_cells > DENSE_CELLS and not e.cell_by_cell]
    if sparse:
        # calamine lays out every sheet of an .xls or .ods as it opens it,
        # and no reader here takes their cells one by one
        raise _too_sparse(sparse[0])
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # a chart sheet holds no cells
            hidden = meta.visible != SheetVisibleEnum.Visible
            extent = extents.get(meta.name)
            if extent is not None and extent.dense_cells > DENSE_CELLS:
                sheets.append(Sheet(meta.name, _sparse_rows(data, meta.name, extent), hidden))
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            top, left = sheet.start or (0, 0)
            rows = list(_kept_rows(sheet.iter_rows(), top, left, extent))
            sheets.append(Sheet(meta.name, rows, hidden, sheet.merged_cell_ranges or []))
    except python_calamine.PasswordError as exc:
        raise UnionKpiError("encrypted_workbook") from exc
    except UnionKpiError:
        raise
    except Exception as exc:  # calamine raises several types for bad files
        raise UnionKpiError(
            "unreadable_file",
            f"工作簿无法读取：{str(exc)[:200]}",
            f"the workbook cannot be read: {str(exc)[:200]}",
        ) from exc
    return sheets


def _kept_rows(
    rows: Iterator[list[Any]], top: int, left: int, extent: "Extent | None"
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells from column A) for each row with a cell that is
    not blank; trailing blank cells trimmed, uncalculated formulas marked."""
    formulas: dict[int, list[tuple[int, str]]] = {}
    for (row, column), formula in (extent.uncalculated if extent else {}).items():
        formulas.setdefault(row, []).append((column, formula))
    for offset, cells in enumerate(rows):
        number = top + offset + 1
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if not cells and number not in formulas:
            continue
        cells = [None] * left + cells
        _mark_uncalculated(cells, formulas.get(number, ()))
        yield number, cells


def _mark_uncalculated(cells: list[Any], formulas: Iterable[tuple[int, str]]) -> None:
    for column, formula in formulas:
        cells.extend([None] * (column + 1 - len(cells)))
        if cells[column] in (None, "", 0):
            cells[column] = Uncalculated(formula)


def _ole_encrypted(data: bytes) -> bool:
    """A password-protected .xls, or an xlsx encrypted into an OLE container."""
    try:
        return msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()
    except Exception:  # not an Office file msoffcrypto knows: calamine will judge it
        return False


@dataclass
class Extent:
    """Where an xlsx sheet's cells lie: the rows and columns up to the
    furthest cell with a value, and the formulas never calculated, by
    (row number, column from 0)."""

    last_row: int = 0
    last_column: int = 0
    uncalculated: dict[tuple[int, int], str] = field(default_factory=dict)
    cell_by_cell: bool = False  # an xlsx sheet, which openpyxl can stream

    @property
    def dense_cells(self) -> int:
        return self.last_row * (self.last_column + 1)


_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_CELL_OR_ROW = re.compile(
    rb"<" + _NS + rb"row\b([^>]*)>|<" + _NS + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>)",
    re.DOTALL,
)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_ROW_NUMBER = re.compile(rb'\br="(\d{1,7})"')
_FORMULA = re.compile(rb"<" + _NS + rb"f\b[^>]*?(?:/>|>(.*?)</" + _NS + rb"f>)", re.DOTALL)
_VALUE = re.compile(rb"<" + _NS + rb"v\b[^>]*?(?:/>|>(.*?)</" + _NS + rb"v>)", re.DOTALL)


def _zip_extents(data: bytes) -> dict[str, Extent]:
    """Measure a zip workbook before anything inflates it: its parts'
    declared sizes against MAX_UNPACKED_BYTES, then, for an xlsx, each
    sheet's extent and uncalculated formulas, by scanning its XML; for an
    ods, its sheets' extents. A damaged part makes the file unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return {}  # calamine reports it unreadable
    try:
        return _measure(archive, members)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        raise UnionKpiError(
            "unreadable_file",
            f"工作簿已损坏，无法读取：{str(exc)[:200]}",
            f"the workbook is damaged and cannot be read: {str(exc)[:200]}",
        ) from exc


def _measure(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, Extent]:
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnionKpiError(
            "workbook_too_large",
            f"工作簿解压后达 {unpacked / _MB:,.0f} MB，超过上限 {MAX_UNPACKED_BYTES / _MB:,.0f} MB；"
            "数据量大时请另存为CSV提交",
            f"the workbook unpacks to {unpacked / _MB:,.0f} MB, above the limit of "
            f"{MAX_UNPACKED_BYTES / _MB:,.0f} MB; submit large data as CSV",
        )
    names = {m.filename for m in members}
    if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise UnionKpiError("encrypted_workbook")  # an OpenDocument file saved with a password
    if "content.xml" in names:
        return _ods_extents(archive.read("content.xml"))
    if "xl/workbook.xml" not in names:
        return {}
    workbook = archive.read("xl/workbook.xml")
    calculate_on_load = re.search(rb"<" + _NS + rb"calcPr\b[^>]*fullCalcOnLoad=\"(1|true)\"", workbook) is not None
    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in re.finditer(rb"<" + _NS + rb"Relationship\b([^>]*)>", archive.read("xl/_rels/workbook.xml.rels")):
            found = dict(re.findall(rb'(\w+)="([^"]*)"', rel.group(1)))
            if b"Id" in found and b"Target" in found:
                targets[found[b"Id"]] = found[b"Target"].decode("utf-8", "replace")
    extents = {}
    for sheet in re.finditer(rb"<" + _NS + rb"sheet\b([^>]*)>", workbook):
        attributes = dict(re.findall(rb'([\w:]+)="([^"]*)"', sheet.group(1)))
        rel_id = next((v for k, v in attributes.items() if k.endswith(b":id")), None)
        name = _xml_text(attributes.get(b"name", b""))
        target = targets.get(rel_id) if rel_id else None
        if not target:
            continue
        part = str(PurePosixPath("xl", target)) if not target.startswith("/") else target.lstrip("/")
        part = str(PurePosixPath(*[p for p in PurePosixPath(part).parts if p != "."]))
        if part in names:
            extents[name] = _scan_sheet(archive.read(part), calculate_on_load)
    return extents


_ODS = re.compile(
    rb"<table:table(?=[\s>])([^>]*)>|<table:table-row(?=[\s/>])([^>]*?)(/?)>|(</table:table-row>)"
    rb"|<table:(?:covered-)?table-cell(?=[\s/>])([^>]*?)/?>"
)
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'\btable:number-rows-repeated="(\d+)"')
_ODS_COLUMNS = re.compile(rb'\btable:number-columns-repeated="(\d+)"')


def _ods_extents(xml: bytes) -> dict[str, Extent]:
    """Each sheet's extent in an OpenDocument spreadsheet's content.xml:
    the furthest cell with a value, counting repeated rows and columns."""
    extents: dict[str, Extent] = {}
    extent = Extent()
    row = column = 0
    repeat = 1
    for match in _ODS.finditer(xml):
        table, row_attributes, empty_row, row_end, cell_attributes = match.groups()
        if table is not None:
            name = _ODS_NAME.search(table)
            extent = extents.setdefault(_xml_text(name.group(1)) if name else "", Extent())
            row = 0
        elif row_attributes is not None:
            found = _ODS_ROWS.search(row_attributes)
            repeat, column = int(found.group(1)) if found else 1, 0
            if empty_row:
                row += repeat
        elif row_end is not None:
            row += repeat
        elif cell_attributes is not None:
            found = _ODS_COLUMNS.search(cell_attributes)
            width = int(found.group(1)) if found else 1
            if b"value-type=" in cell_attributes:
                extent.last_row = max(extent.last_row, row + repeat)
                extent.last_column = max(extent.last_column, column + width - 1)
            column += width
    return extents


def _scan_sheet(xml: bytes, calculate_on_load: bool) -> Extent:
    extent = Extent(cell_by_cell=True)
    row, column = 0, -1
    for match in _CELL_OR_ROW.finditer(xml):
        row_attributes, cell_attributes, content = match.groups()
        if row_attributes is not None:
            number = _ROW_NUMBER.search(row_attributes)
            row = int(number.group(1)) if number else row + 1
            column = -1
            continue
        ref = _REF.search(cell_attributes)
        if ref:
            row, column = int(ref.group(2)), _column_index(ref.group(1))
        else:
            column += 1
        if not content:
            continue
        formula = _FORMULA.search(content)
        value = _VALUE.search(content)
        cached = value.group(1) if value else None
        if formula and (not cached or (calculate_on_load and cached.strip() == b"0")):
            extent.uncalculated[(row, column)] = "=" + _xml_text(formula.group(1) or b"")
        elif cached is None and b"<is" not in content and not formula:
            continue
        extent.last_row = max(extent.last_row, row)
        extent.last_column = max(extent.last_column, column)
    return extent


# BIFF records that hold a cell's value (BIFF2-4 and BIFF5/8): the row and
# the column are their first two 16-bit fields. MULRK holds a run of cells.
_XLS_CELLS = {0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0406, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E}
_XLS_MULRK = 0x00BD
_XLS_SHEET = 0x0085  # BOUNDSHEET: where a sheet's records start, and its name
_XLS_EOF = 0x000A


def _xls_extents(data: bytes) -> dict[str, Extent]:
    """Each sheet's extent in a BIFF8 .xls, from its cell records, read
    before calamine lays the sheet out densely (65,536 x 256 cells of a
    sheet with one cell in each corner cost it a gigabyte)."""
    try:
        with olefile.OleFileIO(data) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            stream = ole.openstream(name).read() if name else b""
    except Exception:  # not a compound file olefile reads: calamine judges it
        return {}
    sheets = {}
    for kind, body in _biff_records(stream, 0):
        if kind == _XLS_EOF:
            break
        if kind == _XLS_SHEET and len(body) >= 8:
            length, wide = body[6], body[7] & 1
            raw = body[8 : 8 + length * (2 if wide else 1)]
            sheets[raw.decode("utf-16-le" if wide else "latin-1", "replace")] = int.from_bytes(body[:4], "little")
    extents = {}
    for name, start in sheets.items():
        extent = Extent()
        for kind, body in _biff_records(stream, start):
            if kind == _XLS_EOF:
                break
            if (kind in _XLS_CELLS or kind == _XLS_MULRK) and len(body) >= 6:
                row = int.from_bytes(body[:2], "little") + 1
                last = (
                    int.from_bytes(body[-2:], "little") if kind == _XLS_MULRK else int.from_bytes(body[2:4], "little")
                )
                extent.last_row = max(extent.last_row, row)
                extent.last_column = max(extent.last_column, last)
        extents[name] = extent
    return extents


def _biff_records(stream: bytes, at: int) -> Iterator[tuple[int, bytes]]:
    while at + 4 <= len(stream):
        kind = int.from_bytes(stream[at : at + 2], "little")
        size = int.from_bytes(stream[at + 2 : at + 4], "little")
        yield kind, stream[at + 4 : at + 4 + size]
        at += 4 + size


def _too_sparse(extent: Extent) -> UnionKpiError:
    corner = f"{_column_letters(extent.last_column)}{extent.last_row}"
    return UnionKpiError(
        "sheet_too_sparse",
        f"工作表的使用区域延伸到 {corner}，远超表格本身：请删除表格以外的内容，或另存为xlsx后重新提交",
        f"the sheet's used area reaches {corner}, far beyond the table: delete what lies outside the table, "
        "or save it as xlsx, and submit it again",
    )


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def _sparse_rows(data: bytes, name: str, extent: Extent) -> list[tuple[int, list[Any]]]:
    """An xlsx sheet read cell by cell (openpyxl's streaming reader), for a
    sheet whose extent calamine would lay out densely: only the cells that
    exist cost memory."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        worksheet = workbook[name]
        rows: dict[int, list[Any]] = {}
        from openpyxl.worksheet._reader import WorkSheetParser

        # the streaming reader openpyxl's own iter_rows uses: private API, which openpyxl's stubs leave out
        with worksheet._get_source() as source:  # type: ignore[attr-defined]
            parser = WorkSheetParser(
                source,
                workbook.shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,  # type: ignore[attr-defined]
                timedelta_formats=workbook._timedelta_formats,  # type: ignore[attr-defined]
            )
            for number, cells in parser.parse():
                present = [c for c in cells if c["value"] is not None and c["value"] != ""]
                if not present:
                    continue
                width = max(c["column"] for c in present)
                if width > MAX_COLUMNS:
                    width = MAX_COLUMNS
                values: list[Any] = [None] * width
                for cell in present:
                    if cell["column"] <= width:
                        values[cell["column"] - 1] = cell["value"]
                rows[number] = values
    finally:
        workbook.close()
    for (row, column), formula in extent.uncalculated.items():
        _mark_uncalculated(rows.setdefault(row, []), [(column, formula)])
    return sorted(rows.items())


def delimiter(text: str) -> str:
    """csv.Sniffer stumbles on a title line above the header; the delimiter
    that occurs most in the first lines is a sturdier guess."""
    head = "\n".join(text[: 1 << 20].splitlines()[:20])
    return max(",\t;", key=head.count)


def csv_rows(text: str) -> list[tuple[int, list[Any]]]:
    """(line a person sees, cells) for each record of CSV text; cells past
    Excel's last column are not kept."""
    # A field may be as long as the file; the csv module's default limit
    # (131,072 characters) would make one long cell fail the whole file.
    csv.field_size_limit(max(sys.maxsize >> 33, len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    rows = []
    start = 1
    for record in reader:
        rows.append((start, record[:MAX_COLUMNS]))
        start = reader.line_num + 1
    return rows
