"""Bulk import of marketplace and legacy orders, from CSV or JSON lines.

`oms import-orders` and the orderImport mutation both come here. A file is
first checked and counted as a whole (`read_path`, `read_text`), then its
orders are placed one by one (`run`, or `import_file` with a report file):

  records.py   the two file formats, read into numbered records
  checking.py  one order's records checked into a draft, every mistake kept
  reading.py   the two passes over a file: check and count, then stream orders
  running.py   placing each order in its own transaction, idempotently
  results.py   what each order came to, and the running totals
  report.py    the per-order report file (CSV or JSON)
"""
from .reading import ImportFile, format_of, read, read_path, read_text
from .records import COLUMNS, REQUIRED, ImportFileError, ImportFormat
from .report import REPORT_COLUMNS, Report, report_json, report_row
from .results import ImportResult, ImportStatus, RowError, Summary
from .running import ImportMode, import_file, run

__all__ = [
    "COLUMNS", "REPORT_COLUMNS", "REQUIRED", "ImportFile", "ImportFileError", "ImportFormat",
    "ImportMode", "ImportResult", "ImportStatus", "Report", "RowError", "Summary",
    "format_of", "import_file", "read", "read_path", "read_text", "report_json",
    "report_row", "run",
]
