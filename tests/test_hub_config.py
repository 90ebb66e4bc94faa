"""JupyterHub in front of the workbench, without starting it: the group file and the hub settings are
checked with Japanese messages naming the field; `workbench hub --write-only` writes a config that
JupyterHub's own loader reads, with secrets in 0600 files and a `user` role that cannot start a
server; and the store learns a hub user on first visit (SQLite and PostgreSQL).
(The real hub, proxy and browser: tests/test_hub_browser.py.)"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from casebook import accounts
from casebook.apps.hub_config import (
    USER_SCOPES,
    HubConfigError,
    hub_files,
    load_hub_settings,
    render_config,
)
from casebook.apps.hub_groups import (
    DEFAULT_PATH,
    HubGroupsError,
    load_group_map,
    parse_group_map,
)
from casebook.cli import app
from casebook.store import Store


def test_the_shipped_group_file_maps_wards_editors_advisors_facilitators_and_the_lab():
    groups = load_group_map(DEFAULT_PATH)
    assert groups.resolve(["ward-27116"]).role == "staff" and groups.resolve(["ward-27116"]).ward == "生野区"
    assert groups.resolve(["workbench-editors", "ward-27116"]).role == "editor"     # the first listed wins
    assert groups.resolve(["workbench-advisors"]).role == "advisor"
    assert groups.resolve(["workbench-facilitators"]).role == "facilitator"
    assert groups.resolve(["workbench-lab"]) is None and groups.resolve(["someone-else"]) is None
    assert groups.may_use_lab(["workbench-lab"]) and not groups.may_use_lab(["ward-27116"])


@pytest.mark.parametrize("entry, expected", [
    ({"ward-27116": {"role": "staff"}}, "グループ「ward-27116」: 区社協職員（staff）には ward"),
    ({"x": {"role": "boss"}}, "グループ「x」: role「boss」は使えません"),
    ({"x": {"role": "staff", "ward": "堺市北区"}}, "グループ「x」: ward: 「堺市北区」は大阪市の区ではありません"),
    ({"x": {"role": "editor", "colour": "red"}}, "グループ「x」: 「colour」は使えない項目です"),
    ({"x": {"lab": "yes"}}, "グループ「x」: lab は true か false"),
    ({"x y": {"role": "editor"}}, "グループ「x y」: グループ名は半角英数字"),
    ({"x": {}}, "グループ「x」: {role: staff, ward: 生野区} や {lab: true} の形"),
])
def test_a_bad_group_entry_is_refused_naming_the_group_and_the_field(entry, expected):
    with pytest.raises(HubGroupsError) as refused:
        parse_group_map({"groups": {"workbench-editors": {"role": "editor"}, **entry}}, "groups.yaml")
    assert expected in str(refused.value) and str(refused.value).startswith("groups.yaml を使えません")


def test_an_empty_or_missing_group_file_is_refused(tmp_path):
    with pytest.raises(HubGroupsError, match="groups:」の下に"):
        parse_group_map({"groups": {}})
    with pytest.raises(HubGroupsError, match="を読めません"):
        load_group_map(tmp_path / "none.yaml")


def _hub_yaml(tmp_path, **changes) -> str:
    data = {"hub": {"port": 8000}, "service": {"url": "http://127.0.0.1:8870"}, "groups_file": str(DEFAULT_PATH),
            "demo": {"users": {"yamada": ["ward-27116"]}}, **changes}
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("changes, expected", [
    ({"hub": {"port": 70000}}, "hub.port は 1〜65535"),
    ({"hub": {"colour": 1}}, "hub.colour は使えない項目です"),
    ({"service": {"url": "127.0.0.1:8870"}}, "service.url「127.0.0.1:8870」は http://ホスト:ポート"),
    ({"service": {"url": "http://127.0.0.1:8870", "managed": "yes"}}, "service.managed は true か false"),
    ({"demo": {"users": {"yamada": ["ward-99999"]}}}, "demo.users.yamada: グループ「ward-99999」は groups.yaml にありません"),
    ({"authenticator": {"class": "LDAPAuthenticator"}}, "authenticator.class「LDAPAuthenticator」はモジュール名つき"),
    ({"extra_config": "nowhere.py"}, "nowhere.py がありません"),
])
def test_bad_hub_settings_are_refused_naming_the_field(tmp_path, changes, expected):
    with pytest.raises(HubConfigError) as refused:
        load_hub_settings(_hub_yaml(tmp_path, **changes))
    assert expected in str(refused.value)


def test_workbench_hub_writes_a_config_jupyterhub_reads_with_secrets_kept_0600(settings, tmp_path):
    from traitlets.config.loader import PyFileConfigLoader

    ldap = {"LDAPAuthenticator": {"server_address": "ad.example.local", "manage_groups": True}}
    (tmp_path / "extra.py").write_text("c.JupyterHub.shutdown_on_logout = True\n", encoding="utf-8")
    path = _hub_yaml(tmp_path, authenticator={"class": "ldapauthenticator.LDAPAuthenticator", "config": ldap},
                     extra_config="extra.py")
    result = CliRunner().invoke(app, ["hub", "--config", path, "--write-only", "--service-url", "http://127.0.0.1:9100"])
    assert result.exit_code == 0, result.output
    files = hub_files(settings)
    assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700
    for secret in (files.config, files.cookie_secret, files.api_token, files.demo_password):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert files.api_token.read_text().strip() not in files.config.read_text()   # read at start, not copied
    c = PyFileConfigLoader(files.config.name, path=str(files.folder)).load_config()
    assert c.JupyterHub.authenticator_class == "ldapauthenticator.LDAPAuthenticator"
    assert c.LDAPAuthenticator.server_address == "ad.example.local" and c.LDAPAuthenticator.manage_groups is True
    service = c.JupyterHub.services[0]
    assert service["url"] == "http://127.0.0.1:9100"                          # the app server or a balancer
    assert service["api_token"] == files.api_token.read_text().strip()
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["user"]["scopes"] == USER_SCOPES == ["access:services!service=workbench", "read:users:name!user",
                                                      "read:users:groups!user"]
    assert roles["workbench-lab"] == {"name": "workbench-lab", "description": roles["workbench-lab"]["description"],
                                      "scopes": ["self"], "groups": ["workbench-lab"]}
    assert c.JupyterHub.load_groups["ward-27116"] == {"users": ["yamada"]}
    assert c.JupyterHub.default_url == "/services/workbench/"
    assert c.JupyterHub.shutdown_on_logout is True                             # the extra file ran last


def test_a_bad_setting_stops_workbench_hub_with_its_message_and_writes_nothing(settings, tmp_path):
    result = CliRunner().invoke(app, ["hub", "--config", _hub_yaml(tmp_path, hub={"port": 0}), "--write-only"])
    assert result.exit_code == 1 and "hub.port は 1〜65535" in result.output
    assert not hub_files(settings).config.exists()


def test_the_shipped_hub_settings_render(settings):
    text = render_config(settings, load_hub_settings(), hub_files(settings))
    assert "SharedPasswordAuthenticator" in text and "'servers" not in text


@pytest.fixture
def store(store_url):
    with Store(store_url) as s:
        yield s


def test_the_store_learns_a_hub_user_on_first_visit_and_follows_their_groups(store):
    login = accounts.hub_login(store, "tok-1", name="yamada", role="staff", ward="生野区", origin="127.0.0.1")
    assert (login.user_name, login.role, login.ward) == ("yamada", "staff", "生野区")
    user = store.get_user("yamada")
    assert (user.role, user.ward, user.password_hash) == ("staff", "生野区", "")
    assert accounts.hub_login(store, "tok-1", name="yamada", role="staff", ward="生野区").id == login.id
    with pytest.raises(accounts.SignInRefused):          # no password of the workbench's opens a hub account
        accounts.sign_in(store, "yamada", "")
    moved = accounts.hub_login(store, "tok-1", name="yamada", role="editor", ward="")
    assert moved.id != login.id and moved.role == "editor" and store.get_user("yamada").role == "editor"
    actions = [e.action for e in store.audit_log(actor="yamada")]
    assert actions[:2] == ["user.hub_add", "user.sign_in"] and "user.hub_groups" in actions

    store.end_login(moved.id)
    assert accounts.hub_login(store, "tok-1", name="yamada", role="editor", ward="") is None   # back to the hub
    accounts.disable(store, "yamada", actor="admin")
    with pytest.raises(accounts.SignInRefused, match="使えなくなっています"):
        accounts.hub_login(store, "tok-2", name="yamada", role="editor", ward="")
    with pytest.raises(accounts.SignInRefused, match="このワークベンチでは使えません"):
        accounts.hub_login(store, "tok-3", name="a/b", role="staff", ward="生野区")


def test_an_app_server_started_apart_gets_the_environment_hub_oauth_reads(settings, tmp_path):
    """Behind a balancer the hub starts no app server: `service_environment` is what each needs."""
    from casebook.apps.hub_config import prepare, service_environment

    hub = load_hub_settings(_hub_yaml(tmp_path, service={"url": "http://127.0.0.1:9200", "managed": False}))
    files = prepare(settings, hub)
    c_text = files.config.read_text()
    assert "'command'" not in c_text and "'url': 'http://127.0.0.1:9200'" in c_text
    # HubOAuth reads some of its environment when it is imported: ask a fresh process, as an app server is.
    probe = ("import json; from jupyterhub.services.auth import HubOAuth; a = HubOAuth(); print(json.dumps("
             "[a.api_token, a.api_url, a.oauth_client_id, a.base_url, a.oauth_redirect_uri, sorted(a.access_scopes)]))")
    given = service_environment(hub, files, settings)
    assert given["WORKBENCH_DATA"] == str(settings.data_dir) and given["WORKBENCH_HUB_GROUPS"].endswith("groups.yaml")
    env = {**os.environ, **given}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [files.api_token.read_text().strip(), f"http://127.0.0.1:{hub.hub_port}/hub/api",
                                       "service-workbench", "/services/workbench/", "/services/workbench/oauth_callback",
                                       ["access:services!service=workbench"]]
