"""A training day on the one signed-in server (`workbench serve`), in real browsers and by raw HTTP.

The facilitator signs in, finds their session on the home page, and their board shows the join code
and a QR code of the join URL. A participant with no account scans it on a phone, enters the code
and their name at /join, lands on the participant page as themselves, and sends a point that the
board shows. The facilitator closes the session; the participant's open page loses its kernel and
their pages say, in Japanese, that the session has ended. The session report is the facilitator's:
anonymous clients and participants are refused it, on the signed-in server and on `session serve`."""

from __future__ import annotations

import re
import time

import pytest
import requests
import yaml
from playwright.sync_api import expect

from a11y_support import describe, violations
from browser_support import keep_local
from casebook import accounts, sessions
from casebook.apps.editable import serve_apps
from casebook.apps.serving import SignInOptions
from casebook.settings import Settings
from casebook.store import Store
from signin_support import PASSWORD, TIMEOUT, signed_in_page

pytestmark = pytest.mark.slow

STORY, REPORTED = "2025-kiso2-day", "2025-kiso2-report"
BOARD = "/voila/render/sessions/{}/training_session.ipynb"
REPORT = "/voila/render/sessions/{}/report.ipynb"


def prepare(settings, tmp_path, session_id: str) -> None:
    params = {"id": session_id, "title": f"基礎研修 II 事例検討会（{session_id}）", "date": "2025-11-20",
              "kind": "basic2", "facilitator": "A氏",
              "participants": [{"name": n, "ward": w} for n, w in (("参加者01", "生野区"), ("参加者02", "北区"))],
              "groups": [{"name": "1グループ", "members": ["参加者01", "参加者02"]}],
              "questions": ["本人・世帯のストレングスは何か"]}
    path = tmp_path / f"{session_id}.yaml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    sessions.prepare(path, settings, execute=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("signin-sessions")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    with Store.open(settings) as store:
        for name, role in (("A氏", "facilitator"), ("C氏", "facilitator"), ("鈴木", "editor"), ("山田", "staff")):
            accounts.add_user(store, name, role, "生野区" if role == "staff" else "", actor="admin", password=PASSWORD)
    prepare(settings, root, STORY)            # prepared before the server starts
    srv = serve_apps(settings, pool_size=1, signin=SignInOptions(), log_path=settings.build_dir / "logs" / "s.log")
    try:
        yield settings, srv, root
    finally:
        srv.stop()


def code_of(settings, session_id: str) -> str:
    return accounts.join_code(accounts.cookie_secret(settings.data_dir), session_id)


def xsrf_of(client: requests.Session, url: str) -> str:
    return re.search(r'name="_xsrf" value="([^"]+)"', client.get(url).text).group(1)


def signed_in(url: str, name: str) -> requests.Session:
    client = requests.Session()
    reply = client.post(url + "/login", data={"_xsrf": xsrf_of(client, url + "/login"), "name": name,
                                              "password": PASSWORD, "next": "/"}, allow_redirects=False)
    assert reply.status_code == 302, reply.text
    return client


def joined(url: str, code: str, name: str) -> requests.Session:
    client = requests.Session()
    reply = client.post(url + "/join", data={"_xsrf": xsrf_of(client, url + "/join"), "code": code, "name": name},
                        allow_redirects=False)
    assert reply.status_code == 302, reply.text
    return client


def status_of(client: requests.Session, url: str) -> tuple[int, str]:
    """The page's status without waiting for its kernel to finish (Voila streams the page)."""
    with client.get(url, stream=True, allow_redirects=False, timeout=60) as reply:
        head = next(reply.iter_content(4096, decode_unicode=True), "") if reply.status_code != 200 else ""
        return reply.status_code, head


@pytest.mark.browser
def test_a_facilitator_runs_the_day_and_a_participant_joins_by_code_on_a_phone(server, browser):
    settings, srv, _ = server
    code = code_of(settings, STORY)
    fac_ctx, fac = signed_in_page(browser, "A氏", srv)
    phone = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        external = keep_local(phone)
        fac.click(f"a[href$='{BOARD.format(STORY)}']")              # "担当する研修会" on the home page
        panel = fac.locator(".wb-join")
        expect(panel.locator(".wb-join-code")).to_have_text(f"{code[:3]} {code[3:]}", timeout=TIMEOUT)
        join_url = f"{srv.url}/join?code={code}"
        expect(panel.locator(".wb-join-url")).to_have_text(join_url)
        qr = panel.locator("svg[role=img]")
        assert join_url in qr.get_attribute("aria-label")
        from casebook.render.qr import qr_svg           # segno is deterministic: the same modules = the same URL
        expected = re.search(r' d="([^"]+)"', qr_svg(join_url, "x")).group(1)
        assert re.search(r' d="([^"]+)"', qr.evaluate("e => e.outerHTML")).group(1) == expected
        expect(fac.locator(".wb-updated")).to_contain_text("意見 0 件", timeout=TIMEOUT)
        found = violations(fac)
        assert not found, describe(found)

        page = phone.new_page()                          # what the QR code opens
        page.goto(join_url, timeout=TIMEOUT)
        expect(page.locator("#code")).to_have_value(code)
        page.fill("#name", "参加者01")
        page.fill("#ward", "生野区")
        page.click("button[type=submit]")
        expect(page.locator(".wb-s-who")).to_contain_text("参加者01 さん（1グループ）", timeout=TIMEOUT)
        expect(page.locator(".wb-s-name input")).to_be_disabled()   # the name is the join page's, fixed
        page.locator(".wb-s-q0-text textarea").fill("近所の喫茶店の店主が毎朝声をかけている")
        page.locator(".wb-s-q0-send").click()
        expect(page.locator(".wb-s-q0-status")).to_contain_text("送信しました", timeout=TIMEOUT)
        expect(fac.locator(".wb-board")).to_contain_text("近所の喫茶店の店主", timeout=15_000)

        fac.locator(".lm-TabBar-tab", has_text="まとめ・終了").click()
        fac.locator(".wb-close-confirm input").check()
        fac.locator(".wb-close").click()
        expect(fac.locator(".wb-fac-status")).to_contain_text("研修会を終了しました", timeout=TIMEOUT)

        expect(page.locator(".wb-s-closed")).to_contain_text("研修会は終了しました", timeout=15_000)   # the open page
        expect(page.locator(".wb-s-q0-text textarea")).to_be_disabled()
        log = settings.build_dir / "logs" / "s.log"   # then the server ends its kernel (and socket)
        deadline = time.monotonic() + 20
        while "shutting down participant kernel" not in log.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "shutting down participant kernel" in log.read_text(errors="replace")
        reply = page.reload(timeout=TIMEOUT)
        assert reply.status == 403
        expect(page.locator("main")).to_contain_text("終了しました")
        assert external == []
    finally:
        phone.close()
        fac_ctx.close()
    with Store.open(settings) as store:
        assert store.get_session(STORY).closed
        assert [(n.author, n.text) for _, n in store.group_notes(STORY)] == [("参加者01", "近所の喫茶店の店主が毎朝声をかけている")]
        assert [(j.participant, j.ward) for j in store.session_joins(STORY)] == [("参加者01", "生野区")]


def test_the_report_is_the_facilitators_on_both_servers(server):
    settings, srv, root = server
    prepare(settings, root, REPORTED)              # prepared while the server runs: served at once
    sessions.report(REPORTED, settings)
    assert (settings.build_dir / "apps" / "sessions" / REPORTED / "report.ipynb").is_file()
    url = srv.url + REPORT.format(REPORTED)

    anonymous = status_of(requests.Session(), url)
    assert anonymous[0] == 302                     # to the sign-in page, no kernel
    participant = joined(srv.url, code_of(settings, REPORTED), "参加者02")
    assert status_of(participant, srv.url + "/voila/render/sessions/" + REPORTED + "/session_participant.ipynb")[0] == 200
    status, body = status_of(participant, url)
    assert status == 403 and "ファシリテーター用" in body
    assert status_of(signed_in(srv.url, "山田"), url)[0] == 403
    assert status_of(signed_in(srv.url, "C氏"), url)[0] == 403      # another session's facilitator
    assert status_of(signed_in(srv.url, "A氏"), url)[0] == 200
    home = signed_in(srv.url, "A氏").get(srv.url + "/").text
    assert STORY in home and f'href="{REPORT.format(REPORTED)}"' in home     # "担当する研修会" with its report
    assert REPORTED in signed_in(srv.url, "鈴木").get(srv.url + "/").text   # editors: every session
    assert REPORTED not in signed_in(srv.url, "C氏").get(srv.url + "/").text

    plain = sessions.serve(REPORTED, settings, pool_size=0, wait=True)   # no sign-in: the key mechanism
    try:
        anyone = requests.Session()
        assert status_of(anyone, plain.page_url("report.ipynb"))[0] == 404
        assert status_of(anyone, plain.page_url("report.ipynb", key=plain.facilitator_key))[0] == 404
        assert status_of(anyone, plain.page_url(sessions.PARTICIPANT_NOTEBOOK))[0] == 200
    finally:
        plain.stop()
