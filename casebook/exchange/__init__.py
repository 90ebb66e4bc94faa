"""Import and export of cases, ward activity figures and training sessions.

One module per job, each importing only the ones above it:

- ``report``    what an import or export hands back: Problem, ImportFailed, Bundle, the reports
- ``tables``    the sheets and their columns, derived from the model and the vocabulary
- ``cells``     one cell read into the model's value, and written back out
- ``reading``   files into raw tables and documents (YAML, JSON, CSV, Excel); a file it cannot
                read, hostile or damaged, becomes one Problem, never a traceback
- ``records``   raw tables and documents into validated records, every problem located
- ``importing`` whole files into a Bundle and into the store, all or nothing
- ``exporting`` the store into a file of any format, written whole or not at all

Formats, chosen by the file's suffix:

- ``.yaml`` / ``.yml`` / ``.json`` — one document
  ``{format: osaka-csw-workbench, version: 1, cases: [...], activity: [...], sessions: [...],
  group_notes: [...], evaluations: [...]}``; every key is optional on import and a bare list is
  read as a list of cases. Records are the model's own fields (English keys, Japanese values).
- ``.xlsx`` — one workbook, one sheet per table (below), Japanese column headers in row 1.
- ``.csv`` — the same tables as separate files side by side: ``NAME.csv`` holds the main table
  (事例 when cases are exported, else 活動状況 or 研修会) and every other table goes to
  ``NAME.<シート名>.csv`` (``NAME.支援の経過.csv``, ``NAME.エコマップ要素.csv`` …). Importing
  ``NAME.csv`` reads the siblings too; what a file holds is told by its name or its headers.
  Files are written as UTF-8 with a BOM (Excel opens them correctly); UTF-8 and Shift_JIS (cp932)
  are read. An export removes stale ``NAME.<シート名>.csv`` siblings it did not write, so an
  import never picks up a table from an earlier export.

Tables (sheet names, key column first; headers come from ``vocab.field_labels()``):

==================  ===========================================================================
事例                one row per case: the flat fields, nested sections as 「事例の概要 › 主訴」;
                    lists (キーワード, テーマ) separated by 「、」; はい／いいえ for the flags
支援の経過          事例番号 + one row per timeline entry, in order
エコマップ要素      事例番号, 要素ID, 名称, 種類, メモ
エコマップ関係線    事例番号, 起点, 終点, 関係の強さ, 方向, メモ
助言者コメント      事例番号, コメントの種類, 助言者, 本文, 日時 (ISO text, keeps the time zone)
活動状況            区, 年度, テーマ, 指標, 値, 単位 (the long table)
研修会              one row per session; 次第, 問い, 参加者, グループ in their own sheets
グループメモ        研修会ID, グループ, 問い (numbered from 1, as on the board), 記入者, 本文, ピン留め
評価                研修会ID, 参加者, 満足度, 理解度, 有用性 (1–5 or とてもよかった…), 感想・意見, 今後の要望
==================  ===========================================================================

Ward figures are also read in the wide shape wards actually send: one row per ward, one column
per 指標 (a name from ``vocab/figures.yaml``, optionally followed by its unit in brackets), and the
year from a 年度 column, the ``fiscal_year`` argument, the sheet's name or a title row above the
header (「令和6年度 活動状況」).

What staff type is accepted: 全角 digits, 令和/平成 years, ward names with or without 大阪市,
ward codes, blank rows, spaces around values, numbers with commas (1,234), title rows above the
header. Everything else is refused: an import first reads and validates every row of every file,
collects every problem as (file/sheet, row as Excel shows it, column header, Japanese reason), and
raises ``ImportFailed`` with the whole list; only when there is none is everything written, in one
store transaction (``Store.import_all``). Ids already in the store are problems too, unless
``replace=True``.

Text is kept as typed (no NFKC on prose); in Excel it is always stored as text, never as a formula,
and in CSV a cell that a spreadsheet would take for a formula (= + - @ first) gets a leading
apostrophe, which import removes again.
"""

from casebook.exchange.exporting import WHAT, export_file, write_bundle
from casebook.exchange.importing import import_file, load_sample, read_file, sample_files
from casebook.exchange.reading import format_of
from casebook.exchange.report import Bundle, ImportFailed

# What other code uses today; everything else is reached through its module.
__all__ = ["WHAT", "Bundle", "ImportFailed", "export_file", "format_of", "import_file", "load_sample",
           "read_file", "sample_files", "write_bundle"]
