"""`python -m casebook.apps.voila_main`: Voila with the signed-in server's three additions.

- The cookie secret comes from a 0600 file in the data folder (casebook.accounts.cookie_secret), not
  from the command line (which `ps` shows) nor a new random one per start (which signs everyone out).
- `--WorkbenchVoila.xheaders=True` behind a reverse proxy: the client's address (audit log) and
  https (Secure cookies) come from the proxy's X-Forwarded-* headers; Voila listens without them.
- The kernels of participants whose training session has closed are shut down 5–10 s later
  (casebook.apps.auth.end_closed_sessions_kernels): a socket is checked only when it opens.
- As a JupyterHub service (casebook.apps.hub), the kernels of users who signed out at the hub are
  shut down within a few seconds, for the same reason.
"""
from __future__ import annotations

from traitlets import Bool, default
from voila.app import Voila


class WorkbenchVoila(Voila):
    xheaders = Bool(False, config=True, help="Trust X-Forwarded-For / X-Forwarded-Proto (behind a reverse proxy only).")

    @default("cookie_secret")
    def _workbench_cookie_secret(self) -> bytes:
        from casebook.accounts import cookie_secret
        from casebook.settings import Settings

        return cookie_secret(Settings.from_env().data_dir)

    def listen(self):
        import tornado.ioloop

        try:
            self.app.listen(self.port, self.ip, xheaders=self.xheaders)
        except OSError as exc:   # a taken port is an error, never a silent move to another one
            self.log.critical("Voila could not listen on %s:%s: %s", self.ip, self.port, exc)
            self.exit(1)
        self.log.info("Voilà is running at:\n%s" % self.display_url)
        self.ioloop = tornado.ioloop.IOLoop.current()
        self._noticed: set[str] = set()
        tornado.ioloop.PeriodicCallback(self._end_closed_sessions, 5_000).start()
        if getattr(self.identity_provider, "is_hub", False):   # casebook.apps.hub: signed out at the hub?
            tornado.ioloop.PeriodicCallback(self._end_signed_out, 5_000).start()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            self.log.info("Stopping...")
        finally:
            self.stop()

    async def _end_signed_out(self) -> None:
        from casebook.apps.hub import end_signed_out_kernels

        try:
            await end_signed_out_kernels(self.kernel_manager, self.identity_provider.hub_auth, self.log)
        except Exception:  # noqa: BLE001 - the hub or the store did not answer: try again at the next tick
            self.log.exception("Could not check hub sign-outs")

    async def _end_closed_sessions(self) -> None:
        from casebook.apps.auth import end_closed_sessions_kernels

        try:
            await end_closed_sessions_kernels(self.kernel_manager, self.log, self._noticed)
        except Exception:  # noqa: BLE001 - a store hiccup: try again at the next tick
            self.log.exception("Could not check for closed sessions")


main = WorkbenchVoila.launch_instance

if __name__ == "__main__":
    main()
