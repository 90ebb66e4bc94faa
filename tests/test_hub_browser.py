"""The workbench as a JupyterHub service, in Debian's Chromium against a real JupyterHub with
configurable-http-proxy (the npm package under hub/) and the workbench's Voila started by the hub as
a managed service, all on free ports on 127.0.0.1. One hub for the module: it takes ~20–40 s to start.

Users sign in at the hub's own page (the demo's shared-password authenticator); their hub groups
(parameters/hub/groups.yaml) give the workbench role and ward: a 生野区 staff member sees and edits
their ward's cases and is refused another ward's draft; an editor sees the approve control; a hub
user in no mapped group gets the workbench's Japanese refusal. Staff cannot start a server of their
own (JupyterLab) while a member of the lab group can. Signing out at the hub ends the workbench:
a reload goes to the hub's sign-in and an open kernel socket is closed.
"""
from __future__ import annotations

import time

import pytest
import websocket
from browser_support import keep_local
from kernel_channel import KernelChannel, page_kernel_id
from playwright.sync_api import expect

from casebook.apps.hub_config import load_hub_settings, prepare, start_hub
from casebook.apps.serving import free_port
from casebook.model import Case
from casebook.settings import REPO_ROOT, Settings
from casebook.store import Store

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TIMEOUT = 60_000
PREFIX = "/services/workbench"
FORM = PREFIX + "/voila/render/case_analysis.ipynb"
USERS = {"yamada": ["ward-27116"], "suzuki": ["workbench-editors"], "takahashi": ["workbench-advisors", "workbench-lab"],
         "guest": []}
IKUNO_CASE = "2024-27116-01"
KITA_DRAFT = "2024-27127-01"
SCREENSHOTS = REPO_ROOT / "build" / "screenshots" / "hub"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    with Store.open(settings) as store:
        store.create_case(Case(id=IKUNO_CASE, title="見守りから始まった支援", ward="生野区", fiscal_year=2024), author="yamada")
        store.change_status(IKUNO_CASE, "submitted", author="yamada", role="staff", base_version=1)
        store.change_status(IKUNO_CASE, "reviewed", author="takahashi", role="advisor", base_version=2)
        store.create_case(Case(id=KITA_DRAFT, title="北区の下書き", ward="北区", fiscal_year=2024), author="tanaka")
    config = load_hub_settings(port=free_port(), hub_port=free_port(), proxy_api_port=free_port(),
                               service_url=f"http://127.0.0.1:{free_port()}", pool=1, demo_users=USERS)
    process = start_hub(settings, config, log_path=settings.build_dir / "logs" / "hub.log")
    try:
        yield settings, process, prepare(settings, config).demo_password.read_text().strip()
    finally:
        process.stop()


def signed_in(browser, hub, name: str):
    """A browser context of its own, signed in at the hub's page; the hub sends it on to the workbench."""
    _, process, password = hub
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    keep_local(context)
    page = context.new_page()
    page.goto(process.url + PREFIX + "/", timeout=TIMEOUT)
    expect(page.locator("#username_input")).to_be_visible(timeout=TIMEOUT)   # the hub's sign-in page
    page.fill("#username_input", name)
    if name == "yamada":
        shot(page, "hub_signin")
    page.fill("#password_input", password)
    page.click("#login_submit")
    return context, page


def hub_xsrf(context) -> str:
    """The hub's own _xsrf cookie (the workbench service sets one of its own under its path)."""
    return next(c["value"] for c in context.cookies() if c["name"] == "_xsrf" and c["path"] == "/hub/")


def test_staff_reach_their_wards_cases_with_their_role_and_edit(browser, hub):
    settings, process, _ = hub
    context, page = signed_in(browser, hub, "yamada")
    expect(page.locator(".wb-home-who")).to_have_text("yamada（区社協職員・生野区）", timeout=TIMEOUT)
    expect(page.locator(".wb-home-cases")).to_contain_text(IKUNO_CASE)
    expect(page.locator(".wb-home-cases")).not_to_contain_text(KITA_DRAFT)
    expect(page.get_by_text("パスワードを変更する")).to_have_count(0)       # the hub keeps passwords
    shot(page, "staff_home")
    page.click("a.wb-new-case")
    expect(page.locator(".wb-title")).to_contain_text("yamada（区社協職員）", timeout=TIMEOUT)
    expect(page.locator(".wb-f-ward select")).to_be_disabled()
    page.locator(".wb-f-title input").fill("ごみ出しが難しくなった高齢夫婦への支援")
    page.locator(".wb-f-fiscal_year select").select_option(label="2024年度（令和6年度）")
    page.locator("button.wb-save").click()
    expect(page.locator(".wb-save-status")).to_contain_text("版 1", timeout=TIMEOUT)
    shot(page, "staff_case_form")

    refused = page.goto(process.url + FORM + f"?case_id={KITA_DRAFT}", timeout=TIMEOUT)
    assert refused.status == 403
    expect(page.locator(".wb-refusal")).to_contain_text("この事例は北区の事例です")
    context.close()
    with Store.open(settings) as store:
        account = store.get_user("yamada")
        assert (account.role, account.ward, account.password_hash) == ("staff", "生野区", "")
        saved = [r for r in store.list_cases(ward="生野区") if r.case.title.startswith("ごみ出し")]
        assert len(saved) == 1 and saved[0].updated_by == "yamada"
        actions = [e.action for e in store.audit_log(actor="yamada")]
        for expected in ("user.hub_add", "user.sign_in", "case.create", "page.refused"):
            assert expected in actions


def test_an_editor_from_the_editors_group_sees_the_approve_control(browser, hub):
    _, process, _ = hub
    context, page = signed_in(browser, hub, "suzuki")
    expect(page.locator(".wb-home-who")).to_contain_text("suzuki（編集者", timeout=TIMEOUT)
    page.goto(process.url + FORM + f"?case_id={IKUNO_CASE}", timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    page.locator(".wb-tabs .lm-TabBar-tab", has_text="助言・承認").click()
    expect(page.locator("button.wb-move-approved")).to_be_visible()
    shot(page, "editor_approve_tab")
    page.goto(process.url + PREFIX + "/", timeout=TIMEOUT)
    page.click(".wb-signout button")                          # the workbench's own サインアウト
    expect(page.locator("#username_input")).to_be_visible(timeout=TIMEOUT)   # signed out at the hub too
    page.goto(process.url + PREFIX + "/", timeout=TIMEOUT)
    expect(page.locator("#username_input")).to_be_visible(timeout=TIMEOUT)
    context.close()


def test_a_hub_user_in_no_mapped_group_is_refused_in_japanese(browser, hub):
    settings, process, _ = hub
    context, page = signed_in(browser, hub, "guest")
    expect(page.locator("h1")).to_have_text("このワークベンチは使えません", timeout=TIMEOUT)
    expect(page.locator(".wb-refusal")).to_contain_text("ワークベンチの役割を決めるグループがありません")
    shot(page, "unmapped_refused")
    response = page.goto(process.url + FORM, timeout=TIMEOUT)
    assert response.status == 403 and "kernelId" not in page.content()
    context.close()
    with Store.open(settings) as store:
        assert store.get_user("guest") is None
        assert "user.hub_refused" in [e.action for e in store.audit_log(actor="guest")]


def test_staff_cannot_start_jupyterlab_but_the_lab_group_can(browser, hub):
    _, process, _ = hub
    context, page = signed_in(browser, hub, "yamada")
    expect(page.locator(".wb-home-who")).to_be_visible(timeout=TIMEOUT)
    response = page.goto(process.url + "/hub/spawn", timeout=TIMEOUT)
    assert response.status == 403
    expect(page.locator(".wb-hub-error h1")).to_have_text("この操作は許可されていません")
    shot(page, "staff_spawn_refused")
    api = page.request.post(process.url + "/hub/api/users/yamada/server", headers={"X-XSRFToken": hub_xsrf(context)})
    assert api.status == 403 and "start:servers" in api.text()     # refused for its scopes
    context.close()

    context, page = signed_in(browser, hub, "takahashi")
    expect(page.locator(".wb-home-who")).to_contain_text("takahashi（学識経験者", timeout=TIMEOUT)
    response = page.goto(process.url + "/hub/spawn", timeout=TIMEOUT)
    assert response.status == 200
    xsrf = hub_xsrf(context)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        model = page.request.get(process.url + "/hub/api/users/takahashi", headers={"X-XSRFToken": xsrf}).json()
        if model.get("servers", {}).get("", {}).get("ready"):
            break
        time.sleep(1)
    else:
        pytest.fail(f"the lab user's server did not start: {model}")
    stopped = page.request.delete(process.url + "/hub/api/users/takahashi/server", headers={"X-XSRFToken": xsrf})
    assert stopped.status in (202, 204)
    context.close()


def test_signing_out_at_the_hub_ends_the_workbench_and_its_open_kernel_socket(browser, hub):
    settings, process, _ = hub
    context, page = signed_in(browser, hub, "yamada")
    expect(page.locator(".wb-home-who")).to_be_visible(timeout=TIMEOUT)
    page.goto(process.url + FORM + f"?case_id={IKUNO_CASE}", timeout=TIMEOUT)
    expect(page.locator(".wb-tabs")).to_be_visible(timeout=TIMEOUT)
    kernel_id = page_kernel_id(page.content())
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    ws_url = process.url.replace("http", "ws") + f"{PREFIX}/api/kernels/{kernel_id}/channels"
    channel = KernelChannel(ws_url, cookie=cookie)      # an open socket, as the page's own

    other = context.new_page()
    other.goto(process.url + "/hub/logout", timeout=TIMEOUT)
    expect(other.locator("#username_input")).to_be_visible(timeout=TIMEOUT)

    channel.ws.settimeout(2)
    deadline, closed = time.monotonic() + 45, False
    while time.monotonic() < deadline and not closed:
        try:
            if channel.ws.recv() == "":
                closed = True
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            closed = True
    assert closed, "the kernel socket stayed open after signing out at the hub"
    with pytest.raises(websocket.WebSocketException):            # refused (403, or sent back to sign in)
        websocket.create_connection(ws_url, cookie=cookie, timeout=10)

    page.reload(timeout=TIMEOUT)
    expect(page.locator("#username_input")).to_be_visible(timeout=TIMEOUT)   # back at the hub's sign-in
    context.close()
    with Store.open(settings) as store:
        ends = [e for e in store.audit_log(actor="yamada") if e.action == "user.sign_out"]
        assert ends and ends[-1].detail["via"] == "hub"
