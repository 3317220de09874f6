"""Read a submitted file into sheets of raw cells, judging its type by content
(not by extension): xlsx/xls workbooks through calamine, text as CSV in
UTF-8 (with or without BOM) or GB18030."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from ingest.errors import UnionKpiError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    """Raw cells of one sheet or CSV: (row number a person sees, cells)."""

    name: str | None
    rows: list[tuple[int, list[Any]]]


def read(path: Path) -> list[Sheet]:
    data = path.read_bytes()
    if not data.strip():
        raise UnionKpiError("empty_file")
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return _read_workbook(path, data)
    if b"\x00" in data[:8192]:
        raise UnionKpiError("unreadable_file")
    return [Sheet(None, csv_rows(_decode(data)))]


def _read_workbook(path: Path, data: bytes) -> list[Sheet]:
    # An encrypted xlsx is an OLE container holding an "EncryptedPackage".
    if data.startswith(OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        raise UnionKpiError("encrypted_workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            cells = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append(Sheet(name, [(i + 1, list(row)) for i, row in enumerate(cells)]))
    except Exception as exc:  # calamine raises several types for bad files
        raise UnionKpiError(
            "unreadable_file",
            f"工作簿无法读取：{exc}",
            f"the workbook cannot be read: {exc}",
        ) from exc
    return sheets


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnionKpiError("unknown_encoding")


def delimiter(text: str) -> str:
    """csv.Sniffer stumbles on a title line above the header; the delimiter
    that occurs most in the first lines is a sturdier guess."""
    return max(",\t;", key="\n".join(text.splitlines()[:20]).count)


def csv_rows(text: str) -> list[tuple[int, list[Any]]]:
    """(line a person sees, cells) for each record of CSV text."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    rows = []
    start = 1
    for record in reader:
        rows.append((start, record))
        start = reader.line_num + 1
    return rows
