"""The public server holds: every reader gets a page, no visitor can spend the kernels alone, and a
public kernel can read nothing of the main store.

Readers' GETs are answered by the static pages of the snapshot build, with no kernel; the live Voila
view is handed out within a budget per client address and overall, and beyond it the reader is sent
to the static page of the same view (never a 503). Started as root (as here), the server and its
kernels run as the unprivileged public user.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import websocket

from casebook.apps.publish import BROWSER_NOTEBOOK, DASHBOARD_NOTEBOOK, publish, serve_published
from casebook.settings import Settings
from casebook.store import Store
from kernel_channel import KernelChannel, page_kernel_id
from tests.public_support import get, kernels, raw_message, wait_until
from tests.publish_seed import PUBLISHED_TITLE, seed

pytestmark = pytest.mark.slow
IKUNO = quote("生野区")


@pytest.fixture
def site(monkeypatch):
    """A published store in a folder others may pass through (/tmp/…, 0755), as on a server: only the
    data folder's own mode (0700) stands between a public kernel and the main store."""
    base = Path(tempfile.mkdtemp(prefix="wb-public-test-"))
    base.chmod(0o755)
    s = Settings(data_dir=base / "data", build_dir=base / "build")
    s.data_dir.mkdir(parents=True)
    for key, value in s.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("WORKBENCH_DB_URL", raising=False)
    with Store(s.store_url) as store:
        seed(store)
    publish(s)
    yield s
    shutil.rmtree(base, ignore_errors=True)


def _serve(settings, **budget):
    options = dict(pool_size=0, max_kernels=6, max_kernels_per_client=2, cull_idle_timeout=300, cull_interval=1,
                   unconnected_timeout=30)
    return serve_published(settings, **{**options, **budget})


def test_a_reader_gets_every_view_as_a_static_page_and_spends_no_kernel(site):
    with _serve(site) as server:
        status, path, body = get(server.url + "/")
        assert status == 200 and path == "/published/index.html" and "24区" in body
        for page in ("/published/search.html", "/published/wards/27116.html", "/published/wards/27116/2024.html"):
            for _ in range(10):
                status, _, body = get(server.url + page)
                assert status == 200
        assert PUBLISHED_TITLE in get(server.url + "/published/search.html")[2]
        assert "http://" not in body.replace(server.url, "") and "https://" not in body
        time.sleep(1)
        assert kernels(server) == []
        assert json.loads(get(server.url + "/published/api/live")[2]) == {"live": True}


def test_beyond_its_budget_a_client_is_sent_to_the_static_view_and_others_still_get_a_live_page(site):
    with _serve(site) as server:
        page = server.page_url(DASHBOARD_NOTEBOOK) + f"?ward={IKUNO}&year=2024"
        served = [get(page, client="127.0.0.1") for _ in range(4)]
        assert [s for s, _, _ in served] == [200] * 4, "never a 503"
        live = [p for _, p, _ in served if p.startswith("/voila/render/")]
        static = [p for _, p, _ in served if p.startswith("/published/")]
        assert len(live) == 2 and static == ["/published/wards/27116/2024.html?busy=1"] * 2
        assert json.loads(get(server.url + "/published/api/live", client="127.0.0.1")[2]) == {"live": False}
        # Another reader is not held up by the first one's pages.
        status, path, body = get(server.url + f"/voila/render/{BROWSER_NOTEBOOK}?case=x", client="127.0.0.2")
        assert status == 200 and path.startswith("/voila/render/") and page_kernel_id(body)
        assert len(kernels(server)) == 3


def test_kernels_whose_page_never_connects_are_shut_down_and_held_sockets_are_culled_when_idle(site):
    with _serve(site, max_kernels=4, max_kernels_per_client=4, unconnected_timeout=10, cull_idle_timeout=25) as server:
        page = server.page_url(DASHBOARD_NOTEBOOK)
        with KernelChannel.from_page(page) as held:                             # a client that holds its socket
            for client in ("127.0.0.3", "127.0.0.4"):
                assert get(page, client=client)[1].startswith("/voila/render/")     # a curl: never opens the socket
            assert len(kernels(server)) == 3
            assert wait_until(lambda: len(kernels(server)) == 1, timeout=30), "unconnected kernels not shut down"
            held.refresh()                                                      # the connected one was kept
            assert wait_until(lambda: not kernels(server), timeout=45), "a held idle socket kept its kernel"
        assert json.loads(get(server.url + "/published/api/live")[2]) == {"live": True}


def _comm_count(kc: KernelChannel) -> int:
    msg_id, frame = raw_message(kc.session, "comm_info_request", {"target_name": "jupyter.widget"})
    kc.ws.send(frame)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        kc.ws.settimeout(deadline - time.monotonic())
        msg = json.loads(kc.ws.recv())
        if msg.get("msg_type") == "comm_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
            return len(msg["content"]["comms"])
    raise TimeoutError("no comm_info_reply")


def test_a_client_can_neither_open_widget_models_of_its_own_nor_send_oversized_messages(site):
    with _serve(site) as server:
        with KernelChannel.from_page(server.page_url(BROWSER_NOTEBOOK)) as kc:
            before = _comm_count(kc)
            rss_before = kernels(server)[0].memory_info().rss
            big = "x" * (200 * 1024)
            for i in range(100):    # a comm_open flood: models with 200 KB values
                _, frame = raw_message(kc.session, "comm_open", {
                    "comm_id": f"flood{i}", "target_name": "jupyter.widget",
                    "data": {"state": {"_model_name": "TextModel", "_model_module": "@jupyter-widgets/controls",
                                       "_model_module_version": "2.0.0", "value": big}, "buffer_paths": []}})
                kc.ws.send(frame)
            assert _comm_count(kc) == before
            assert kernels(server)[0].memory_info().rss - rss_before < 50 * 2**20
            kc.refresh()      # the page's own widgets still answer
            _, frame = raw_message(kc.session, "comm_msg", {"comm_id": "x", "data": {"v": "y" * 2**20}})
            kc.ws.send(frame)
            with pytest.raises((websocket.WebSocketException, ConnectionError, OSError)):
                for _ in range(50):
                    kc.ws.settimeout(10)
                    kc.ws.recv()
        log = server.log_path.read_text()
        assert log.count("Dropping client comm_open") == 1


def test_a_client_that_leaves_mid_page_costs_one_line_not_a_traceback(site):
    with _serve(site, max_kernels_per_client=10, max_kernels=10) as server:
        host, port = "127.0.0.1", server.opts.port
        for _ in range(5):
            with socket.create_connection((host, port)) as sock:
                sock.sendall(f"GET /voila/render/{DASHBOARD_NOTEBOOK} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                sock.recv(100)          # the page has started to stream; now leave
        wait_until(lambda: len(kernels(server)) >= 5, timeout=30)
        time.sleep(3)
        log = server.log_path.read_text()
        assert "Traceback" not in log, log[log.find("Traceback") - 500:][:3000]
        assert len(log.encode()) < 200_000


def _run_in_public_kernel(server, code: str) -> str:
    """Run `code` in the kernel that the public server's own kernel manager started for a page
    (reached through its connection file, as root may); returns what it printed."""
    from jupyter_client import BlockingKernelClient

    status, _, body = get(server.page_url(DASHBOARD_NOTEBOOK))
    assert status == 200 and page_kernel_id(body)
    (kernel,) = kernels(server)
    assert kernel.username() == server.public_user == "workbench-public"
    cmd = kernel.cmdline()
    client = BlockingKernelClient(connection_file=cmd[cmd.index("-f") + 1])
    client.load_connection_file()
    client.start_channels()
    out: list[str] = []
    try:
        client.wait_for_ready(timeout=30)
        client.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
    finally:
        client.stop_channels()
    return "".join(out)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="isolation needs the server started as root")


@needs_root
def test_a_kernel_of_the_public_server_cannot_read_the_main_store(site):
    store_file = site.sqlite_path
    assert store_file.is_file() and os.stat(store_file).st_mode & 0o004   # the file itself is world-readable
    assert oct(os.stat(site.data_dir).st_mode & 0o777) == "0o700"
    with _serve(site) as server:
        code = ("import os\n"
                "print('ENV', sorted(k for k in os.environ if k.startswith('WORKBENCH')))\n"
                "for what, f in (('store', lambda: open(%r, 'rb').read(16)), ('folder', lambda: os.listdir(%r)),\n"
                "                ('snapshot', lambda: open(os.environ['WORKBENCH_PUBLISHED'], 'rb').read(15))):\n"
                "    try:\n"
                "        f(); print(what, 'READ')\n"
                "    except OSError as e:\n"
                "        print(what, type(e).__name__)\n") % (str(store_file), str(site.data_dir))
        text = _run_in_public_kernel(server, code)
    assert "store PermissionError" in text and "folder PermissionError" in text, text
    assert "snapshot READ" in text, text      # it can read what it serves
    assert "ENV ['WORKBENCH_PUBLISHED']" in text


@needs_root
@pytest.mark.postgres
def test_with_a_postgresql_store_the_public_kernel_has_no_url_and_cannot_log_in(site):
    from sqlalchemy.engine import make_url

    from conftest import _drop_pg_database, _fresh_pg_database

    url = _fresh_pg_database()
    try:
        pg = site.with_(db_url=url)
        with Store(url) as store:
            seed(store)
        publish(pg)
        u = make_url(url)
        with _serve(pg) as server:
            code = ("import os, psycopg\n"
                    "print('URL', [k for k, v in os.environ.items() if %r in v or 'postgresql+' in v or k.startswith('PG')])\n"
                    "for what, kw in (('tcp', dict(host='127.0.0.1', port=%d)), ('socket', dict(host='/tmp', port=%d))):\n"
                    "    try:\n"
                    "        psycopg.connect(user=%r, dbname=%r, connect_timeout=5, **kw).close(); print(what, 'IN')\n"
                    "    except psycopg.OperationalError as e:\n"
                    "        print(what, 'REFUSED', str(e).splitlines()[0][-80:])\n") % (u.database, u.port, u.port,
                                                                                          u.username, u.database)
            text = _run_in_public_kernel(server, code)
    finally:
        _drop_pg_database(url)
    assert "URL []" in text, text
    assert "tcp REFUSED" in text and "socket REFUSED" in text, text
