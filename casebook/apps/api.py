"""The signed-in server's small JSON API: what a page's script (or a council's own tool) may ask
with the same sign-in as the pages. Who is asking is the server's login; what they may see is
decided by casebook.workflow (through casebook.analysis); a refusal is a 403 with the reason.

    GET <base>/workbench/api/similar/<case_id>?k=5   the most similar cases the user may read, with why
"""
from __future__ import annotations

import json

from tornado import web

from casebook import accounts
from casebook.apps.auth import BACKEND
from casebook.apps.auth_pages import WorkbenchHandler
from casebook.errors import NotFoundError, PermissionDenied

MAX_K = 20


class JsonHandler(WorkbenchHandler):
    def reply(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs) -> None:
        self.reply(status_code, {"error": "処理できませんでした。ページを開き直してください。"})


class SimilarCasesHandler(JsonHandler):
    @web.authenticated
    def get(self, case_id: str):
        from casebook.analysis.similar import similar_cases

        try:
            k = max(1, min(MAX_K, int(self.get_query_argument("k", "5"))))
        except ValueError:
            return self.reply(400, {"error": "k は 1〜20 の数で指定してください"})
        user = accounts.user_of(self.login)
        try:
            found = similar_cases(BACKEND.store, case_id, user, k=k)
        except PermissionDenied as exc:
            return self.reply(403, {"error": str(exc)})
        except NotFoundError as exc:
            return self.reply(404, {"error": str(exc)})
        self.reply(200, {"case_id": case_id, "similar": [s.as_dict() for s in found]})


def handlers(base: str) -> list:
    return [(base + r"/workbench/api/similar/([0-9A-Za-z\-]{1,64})", SimilarCasesHandler)]
