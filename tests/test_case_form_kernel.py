"""The case form driven over the Voila kernel socket with no browser — as a script could: values no
person could enter in the page are refused with a Japanese message and leave the store unchanged;
a valid value sent the same way is saved (so the channel really reaches the save callback), and
a draft is autosaved by the kernel a few seconds after the last change."""

from __future__ import annotations

import pytest

from casebook.apps.editable import case_form_url, prepare_apps_dir
from casebook.model import Case
from casebook.store import Store
from kernel_channel import KernelChannel
from voila_support import running_voila

pytestmark = pytest.mark.slow

TITLE = "ひとり暮らし高齢者の見守り"


def unchanged(settings, case_id: str) -> bool:
    with Store.open(settings) as store:
        record = store.get_case(case_id)
        return record.version == 1 and record.case.title == TITLE and len(store.history(case_id)) == 1


def test_values_sent_over_the_kernel_socket_are_refused_and_change_nothing(settings):
    with Store.open(settings) as store:
        case_id = store.create_case(Case(id="2024-27116-01", title=TITLE, ward="生野区", fiscal_year=2024),
                                    author="職員A").case.id
    with running_voila(prepare_apps_dir(settings), settings, log_name="case-form-kernel.log") as server:
        with KernelChannel.from_page(case_form_url(server, case_id=case_id, role="staff", ward="生野区",
                                                   author="職員A")) as kc:
            title, save = kc.find(dom_class="wb-f-title"), kc.find(dom_class="wb-save")
            status = kc.find(dom_class="wb-save-status")
            msg = lambda path: kc.text(kc.find(dom_class=f"wb-f-{path}-msg"))  # noqa: E731

            kc.set(title, value="長" * 300)
            kc.click(save)
            assert "入力に誤りがあります" in kc.text(status) and "200文字以内" in msg("title")
            kc.set(title, value="題名\x00\x1b[31m")
            assert "制御文字" in msg("title")
            kc.set(title, value=["not", "a", "string"])
            assert "文字列ではない値" in msg("title")
            kc.click(save)
            assert unchanged(settings, case_id)

            ward, year = kc.find(dom_class="wb-f-ward"), kc.find(dom_class="wb-f-fiscal_year")
            kc.set(ward, index=0)                       # disabled in the page: a ward's staff keep their ward
            assert "現在編集できません" in msg("ward") and kc.state(ward)["index"] == 14
            kc.set(year, index=999)
            assert "選択肢にない値" in msg("fiscal_year")
            kc.set(year, _options_labels=["2099年度"], index=0)   # a key a browser never sends
            assert "変更できません" in msg("fiscal_year")
            themes = kc.find(dom_class="wb-check-0")                    # a theme's checkbox takes yes / no only
            kc.set(themes, value="見守り・訪問")
            assert "はい／いいえ以外" in msg("themes")

            kc.set(kc.find(dom_class="wb-tabs"), selected_index=1)        # the section is built on first open
            complaint = kc.find(dom_class="wb-f-summary-main_complaint")
            kc.set(complaint, value="あ" * 9000)
            kc.click(save)
            assert "8000文字以内" in msg("summary-main_complaint")

            kc.set(kc.find(dom_class="wb-tabs"), selected_index=4)
            kc.set(kc.find(dom_class="wb-ecomap-new-kind"), index=99)
            kc.set(kc.find(dom_class="wb-ecomap-tie-target"), index=0)    # the person to the person
            kc.click(kc.find(dom_class="wb-ecomap-add-tie"))
            assert "別々の要素" in kc.text(kc.find(dom_class="wb-ecomap-message"))
            assert unchanged(settings, case_id)

            kc.set(complaint, value="Aさんは外出が減っている")
            kc.set(title, value="見守りから始まった支援")
            kc.click(save)
            assert "版 2" in kc.text(status)

            kc.set(kc.find(dom_class="wb-tabs"), selected_index=2)
            kc.set(kc.find(dom_class="wb-f-person-wishes"), value="住み慣れた家で暮らしたい")
            assert "未保存の変更" in kc.text(status)
            kc.wait_for(lambda k: "自動保存しました" in k.text(status), timeout=15)   # a few seconds after typing
            assert "版 3" in kc.text(status)
        with Store.open(settings) as store:
            record = store.get_case(case_id)
            assert record.version == 3 and record.case.title == "見守りから始まった支援"
            assert record.case.person.wishes == "住み慣れた家で暮らしたい"

        with KernelChannel.from_page(case_form_url(server, case_id=case_id, role="advisor", author="助言者B")) as kc:
            kc.set(kc.find(dom_class="wb-f-title"), value="助言者による書き換え")   # disabled for an advisor
            kc.click(kc.find(dom_class="wb-save"))                                # hidden for an advisor
            kc.set(kc.find(dom_class="wb-comment-text"), value="下書きへのコメント")
            kc.click(kc.find(dom_class="wb-comment-add"))        # comments wait until the case is submitted
            assert "コメントを追加できません" in kc.text(kc.find(dom_class="wb-review-message"))
        with Store.open(settings) as store:
            record = store.get_case(case_id)
            assert record.version == 3 and record.case.title == "見守りから始まった支援" and not record.case.comments

        for query, expected in [({"role": "admin"}, "役割（role）「admin」は使えません"),
                                ({"role": "staff", "ward": "堺市北区"}, "「堺市北区」は大阪市の区ではありません"),
                                ({"role": "staff", "ward": "生野区", "debug": "1"}, "使えない指定があります")]:
            with KernelChannel.from_page(case_form_url(server, author="職員A", **query)) as kc:
                assert expected in kc.text(kc.find(dom_class="wb-refusal"))
                assert kc.find_all(dom_class="wb-save") == [] and kc.find_all(model="TextareaModel") == []
