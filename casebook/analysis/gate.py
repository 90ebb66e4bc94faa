"""The privacy gate for everything the analysis lets out (HTML, PDF, Excel).

An analysis report quotes text written for unpublished cases too (titles, advisors' key points), so
every quoted text passes `casebook.privacy.find_pii` on the way out:

- a quoted text (title, key point) with findings is MASKED: replaced by `privacy.anonymize`'s
  suggestion (山田さん → Aさん, a phone number → （略）), and counted, so the report can say how many;
- a single word (a characteristic word) with findings is LEFT OUT: a masked word means nothing.

`Gate` keeps the count of what it changed; the report prints it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Gate:
    masked: int = 0      # quoted texts shown with their findings replaced
    dropped: int = 0     # words left out

    def text(self, text: str) -> str:
        """The text as it may leave: unchanged, or anonymised when the detector finds anything."""
        from casebook.privacy import anonymize, find_pii

        if not text or not find_pii(text):
            return text
        self.masked += 1
        return anonymize(text)

    def word_ok(self, word: str) -> bool:
        """Whether a single word may be shown (False: it is left out and counted)."""
        from casebook.privacy import find_pii

        if find_pii(word):
            self.dropped += 1
            return False
        return True

    @property
    def note(self) -> str:
        """One Japanese line for the report ('' when nothing was changed)."""
        parts = []
        if self.masked:
            parts.append(f"個人が特定されるおそれのある記述を含む引用 {self.masked} 件は、該当箇所を伏せて載せています")
        if self.dropped:
            parts.append(f"特徴語のうち {self.dropped} 語は個人情報のおそれがあるため載せていません")
        return "。".join(parts) + ("。" if parts else "")
