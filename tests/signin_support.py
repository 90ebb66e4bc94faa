"""A signed-in workbench server for tests (users in the store, sign-in through the real pages)."""
from __future__ import annotations

from casebook import accounts
from casebook.apps.editable import serve_apps
from casebook.apps.serving import SignInOptions
from casebook.settings import Settings
from casebook.store import Store

PASSWORD = "council-network-2024"
FORM = "/voila/render/case_analysis.ipynb"
TIMEOUT = 30_000
STAFF = (("山田", "staff", "生野区"), ("田中", "staff", "北区"), ("高橋", "advisor", ""), ("鈴木", "editor", ""))


def start_server(root, *, users=STAFF, cases=(), pool_size: int = 2, log: str = "signin.log"):
    """(settings, server): a store under `root` with `users` (password PASSWORD) and `cases` — each
    (Case, author, [statuses to move through as (status, role)]) — served signed-in."""
    settings = Settings(data_dir=root / "data", build_dir=root / "build")
    settings.data_dir.mkdir(parents=True)
    with Store.open(settings) as store:
        for name, role, ward in users:
            accounts.add_user(store, name, role, ward, actor="admin", password=PASSWORD)
        for case, author, moves in cases:
            record = store.create_case(case, author=author)
            for status, role in moves:
                record = store.change_status(case.id, status, author=author, role=role, base_version=record.version)
    server = serve_apps(settings, pool_size=pool_size, signin=SignInOptions(), log_path=settings.build_dir / "logs" / log)
    return settings, server


def signed_in_page(browser, name: str, server, *, viewport=None):
    """A browser context of its own, signed in as `name` through the sign-in page: (context, page)."""
    from playwright.sync_api import expect

    from browser_support import keep_local

    context = browser.new_context(locale="ja-JP", viewport=viewport or {"width": 1280, "height": 900})
    keep_local(context)
    page = context.new_page()
    page.goto(server.url + "/", timeout=TIMEOUT)
    expect(page.locator("h1")).to_have_text("サインイン")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".wb-home-who")).to_contain_text(name, timeout=TIMEOUT)
    return context, page
