"""Real sign-in for tests: Streamlit's own `st.login` against a local OpenID Connect provider.

- `MockProvider`: the PyPI package oidc-provider-mock (a Flask app on Authlib) served from a
  thread of the test process on 127.0.0.1 and a free port. It accepts any client id and secret
  (no registration) and any redirect URI; its issuer is the URL it is reached at, so everything
  here says 127.0.0.1, never localhost.
- `auth_secrets(...)`: a secrets.toml with the `[auth]` section `st.login` reads; give it to
  `streamlit run` with `--secrets.files PATH` (`secrets_flags(PATH)`), so no file in the repo
  (nor `~/.streamlit/secrets.toml`) is involved.
- `sign_in(page, base_url, ...)` / `sign_out(page, base_url)`: the clicks a person makes.

How claims reach `st.user`: the provider's authorize page only asks for a subject (`sub`); the
claims of that subject are set beforehand with `PUT /users/<sub>` (a JSON object, `put_user`).
The ID token carries them: standard claims filtered by the scopes Streamlit asks for
("openid email profile": `email`, `name`, ...), any non-standard claim (`groups`) always.
Streamlit reads the ID token (not the userinfo endpoint) and puts every claim in `st.user`,
beside `is_logged_in` and `provider`. A subject never PUT gets the claims {"email": sub}.

Cookies belong to a host, not a port: every app on 127.0.0.1 sees the `_streamlit_user` cookie
of every other one. Sign in to one app per browser context.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.request
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

HOST = "127.0.0.1"
CLIENT_ID = "event-atlas-tests"
CLIENT_SECRET = "event-atlas-tests-secret"  # any secret will do: the mock checks none
USER_COOKIE = "_streamlit_user"  # Streamlit's signed cookie holding the ID token's claims
SIGN_IN_TIMEOUT_MS = 30_000
STOP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 10.0
# Where the browser waits for the person on the provider's side.
AUTHORIZE_PATH = "/oauth2/authorize"
END_SESSION_PATH = "/oauth2/end_session"
# Streamlit's own routes during a sign-in or sign-out.
_APP_AUTH_PATHS = ("/auth/login", "/auth/logout", "/oauth2callback")
# Streamlit's root element; its script state is "notRunning" once a run has finished.
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


class ProviderError(RuntimeError):
    """The mock provider could not be started, stopped or told about a user."""


def put_user(issuer: str, sub: str, claims: Mapping[str, object]) -> None:
    """Set the claims the provider puts in the tokens of subject `sub` (replacing earlier ones)."""
    request = urllib.request.Request(
        f"{issuer.rstrip('/')}/users/{quote(sub, safe='')}",
        data=json.dumps(dict(claims)).encode("utf-8"),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
        if response.status != 204:
            raise ProviderError(f"PUT /users/{sub} answered HTTP {response.status}")


class MockProvider:
    """oidc-provider-mock on 127.0.0.1 and a free port, in a thread; a context manager.

    `issuer` is its base URL, `metadata_url` the discovery document `st.login` is given.
    """

    def __init__(self, *, port: int = 0, require_client_registration: bool = False) -> None:
        self._port = port
        self._require_registration = require_client_registration
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise ProviderError("the provider is not running")
        return int(self._server.server_port)

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> MockProvider:
        import werkzeug.serving

        # Importing Authlib sets its deprecation warnings (about Authlib modules that
        # oidc-provider-mock still uses) to "always", past pytest's filters: record and drop
        # them, and the filter goes with the context.
        with warnings.catch_warnings(record=True):
            import oidc_provider_mock

        if self._server is not None:
            raise ProviderError("the provider is already running")
        app = oidc_provider_mock.app(require_client_registration=self._require_registration)
        # Not run_server_in_thread(): that one binds "localhost", which may be ::1.
        server = werkzeug.serving.make_server(
            HOST, self._port, app, threaded=True, request_handler=_QuietHandler
        )
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"oidc-provider-mock:{server.server_port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()  # returns once serve_forever has left its loop
        server.server_close()
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():
            raise ProviderError(f"the provider's thread did not end within {STOP_TIMEOUT_S} s")

    def set_user(self, sub: str, claims: Mapping[str, object]) -> None:
        put_user(self.issuer, sub, claims)

    def register_client(self, redirect_uris: Sequence[str]) -> tuple[str, str]:
        """A registered client's (id, secret): needed only with require_client_registration."""
        request = urllib.request.Request(
            f"{self.issuer}/oauth2/clients",
            data=json.dumps({"redirect_uris": list(redirect_uris)}).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            body = json.load(response)
        return str(body["client_id"]), str(body["client_secret"])

    def __enter__(self) -> MockProvider:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _quiet_handler() -> type[Any]:
    import werkzeug.serving

    class Handler(werkzeug.serving.WSGIRequestHandler):
        """No line on stderr per request (werkzeug's default)."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    return Handler


_QuietHandler = _quiet_handler()


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string


def auth_secrets(
    path: Path,
    app_port: int | None,
    issuer: str,
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
) -> Path:
    """Write a secrets.toml whose `[auth]` section lets `st.login()` use the provider at `issuer`.

    `app_port` None writes `{port}`, which Streamlit replaces with its own server.port. The
    redirect URI's host (127.0.0.1) must be the one the browser opens the app at: Streamlit
    checks it against the websocket's Origin, and cookies belong to a host.
    """
    port = "{port}" if app_port is None else str(app_port)
    values = {
        "redirect_uri": f"http://{HOST}:{port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": client_id,
        "client_secret": client_secret,
        "server_metadata_url": f"{issuer.rstrip('/')}/.well-known/openid-configuration",
    }
    lines = ["[auth]", *(f"{key} = {_toml_string(value)}" for key, value in values.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def secrets_flags(path: Path) -> list[str]:
    """`streamlit run` options that read secrets from `path` alone (replacing the defaults)."""
    return ["--secrets.files", str(path)]


def block_external_requests(context: Any) -> None:
    """Abort every request of this browser context that is not for 127.0.0.1 (once per context).

    The provider's pages link a stylesheet on a CDN; nothing here may leave the machine.
    """
    if getattr(context, "_event_atlas_local_only", False):
        return

    def not_local(url: str) -> bool:
        return urlsplit(url).hostname not in (HOST, None)

    context.route(not_local, lambda route: route.abort())
    context._event_atlas_local_only = True


def _is_app_page(url: str, base_url: str) -> bool:
    parts = urlsplit(url)
    base = urlsplit(base_url)
    return (parts.scheme, parts.netloc) == (base.scheme, base.netloc) and not any(
        parts.path.endswith(path) for path in _APP_AUTH_PATHS
    )


def _has_user_cookie(context: Any, base_url: str) -> bool:
    return any(c["name"] == USER_COOKIE for c in context.cookies(base_url))


def _wait_for_cookie(page: Any, base_url: str, present: bool, timeout_ms: float) -> None:
    """Poll the context's cookies (which no page event announces) until the deadline."""
    deadline = time.monotonic() + timeout_ms / 1000
    while _has_user_cookie(page.context, base_url) != present:
        if time.monotonic() > deadline:
            state = "set" if not present else "missing"
            raise AssertionError(f"the {USER_COOKIE} cookie is still {state} at {page.url}")
        page.wait_for_timeout(50)  # lets Playwright's event loop run; a poll, not a fixed wait


def sign_in(
    page: Any,
    base_url: str,
    *,
    email: str,
    name: str,
    groups: Sequence[str] = (),
    sub: str | None = None,
    claims: Mapping[str, object] | None = None,
    button: str = "Sign in",
    timeout_ms: float = SIGN_IN_TIMEOUT_MS,
) -> float:
    """Sign in through the app's `button` (which calls st.login) as a person would; seconds taken.

    Opens `base_url`, clicks the button, tells the provider the claims of subject `sub`
    (default: the email), enters the subject on the provider's page, authorizes, and waits
    until the browser is back on the app with Streamlit's user cookie and a finished run.
    """
    from playwright.sync_api import expect

    started = time.monotonic()
    block_external_requests(page.context)
    subject = sub or email
    page.goto(base_url.rstrip("/") + "/", timeout=timeout_ms)
    page.get_by_role("button", name=button, exact=True).click(timeout=timeout_ms)
    page.wait_for_url(lambda url: urlsplit(url).path == AUTHORIZE_PATH, timeout=timeout_ms)
    provider = urlsplit(page.url)
    put_user(
        f"{provider.scheme}://{provider.netloc}",
        subject,
        {"email": email, "email_verified": True, "name": name, "groups": list(groups)}
        | dict(claims or {}),
    )
    page.locator('input[name="sub"]').fill(subject, timeout=timeout_ms)
    page.get_by_role("button", name="Authorize", exact=True).click(timeout=timeout_ms)
    page.wait_for_url(lambda url: _is_app_page(url, base_url), timeout=timeout_ms)
    _wait_for_cookie(page, base_url, present=True, timeout_ms=timeout_ms)
    expect(page.locator(APP_IDLE)).to_be_attached(timeout=timeout_ms)
    return time.monotonic() - started


def sign_out(
    page: Any, base_url: str, *, button: str = "Sign out", timeout_ms: float = SIGN_IN_TIMEOUT_MS
) -> float:
    """Click the app's `button` (which calls st.logout), end the provider's session; seconds.

    Streamlit clears its cookie and sends the browser to the provider's end-session page (the
    mock asks for a click), which sends it back to the app's /oauth2callback, then to the app.
    """
    from playwright.sync_api import expect

    started = time.monotonic()
    block_external_requests(page.context)
    page.get_by_role("button", name=button, exact=True).click(timeout=timeout_ms)
    page.wait_for_url(lambda url: urlsplit(url).path == END_SESSION_PATH, timeout=timeout_ms)
    page.get_by_role("button", name="End session", exact=True).click(timeout=timeout_ms)
    page.wait_for_url(lambda url: _is_app_page(url, base_url), timeout=timeout_ms)
    _wait_for_cookie(page, base_url, present=False, timeout_ms=timeout_ms)
    expect(page.locator(APP_IDLE)).to_be_attached(timeout=timeout_ms)
    return time.monotonic() - started
