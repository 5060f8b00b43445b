"""Which reader a statement needs, and the saved profile a bank's CSV file is read with.

OFX, QFX and QIF files say what their fields are. A CSV file does not: its layout
(``dataport.statement_csv.csv_layout``) is matched by its header against the
owner's saved ``ImportProfile``s, and a file from a bank without one waits for
the mapping step. The layout is kept on the job as JSON (``layout_dump``), so the
mapping page shows the file's first rows without reading the file again.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io

from dataport import statement_csv, statement_ofx, statement_qif
from dataport.models import ImportProfile
from dataport.statement_csv import CsvLayout, CsvMapping
from dataport.statement_lines import Statement, StatementLine, detect_format


def signature_hash(layout: CsvLayout) -> str:
    return hashlib.sha256(layout.signature.encode()).hexdigest()


def profile_for(owner, layout: CsvLayout) -> ImportProfile | None:
    """The owner's profile for files with this header, if one was saved."""
    return ImportProfile.objects.filter(owner=owner, signature=signature_hash(layout)).first()


def layout_dump(layout: CsvLayout) -> dict:
    """The layout as JSON, for the job's summary."""
    dumped = {field.name: getattr(layout, field.name) for field in dataclasses.fields(layout)}
    dumped["guess"] = layout.guess.to_dict() if layout.guess else None
    return dumped


def layout_load(dumped: dict) -> CsvLayout:
    values = dict(dumped)
    values["header"] = tuple(values["header"])
    values["sample"] = [tuple(row) for row in values["sample"]]
    values["guess"] = CsvMapping.from_dict(values["guess"]) if values.get("guess") else None
    if "date_formats" in values:  # JSON made its column numbers strings
        values["date_formats"] = {
            int(column): tuple(formats) for column, formats in values["date_formats"].items()
        }
    return CsvLayout(**values)


def sample_lines(layout: CsvLayout, mapping: CsvMapping) -> list[StatementLine]:
    """The layout's first rows read with ``mapping``: what the mapping page shows as
    "read as", so the user sees the dates and amounts before anything is staged."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=layout.delimiter, lineterminator="\n")
    writer.writerow(layout.header)
    writer.writerows(layout.sample)
    data = buffer.getvalue().encode()
    small = statement_csv.csv_layout(data)
    return list(statement_csv.read_mapped_csv(data, small, mapping))


def file_check(data: bytes, file_name: str) -> None:
    """What the upload checks before storing a file: that it is a statement at all.

    A CSV file's layout is found (its text, delimiter and header: a few
    milliseconds a megabyte); OFX and QIF files are parsed in the worker.
    Raises ``StatementFileError``.
    """
    if detect_format(data, file_name) == "csv":
        statement_csv.csv_layout(data)


def statement_read(data: bytes, file_name: str, *, owner, profile=None, day_first=None):
    """The statement in the file, or its ``CsvLayout`` when no profile reads it yet.

    Returns ``(statement, layout, profile)``: ``statement`` is None when the file is
    a CSV file without a profile (the mapping step). Raises
    ``StatementFileError`` for a file that cannot be read.
    """
    kind = detect_format(data, file_name)
    if kind == "ofx":
        return statement_ofx.read_ofx(data), None, None
    if kind == "qif":
        return statement_qif.read_qif(data, day_first=day_first), None, None
    layout = statement_csv.csv_layout(data)
    profile = profile or profile_for(owner, layout)
    if profile is None:
        return None, layout, None
    mapping = CsvMapping.from_dict(profile.mapping)
    lines = statement_csv.read_mapped_csv(data, layout, mapping)
    return Statement(format="csv", lines=lines), layout, profile
