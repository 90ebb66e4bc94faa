"""Browser tests' shared helper: keep a page or context on 127.0.0.1 (see conftest's `offline`)."""

from __future__ import annotations


def keep_local(target) -> list[str]:
    """Cut a page or browser context off beyond 127.0.0.1 / file:// — like a closed council network.
    Returns the list that collects every URL it tried to reach beyond."""
    attempts: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "file://", "data:", "blob:", "ws://127.0.0.1")):
            route.continue_()
        else:
            attempts.append(url)
            route.abort()

    target.route("**/*", guard)
    return attempts
