"""Import and export (moving to one module per job; see records.py for now)."""

from casebook.exchange.records import (WHAT, Bundle, ImportFailed, export_file, format_of, import_file,  # noqa: F401
                                       load_sample, read_file, sample_files, write_bundle)
