"""More than one app server (casebook.apps.balancer): HAProxy in front of two signed-in Voila servers on
one PostgreSQL store and one cookie secret.

The slow test runs a small benchmarks/balanced_load.py: participants and staff signed in through the
balancer save at once (everything must be in the store), then the server with a Chromium user on it is
SIGKILLed while everyone is typing. The raw users reopen their pages through the balancer on the
other server; their saves are all in the store and the characters they lose are counted from what the
reopened pages show. The Chromium user sees the Japanese kernel-lost notice, reloads, lands on the other
server still signed in, and finds their saved case. Nothing here asserts a time."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from casebook import accounts
from casebook.accounts import SECRET_FILE_ENV, AccountError
from casebook.apps.balancer import STICKY_COOKIE, Backend, haproxy_config, haproxy_path
from casebook.settings import Settings
from casebook.store import Store

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))


def test_the_written_config_is_one_haproxy_accepts_with_sticky_cookies_and_health_checks(tmp_path):
    backends = [Backend("app1", "10.0.0.11", 8866), Backend("app2", "10.0.0.12", 8866)]
    text = haproxy_config(backends, port=8080, host="0.0.0.0", stats_socket=tmp_path / "s.sock")
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    checked = subprocess.run([haproxy_path(), "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"cookie {STICKY_COOKIE} insert indirect nocache httponly\n" in text
    assert "server app2 10.0.0.12:8866 check cookie app2" in text
    assert "option httpchk GET /login" in text and "option redispatch" in text
    assert "timeout tunnel" in text                      # open pages' websockets are not cut at 60 s


def test_every_server_can_be_given_one_secret_file_and_a_readable_one_is_refused(tmp_path, monkeypatch):
    shared = tmp_path / "secret"
    shared.write_text("a" * 64 + "\n")
    shared.chmod(0o644)
    monkeypatch.setenv(SECRET_FILE_ENV, str(shared))
    with pytest.raises(AccountError) as refused:
        accounts.cookie_secret(tmp_path / "data")
    assert SECRET_FILE_ENV in str(refused.value) and "chmod 600" in str(refused.value)
    shared.chmod(0o600)
    assert accounts.cookie_secret(tmp_path / "data") == b"a" * 64
    assert accounts.cookie_secret(tmp_path / "other-machine") == b"a" * 64
    assert not (tmp_path / "data" / "cookie_secret").exists()     # the given file, not a new one
    monkeypatch.setenv(SECRET_FILE_ENV, str(tmp_path / "missing"))
    with pytest.raises(AccountError, match="ありません"):
        accounts.cookie_secret(tmp_path / "data")


def test_serve_refuses_a_balanced_dev_server(tmp_path):
    env = {**os.environ, "WORKBENCH_DATA": str(tmp_path / "data"), "WORKBENCH_BUILD": str(tmp_path / "build"),
           "PYTHONPATH": str(REPO_ROOT)}
    env.pop("WORKBENCH_DB_URL", None)
    reply = subprocess.run([sys.executable, "-m", "casebook.cli", "serve", "--servers", "2", "--dev"],
                           capture_output=True, text=True, env=env, check=False, timeout=120)
    assert reply.returncode == 2 and "--servers 2 以上はサインインありでしか動かせません" in reply.stderr


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.browser
def test_two_servers_a_killed_one_and_nothing_lost_but_the_last_keystrokes(tmp_path, browser):
    from playwright.sync_api import expect

    import balanced_load
    from browser_support import keep_local
    from conftest import _drop_pg_database, _fresh_pg_database
    from signin_support import PASSWORD, TIMEOUT

    url = _fresh_pg_database()
    settings = Settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build", db_url=url)
    settings.data_dir.mkdir(parents=True)
    seen: dict = {}
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    external = keep_local(context)
    page = context.new_page()

    def sticky() -> str:
        return next(c["value"] for c in context.cookies() if c["name"] == STICKY_COOKIE)

    def on_ready(balanced, base, case_ids):
        """The Chromium user signs in through the balancer, saves their case, and their server is the one killed."""
        seen["case"] = case_ids["職員B"]
        page.goto(base + "/", timeout=TIMEOUT)
        page.fill("#name", "職員B")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".wb-home-who")).to_contain_text("職員B", timeout=TIMEOUT)
        page.goto(f"{base}{balanced_load.FORM}?case_id={seen['case']}", timeout=120_000)
        title = page.locator(".wb-f-title input")
        expect(title).to_be_editable(timeout=120_000)
        title.fill("ブラウザで保存した題")
        page.locator("button.wb-save").click()
        expect(page.locator(".wb-save-status")).to_contain_text("保存しました", timeout=TIMEOUT)
        expect(page.locator(".wb-kernel-lost")).to_have_count(0)
        seen["first"] = sticky()
        return seen["first"]

    def after(balanced):
        """The killed server's browser page: the notice, a reload through the balancer, the saved case."""
        notice = page.locator(".wb-kernel-lost")
        expect(notice).to_be_visible(timeout=60_000)
        expect(notice).to_contain_text("サーバーとの接続が切れました")
        expect(notice).to_contain_text("最後に保存した後に入力した文字は失われます")
        expect(notice.locator(".wb-kernel-lost-countdown")).to_contain_text("秒で自動的に再読み込みします")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "balancer_kernel_lost.png"))
        notice.locator(".wb-kernel-lost-wait").click()
        expect(notice.locator(".wb-kernel-lost-countdown")).to_contain_text("自動の再読み込みを止めました")
        notice.locator(".wb-kernel-lost-reload").click()
        title = page.locator(".wb-f-title input")
        expect(title).to_have_value("ブラウザで保存した題", timeout=120_000)    # from the store, still signed in
        expect(page.locator(".wb-kernel-lost")).to_have_count(0)
        seen["second"] = sticky()
        title.fill("ブラウザで保存した題（別のサーバーで続き）")
        page.locator("button.wb-save").click()
        expect(page.locator(".wb-save-status")).to_contain_text("保存しました", timeout=TIMEOUT)
        page.screenshot(path=str(ARTIFACTS / "balancer_after_reload.png"))

    try:
        result = balanced_load.run_load(settings, participants=4, staff=3, rounds=12, pace=0.4, kill_after=2.5,
                                        on_ready=on_ready, after=after, reload_after=600)
        print(balanced_load.report(result))
        with Store.open(settings) as store:
            saved_title = store.get_case(seen["case"]).case.title
    finally:
        context.close()
        _drop_pg_database(url)

    assert [c.error for c in result.clients if c.error] == []
    assert result.refusals == [] and result.phase1_missing == []
    assert result.phase2_missing == []            # every acknowledged save and send is in the store
    on_killed = [c for c in result.clients if c.servers[0] == result.killed]
    assert result.killed == seen["first"] and on_killed
    for client in result.clients:
        if client in on_killed:
            assert client.failures >= 1 and client.server != result.killed   # moved to the other server
        else:
            assert client.failures == 0 and client.lost_chars == 0 and len(client.servers) == 1
    # What was lost is only what the killed server's users typed since their last save: at most the
    # updates since their last save (3 updates of 3 characters, plus the one being typed).
    assert all(c.lost_chars <= 4 * 3 for c in on_killed)
    assert seen["second"] != seen["first"]
    assert saved_title == "ブラウザで保存した題（別のサーバーで続き）"
    assert external == []
