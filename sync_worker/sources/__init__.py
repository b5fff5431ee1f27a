"""Input adapters. ``files``: CSV and XLSX lists read as streams of rows; ``mapping``: a row's
columns turned into observation keys. See docs/file-reader.md.

Pure in the project's sense: no broker, RPC, HTTP or Odoo client is imported here::

    from sync_worker.sources import FileHints, open_table, apply_mapping

    info, rows = open_table("leads.csv", FileHints(encoding="gb18030"))
    info.headers            # ("公司名称", "手机", ...), info.detection_notes says why
    for row in rows:        # streamed
        if row.problems:    # the row is rejected: row.problems[0].code / .message
            ...
        values = apply_mapping(row, {"公司名称": "name", "手机": "mobile"})
"""

from sync_worker.errors import FileRejected
from sync_worker.sources.files import FileHints, FileInfo, Limits, Row, RowProblem, open_table
from sync_worker.sources.mapping import MAPPABLE_FIELDS, apply_mapping, missing_columns

__all__ = [
    "MAPPABLE_FIELDS",
    "FileHints",
    "FileInfo",
    "FileRejected",
    "Limits",
    "Row",
    "RowProblem",
    "apply_mapping",
    "missing_columns",
    "open_table",
]
