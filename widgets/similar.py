"""「似ている事例」: the cases most like the one on the page that this person may read, each with why
(shared theme, shared words, same kind of household). The ranking and who may read what are
casebook.analysis.similar's and casebook.workflow's; this panel only shows them, when opened."""
from __future__ import annotations

import ipywidgets as w

from casebook import identity, vocab
from widgets.common import GButton, esc, html, notice, tag, vbox

K = 5


class SimilarPanel:
    def __init__(self, host):
        self.host = host      # the CaseApp: .store, .user, .record, .read_only
        self.body = html('<div class="wb-help">事例を開くと、似ている事例を探せます。</div>', "wb-similar-body")
        self.button = tag(GButton(description="似ている事例を探す"), "wb-similar-find")
        self.button.on_click(lambda _: self.show())
        self.widget = tag(vbox([html("<h3>似ている事例</h3>"), self.button, self.body]), "wb-similar")

    def show(self) -> None:
        from casebook.analysis.similar import similar_cases
        from casebook.errors import WorkbenchError

        record = self.host.record
        if record is None:
            self.body.value = notice(["保存すると、似ている事例を探せます"], "info")
            return
        try:
            found = similar_cases(self.host.store, record.case.id, self.host.user, k=K)
        except WorkbenchError as exc:
            self.body.value = notice([str(exc)], "error")
            return
        if not found:
            self.body.value = '<div class="wb-help">似ている事例は見つかりませんでした。</div>'
            return
        page = identity.CasePage(self.host.user, record.case.id, self.host.read_only)
        rows = "".join(
            f'<li><a href="{esc(identity.case_url(page, case_id=s.case_id))}">{esc(s.title)}</a>'
            f"（{esc(s.ward)}・{esc(vocab.format_fiscal_year(s.fiscal_year))}・{esc(vocab.status_label(s.status))}）"
            f'<div class="wb-help">{esc("／".join(s.reasons))}</div></li>' for s in found)
        self.body.value = f'<ol class="wb-similar-list">{rows}</ol>'


def similar_widget(host) -> w.Widget:
    return SimilarPanel(host).widget
