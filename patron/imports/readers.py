"""Read an import file (CSV in UTF-8 / UTF-8 with BOM / GBK, or XLSX) into a polars frame.

Every cell is read as a string, stripped, and empty cells become null; the caller validates
types with polars expressions. The frame gets a ``_row`` column: the row number as Excel shows
it (the header is row 1, the first data row is row 2).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from patron.core.errors import ValidationFailed

ROW = "_row"
UTF8_BOM = b"\xef\xbb\xbf"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported (unreadable, wrong columns, …)."""


def decode_csv(data: bytes) -> tuple[bytes, str]:
    """Return the file as UTF-8 bytes (without BOM) and the encoding it was found in.

    UTF-8 is tried strictly first (it is unambiguous); otherwise the file is read as GB18030,
    the superset of GBK that Chinese Excel writes.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030").encode("utf-8"), "gb18030"
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("The file is neither UTF-8 nor GBK text: %(error)s") % {"error": error}
            ) from error
    return data, encoding


def normalize_header(name: str) -> str:
    """Header cells are the snake_case field names; tolerate case, spaces and a stray BOM."""
    name = name.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", name)


def _read_csv(path: Path) -> tuple[pl.DataFrame, str]:
    data, encoding = decode_csv(path.read_bytes())
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            infer_schema=False,
            has_header=True,
            raise_if_empty=True,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": str(error).splitlines()[0]}
        ) from error
    return frame, encoding


def _read_excel(path: Path) -> tuple[pl.DataFrame, str]:
    try:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    except Exception as error:  # fastexcel raises its own error types for broken workbooks
        raise ImportFileError(
            _("The Excel file cannot be read: %(error)s") % {"error": str(error).splitlines()[0]}
        ) from error
    return frame.select(pl.all().cast(pl.String)), "xlsx"


def read_table(path: Path) -> tuple[pl.DataFrame, str]:
    """Read ``path`` into a frame of strings plus ``_row``; returns the frame and the encoding."""
    if not path.is_file():
        raise ImportFileError(_("File not found: %(path)s") % {"path": path})
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, encoding = _read_excel(path)
    else:
        frame, encoding = _read_csv(path)
    names = [normalize_header(name) for name in frame.columns]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ImportFileError(
            _("Duplicate columns in the header: %(columns)s") % {"columns": ", ".join(duplicates)}
        )
    frame.columns = names
    frame = frame.with_columns(
        pl.col(pl.String).str.strip_chars().replace("", None)
    ).with_row_index(ROW, offset=2)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    data_columns = [name for name in frame.columns if name != ROW]
    if data_columns:  # drop rows where every cell is empty (trailing lines from Excel)
        frame = frame.filter(~pl.all_horizontal(pl.col(data_columns).is_null()))
    return frame, encoding
