"""JupyterHub in front of two app servers (casebook.apps.hub_balanced): the hub's configurable-http-proxy
route -> HAProxy -> two hub-mode app servers on one PostgreSQL store, all real, in Debian's Chromium.

A 生野区 staff member signs in at the hub, reaches the case form through the hub's URL and saves a new
case. The app server holding their kernel is SIGKILLed: the page shows the kernel-lost notice, reloads
through the proxy onto the other server, is still signed in (the hub's OAuth cookie is signed with the
one cookie secret both servers share), finds the saved case and saves it again. Nothing asserts a time."""
from __future__ import annotations

import pytest
from browser_support import keep_local
from playwright.sync_api import expect
from test_hub_browser import FORM, PREFIX, TIMEOUT, shot, signed_in

from casebook.apps.balancer import STICKY_COOKIE
from casebook.apps.hub_balanced import serve_hub_balanced
from casebook.apps.hub_config import hub_files, load_hub_settings
from casebook.apps.serving import free_port
from casebook.settings import Settings
from casebook.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.postgres]

TITLE = "ごみ出しが難しくなった高齢夫婦への支援"


def test_a_hub_user_whose_app_server_dies_continues_signed_in_on_the_other(tmp_path, browser):
    from conftest import _drop_pg_database, _fresh_pg_database

    url = _fresh_pg_database()
    settings = Settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build", db_url=url)
    settings.data_dir.mkdir(parents=True)
    config = load_hub_settings(port=free_port(), hub_port=free_port(), proxy_api_port=free_port(),
                               service_url=f"http://127.0.0.1:{free_port()}", pool=1,
                               demo_users={"yamada": ["ward-27116"]})
    running = serve_hub_balanced(settings, config, servers=2, log_dir=tmp_path / "logs")
    context = None
    try:
        password = hub_files(settings).demo_password.read_text().strip()
        context, page = signed_in(browser, (settings, running.hub, password), "yamada")
        external = keep_local(context)

        def sticky() -> str:
            return next(c["value"] for c in context.cookies() if c["name"] == STICKY_COOKIE)

        expect(page.locator(".wb-home-who")).to_have_text("yamada（区社協職員・生野区）", timeout=TIMEOUT)
        assert page.url.startswith(running.url + PREFIX)            # through the hub's proxy, not HAProxy
        page.click("a.wb-new-case")
        expect(page.locator(".wb-title")).to_contain_text("yamada（区社協職員）", timeout=TIMEOUT)
        page.locator(".wb-f-title input").fill(TITLE)
        page.locator(".wb-f-fiscal_year select").select_option(label="2024年度（令和6年度）")
        page.locator("button.wb-save").click()
        expect(page.locator(".wb-save-status")).to_contain_text("版 1", timeout=TIMEOUT)
        first = running.balanced.server_of(sticky())
        assert first is not None
        with Store.open(settings) as store:
            case_id = next(r.case.id for r in store.list_cases(ward="生野区") if r.case.title == TITLE)

        running.balanced.kill(first)                                 # the machine holding the kernel dies
        notice = page.locator(".wb-kernel-lost")
        expect(notice).to_be_visible(timeout=60_000)
        expect(notice).to_contain_text("サーバーとの接続が切れました")
        shot(page, "balanced_kernel_lost")
        notice.locator(".wb-kernel-lost-reload").click()
        # Still signed in on the other server: the form again, not the hub's sign-in page.
        expect(page.locator(".wb-title")).to_contain_text("yamada（区社協職員）", timeout=120_000)
        expect(page.locator("#username_input")).to_have_count(0)
        second = running.balanced.server_of(sticky())
        assert second is not None and second != first

        page.goto(running.url + PREFIX + "/", timeout=TIMEOUT)
        expect(page.locator(".wb-home-cases")).to_contain_text(case_id, timeout=TIMEOUT)
        page.goto(running.url + FORM + f"?case_id={case_id}", timeout=TIMEOUT)
        title = page.locator(".wb-f-title input")
        expect(title).to_have_value(TITLE, timeout=120_000)           # from the store
        title.fill(TITLE + "（別のサーバーで続き）")
        page.locator("button.wb-save").click()
        expect(page.locator(".wb-save-status")).to_contain_text("版 2", timeout=TIMEOUT)
        shot(page, "balanced_saved_on_the_other_server")
        assert running.balanced.server_of(sticky()) == second
        assert external == []
    finally:
        if context is not None:
            context.close()
        running.stop()
    try:
        with Store.open(settings) as store:
            saved = store.get_case(case_id)
            assert (saved.case.title, saved.version, saved.updated_by) == (TITLE + "（別のサーバーで続き）", 2, "yamada")
            actions = [e.action for e in store.audit_log(actor="yamada")]
            assert "case.create" in actions
            # One login for both servers: the second took the hub's token from the OAuth cookie the first
            # set. (With another cookie secret it would have gone through the hub's OAuth again, silently,
            # and a second token makes a second login.)
            assert actions.count("user.sign_in") == 1
    finally:
        _drop_pg_database(url)
