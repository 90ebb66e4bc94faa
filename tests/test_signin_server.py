"""The signed-in server (`workbench serve` without --dev) driven by raw HTTP and kernel-socket
clients, as a script on the council's network could: the page's user comes from the sign-in (a
preheated kernel included), never from the URL; a page the user may not open is a 403 with the
reason; a socket without the right session cookie is refused; what a page may not do is refused
with the store unchanged; sign-out ends the page; a password guesser is locked out."""

from __future__ import annotations

import re

import pytest
import requests
import websocket

from casebook import accounts
from casebook.apps.editable import serve_apps
from casebook.apps.serving import SignInOptions
from casebook.model import Case
from casebook.settings import Settings
from casebook.store import Store
from kernel_channel import KernelChannel, page_kernel_id

pytestmark = pytest.mark.slow

PASSWORD = "council-network-2024"
FORM = "/voila/render/case_analysis.ipynb"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("signin")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    with Store.open(settings) as store:
        for name, role, ward in (("山田", "staff", "生野区"), ("田中", "staff", "北区"), ("高橋", "advisor", ""),
                                 ("鈴木", "editor", ""), ("佐藤", "staff", "生野区")):
            accounts.add_user(store, name, role, ward, actor="admin", password=PASSWORD)
        store.create_case(Case(id="2024-27127-01", title="北区の下書き", ward="北区", fiscal_year=2024), author="田中")
        store.create_case(Case(id="2024-27116-01", title="提出した事例", ward="生野区", fiscal_year=2024), author="山田")
        store.change_status("2024-27116-01", "submitted", author="山田", role="staff", base_version=1)
    srv = serve_apps(settings, pool_size=1, signin=SignInOptions(), log_path=settings.build_dir / "logs" / "signin.log")
    try:
        yield settings, srv
    finally:
        srv.stop()


def sign_in(url: str, name: str, password: str = PASSWORD) -> requests.Session:
    client = requests.Session()
    page = client.get(url + "/login")
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    reply = client.post(url + "/login", data={"_xsrf": xsrf, "name": name, "password": password, "next": "/"},
                        allow_redirects=False)
    client.last = reply
    return client


def cookie_of(client: requests.Session) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def store_of(settings):
    return Store.open(settings)


def test_a_staff_page_knows_its_user_from_the_server_whatever_the_url_says(server):
    settings, srv = server
    yamada = sign_in(srv.url, "山田")
    assert yamada.last.status_code == 302
    home = yamada.get(srv.url + "/")
    assert "山田（区社協職員・生野区）" in home.text and "2024-27116-01" in home.text and "2024-27127-01" not in home.text
    url = srv.url + FORM + "?role=editor&author=%E7%B7%A8%E9%9B%86%E8%80%85&ward=%E5%8C%97%E5%8C%BA"
    with KernelChannel.from_page(url, cookie=cookie_of(yamada)) as kc:
        title = kc.text(kc.find(dom_class="wb-title"))
        assert "山田（区社協職員）" in title and "編集者" not in title
        assert "開発モード" not in kc.page_html
    with store_of(settings) as store:
        assert [e.actor for e in store.audit_log(action="user.sign_in")][-1] == "山田"


def test_a_northern_ward_draft_is_refused_before_any_kernel_with_the_reason(server):
    settings, srv = server
    yamada = sign_in(srv.url, "山田")
    reply = yamada.get(srv.url + FORM + "?case_id=2024-27127-01&role=editor")
    assert reply.status_code == 403
    assert "この事例は北区の事例です" in reply.text and "kernelId" not in reply.text
    with store_of(settings) as store:
        refused = store.audit_log(action="page.refused", actor="山田")
        assert refused[-1].detail["status"] == 403
        assert store.get_case("2024-27127-01").version == 1


def test_what_a_staff_page_may_not_do_is_refused_over_the_socket_and_changes_nothing(server):
    settings, srv = server
    yamada = sign_in(srv.url, "山田")
    with KernelChannel.from_page(srv.url + FORM + "?case_id=2024-27116-01", cookie=cookie_of(yamada)) as kc:
        assert kc.find_all(dom_class="wb-move-approved") == []        # no 承認 for staff at all
        kc.set(kc.find(dom_class="wb-f-title"), value="書き換えた題名")     # the form is disabled: submitted
        kc.click(kc.find(dom_class="wb-save"))                           # hidden, pressed by a script
        kc.set(kc.find(dom_class="wb-comment-text"), value="職員が書いた助言")
        kc.click(kc.find(dom_class="wb-comment-add"))                    # advisors only
        assert "コメントを追加できません" in kc.text(kc.find(dom_class="wb-review-message"))
    with store_of(settings) as store:
        record = store.get_case("2024-27116-01")
        assert (record.version, record.case.title, record.case.comments) == (2, "提出した事例", [])


def test_a_socket_without_the_pages_own_session_cookie_is_refused(server):
    settings, srv = server
    yamada, tanaka = sign_in(srv.url, "山田"), sign_in(srv.url, "田中")
    page = yamada.get(srv.url + FORM)
    kernel_id = page_kernel_id(page.text)
    ws_url = srv.url.replace("http", "ws") + f"/api/kernels/{kernel_id}/channels"
    token = yamada.cookies["workbench_login"]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for cookie in (None, f"workbench_login={tampered}", cookie_of(tanaka)):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url, header=[f"Cookie: {cookie}"] if cookie else None, timeout=10)
        assert refused.value.status_code in (302, 403)
    assert requests.get(srv.url + f"/api/kernels/{kernel_id}", cookies=tanaka.cookies).status_code == 403
    with KernelChannel(ws_url, cookie=cookie_of(yamada)) as kc:        # the page's own user gets in
        assert "山田" in kc.text(kc.find(dom_class="wb-title"))


def test_after_sign_out_the_pages_and_their_sockets_refuse(server):
    settings, srv = server
    sato = sign_in(srv.url, "佐藤")
    page = sato.get(srv.url + FORM)
    kernel_id = page_kernel_id(page.text)
    cookie = cookie_of(sato)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', sato.get(srv.url + "/").text).group(1)
    assert "サインアウトしました" in sato.post(srv.url + "/logout", data={"_xsrf": xsrf}).text
    again = requests.get(srv.url + FORM, headers={"Cookie": cookie}, allow_redirects=False)
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(srv.url.replace("http", "ws") + f"/api/kernels/{kernel_id}/channels",
                                    header=[f"Cookie: {cookie}"], timeout=10)
    with store_of(settings) as store:
        assert store.audit_log(action="user.sign_out", actor="佐藤")


def test_a_form_without_its_xsrf_token_and_a_password_guesser_are_refused(server):
    settings, srv = server
    forged = requests.post(srv.url + "/login", data={"name": "鈴木", "password": PASSWORD}, allow_redirects=False)
    assert forged.status_code == 403 and "workbench_login" not in forged.cookies
    for n in range(5):
        guess = sign_in(srv.url, "鈴木", f"guess-{n}")
        assert guess.last.status_code == 403 and "workbench_login" not in guess.cookies
    assert "5回続けて間違えたため" in guess.last.text
    locked = sign_in(srv.url, "鈴木", PASSWORD)
    assert locked.last.status_code == 403 and "まで使えません" in locked.last.text
    with store_of(settings) as store:
        assert store.get_user("鈴木").locked_until is not None
        assert len(store.audit_log(action="user.sign_in_failed", actor="鈴木")) == 5


def test_the_similar_cases_api_answers_with_the_sign_in_and_never_shows_a_case_the_user_may_not_read(server):
    settings, srv = server
    api = srv.url + "/workbench/api/similar/2024-27116-01"
    with store_of(settings) as store:     # an editor of its own (another test locks 鈴木 out)
        accounts.add_user(store, "伊藤", "editor", "", actor="admin", password=PASSWORD)
    editor = sign_in(srv.url, "伊藤").get(api)
    assert editor.status_code == 200
    assert [s["case_id"] for s in editor.json()["similar"]] == ["2024-27127-01"]   # an editor reads every ward
    mine = sign_in(srv.url, "山田").get(api + "?role=editor")
    assert mine.status_code == 200 and mine.json()["similar"] == []               # 北区's draft is not his to read
    other_ward = sign_in(srv.url, "田中").get(api)
    assert other_ward.status_code == 403 and "生野区" in other_ward.json()["error"]
    anonymous = requests.get(api, allow_redirects=False)
    assert anonymous.status_code in (302, 403) and "2024-27127-01" not in anonymous.text
