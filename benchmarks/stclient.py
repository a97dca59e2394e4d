"""An asyncio client that speaks Streamlit's browser protocol (checked against streamlit 1.67).

What a browser does, without the browser:
1. GET `/` (the page; a sticky-session proxy sets its affinity cookie here), then
   GET `/_stcore/health` and `/_stcore/host-config` (Streamlit sets the `_streamlit_xsrf` cookie on
   the health answer; the frontend asks both before every websocket connect).
2. Open `/_stcore/stream` with the subprotocols ["streamlit", <xsrf token>, <session id>]: the
   server takes the second entry as the XSRF token and the third as the session to resume
   (streamlit/web/server/starlette/starlette_websocket.py, `_parse_subprotocols`).
3. Send `BackMsg.rerun_script` (a `ClientState`: the query string, every widget's state, the
   page script hash, the fragment id when the changed widget was drawn inside a fragment, and
   the hashes of the messages it keeps), then read `ForwardMsg`s until `script_finished`.
4. Keep big element messages (those the server marks `cacheable`) by hash, as the frontend's
   ForwardMsgCache does: the server then sends a short reference instead of a message the
   client already has. An entry unused for more than the server's `maxCachedMessageAge` runs
   is dropped (frontend `ForwardMsgCache.incrementRunCount`).

The client keeps a model of what the page drew (each delta's element by delta_path, with the
fragment it belongs to) and of every widget's state, the way the frontend's WidgetStateManager
does: a widget's state is set from its proto when it first appears (or when the server sets
it), and a rerun sends the states of all widgets on the page. Widgets are found by their user
key (Streamlit widget ids end with `-<key>`) or by label; custom components by name.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import time
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element as ElementProto
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin, Subprotocol

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
HEALTH_PATH = "/_stcore/health"
HOST_CONFIG_PATH = "/_stcore/host-config"
USER_AGENT = "event-atlas-stclient/1.0"
DEFAULT_TIMEOUT_S = 600.0
T = TypeVar("T")

SUCCESS, ERROR, INTERRUPTED = "success", "error", "rerun-interrupted"
TIMEOUT, DISCONNECTED = "timeout", "disconnected"
_STATUS = {
    ForwardMsg.FINISHED_SUCCESSFULLY: SUCCESS,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: SUCCESS,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: ERROR,
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: INTERRUPTED,
}
# Text-bearing elements, and the field holding their text.
_TEXT_FIELDS = {
    "markdown": "body",
    "text": "body",
    "heading": "body",
    "alert": "body",
    "html": "body",
    "code": "code_text",
}


class ProtocolError(Exception):
    """The server answered something this client cannot use."""


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a thread of its own, and return its result.

    asyncio.run refuses to start in a thread whose event loop is running, as Playwright's sync
    API leaves one in pytest's main thread for the whole session.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# -- HTTP ------------------------------------------------------------------------------------


class CookieJar:
    """Name → value, for one site (every cookie here has Path=/)."""

    def __init__(self, cookies: Mapping[str, str] | None = None) -> None:
        self.values: dict[str, str] = dict(cookies or {})

    def take(self, set_cookie_headers: Iterable[str]) -> None:
        for header in set_cookie_headers:
            name, _, value = header.split(";", 1)[0].strip().partition("=")
            if name:
                self.values[name] = value

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.values.items())

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


async def http_get(base_url: str, path: str, jar: CookieJar, timeout_s: float) -> HttpAnswer:
    """A plain HTTP/1.1 GET on its own connection (no thread pool: 100 readers at once)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def run() -> HttpAnswer:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            lines = [
                f"GET {path} HTTP/1.1",
                f"Host: {host}:{port}",
                f"User-Agent: {USER_AGENT}",
                "Accept: */*",
                "Connection: close",
            ]
            if jar.values:
                lines.append(f"Cookie: {jar.header()}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            await reader.read()  # the body, until the server closes: we only need the head
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        status_line, *header_lines = head.strip().split("\r\n")
        headers = [
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines)
        ]
        return HttpAnswer(int(status_line.split()[1]), headers)

    answer = await asyncio.wait_for(run(), timeout_s)
    jar.take(answer.all("set-cookie"))
    return answer


# -- the page model --------------------------------------------------------------------------


@dataclass
class Element:
    """One element the page drew: where (delta_path), what, and in which fragment."""

    path: tuple[int, ...]
    kind: str  # the Element oneof: "markdown", "multiselect", "component_instance", …
    proto: ElementProto
    fragment_id: str = ""

    @property
    def body(self) -> Any:
        return getattr(self.proto, self.kind)

    @property
    def widget_id(self) -> str:
        return str(getattr(self.body, "id", "") or "")

    @property
    def label(self) -> str:
        return str(getattr(self.body, "label", "") or "")

    @property
    def in_form(self) -> bool:
        return bool(getattr(self.body, "form_id", ""))

    def has_key(self, key: str) -> bool:
        """Streamlit widget ids end with the user key: `$$ID-<hash>-<key>`."""
        return bool(self.widget_id) and self.widget_id.endswith(f"-{key}")

    @property
    def text(self) -> str:
        name = _TEXT_FIELDS.get(self.kind)
        return str(getattr(self.body, name)) if name else ""


def initial_widget_state(element: Element) -> WidgetState | None:
    """The state the frontend gives a widget when it mounts (or when the server sets it).

    Only the widget kinds a reader of this app changes are modelled; any other widget is left
    out of the rerun, and the server then keeps its own value for it.
    """
    body, kind = element.body, element.kind
    state = WidgetState(id=element.widget_id)
    if kind == "multiselect":
        values = (
            list(body.raw_values) if body.set_value else [body.options[i] for i in body.default]
        )
        state.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        if body.set_value:
            state.string_value = body.value
        elif body.HasField("default"):
            state.string_value = body.default
        else:
            return None
    elif kind in ("radio", "selectbox"):
        if body.set_value:
            state.string_value = body.raw_value
        elif body.HasField("default") and 0 <= body.default < len(body.options):
            state.string_value = body.options[body.default]
        else:
            return None
    elif kind == "date_input":
        state.string_array_value.data.extend(list(body.value) if body.set_value else body.default)
    elif kind == "checkbox":
        state.bool_value = body.value if body.set_value else body.default
    else:
        return None
    return state


def widget_state_of(element: Element, value: Any) -> WidgetState:
    """The state a user's change sends, by widget kind."""
    state = WidgetState(id=element.widget_id)
    kind = element.kind
    if kind in ("multiselect", "date_input"):
        state.string_array_value.data.extend(str(v) for v in value)
    elif kind in ("text_input", "text_area", "radio", "selectbox"):
        state.string_value = str(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    elif kind == "component_instance":
        state.json_value = json.dumps(value)
    else:
        raise ProtocolError(f"changing a {kind} widget is not modelled by this client")
    return state


@dataclass
class RunResult:
    """One request's outcome: status of the last script_finished, and what came with it."""

    status: str
    seconds: float
    statuses: list[str] = field(default_factory=list)  # every script_finished, in order
    exceptions: list[str] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    references: int = 0  # messages the server sent as a reference to the client's cache
    # Bytes of the elements that came in full, by kind ("component_instance", "dataframe", …).
    element_bytes: dict[str, int] = field(default_factory=dict)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == SUCCESS and not self.exceptions

    @property
    def failure(self) -> str | None:
        if self.ok:
            return None
        if self.exceptions:
            return "exception: " + self.exceptions[0][:200]
        return self.status + (f": {self.detail}" if self.detail else "")


def _count_element(message: ForwardMsg, size: int, result: RunResult) -> None:
    """Add a full element message's bytes to its kind's (a reference is no element yet)."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return
    kind = message.delta.new_element.WhichOneof("type") or "unknown"
    result.element_bytes[kind] = result.element_bytes.get(kind, 0) + size


# -- the session -----------------------------------------------------------------------------


class StreamlitSession:
    """One reader: a websocket session with the page, its elements and its widget states."""

    def __init__(
        self,
        base_url: str,
        query: str = "",
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cookies: Mapping[str, str] | None = None,
        page: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.query = query.lstrip("?")
        # A page of a multipage app by its URL path (`desk` for /desk); "" is the default page.
        self.page = page
        self.timeout_s = timeout_s
        self.cookies = CookieJar(cookies)
        self.session_id: str | None = None
        self.page_script_hash = ""
        self.elements: dict[tuple[int, ...], Element] = {}
        self.widget_states: dict[str, WidgetState] = {}
        self.upgrade_status: int | None = None
        self.upgrade_headers: list[tuple[str, str]] = []
        self.connect_seconds: float | None = None
        self._ws: ClientConnection | None = None
        self._seen: set[tuple[int, ...]] = set()
        self._page_loaded = False
        # The frontend's message cache: hash -> (message, fragment id, run it was last used in).
        self._cached: dict[str, tuple[ForwardMsg, str, int]] = {}
        self._runs = 0
        self._max_cached_age = 2

    # -- connection ---------------------------------------------------------------------------

    async def connect(self, resume: bool = False) -> None:
        """Load the page (once), then open the websocket; `resume` offers the session id."""
        started = time.perf_counter()
        if not self._page_loaded:
            await http_get(
                self.base_url,
                f"/{self.page}" + (f"?{self.query}" if self.query else ""),
                self.cookies,
                self.timeout_s,
            )
            self._page_loaded = True
        await http_get(self.base_url, HEALTH_PATH, self.cookies, self.timeout_s)
        await http_get(self.base_url, HOST_CONFIG_PATH, self.cookies, self.timeout_s)
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE) or "PLACEHOLDER_AUTH_TOKEN"]
        if resume and self.session_id:
            protocols.append(self.session_id)
        ws_url = "ws" + self.base_url.removeprefix("http") + STREAM_PATH
        try:
            self._ws = await connect(
                ws_url,
                origin=Origin(self.base_url),
                subprotocols=[Subprotocol(p) for p in protocols],
                additional_headers={"Cookie": self.cookies.header()},
                user_agent_header=USER_AGENT,
                compression=None,  # Streamlit's server has websocket compression off
                open_timeout=self.timeout_s,
                ping_interval=None,  # a browser sends no pings; a busy server answers late
                max_size=None,
                max_queue=None,
            )
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise ProtocolError(f"websocket to {ws_url} failed: {exc}") from exc
        response = self._ws.response
        if response is not None:
            self.upgrade_status = response.status_code
            self.upgrade_headers = list(response.headers.raw_items())
            self.cookies.take(response.headers.get_all("Set-Cookie"))
        self.connect_seconds = time.perf_counter() - started

    def upgrade_header(self, name: str) -> str | None:
        """A header of the websocket upgrade's answer (e.g. the replica that took it)."""
        return next((v for k, v in self.upgrade_headers if k.lower() == name.lower()), None)

    async def open(self) -> RunResult:
        """Open the link as a new reader: page, websocket, first script run."""
        await self.connect()
        return await self.rerun()

    async def reconnect(self) -> None:
        """Drop the websocket and reconnect, offering this session's id to resume it."""
        await self.close()
        await self.connect(resume=True)

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 10)
            self._ws = None

    # -- runs ---------------------------------------------------------------------------------

    async def rerun(self, fragment_id: str = "") -> RunResult:
        """Ask for a script run with every widget's state; read until it has finished."""
        if self._ws is None:
            raise ProtocolError("not connected: call open() or connect() first")
        message = BackMsg()
        client_state = message.rerun_script
        client_state.query_string = self.query
        if self.page:
            # A page named by its URL path, on every run: the session's script hash names the
            # app's main script, which would run the default page.
            client_state.page_name = self.page
        else:
            client_state.page_script_hash = self.page_script_hash
        client_state.widget_states.widgets.extend(self.widget_states.values())
        client_state.cached_message_hashes.extend(self._cached)
        if fragment_id:
            client_state.fragment_id = fragment_id
        started = time.perf_counter()
        self._seen = set()
        await self._ws.send(message.SerializeToString())
        result = await self._read_until_finished(fragment_id)
        result.seconds = time.perf_counter() - started
        return result

    async def set_widget(self, element: Element, value: Any) -> RunResult:
        """Change a widget as a user would; the rerun is a fragment run if it is in one."""
        self.widget_states[element.widget_id] = widget_state_of(element, value)
        return await self.rerun(element.fragment_id)

    async def press(self, widget_id: str, fragment_id: str = "") -> RunResult:
        """A button press as the browser sends it: a trigger for one run, then gone.

        Any id can be sent, also one of a button the page never drew for this session (a
        crafted request); the server must decide what it is allowed to do.
        """
        self.widget_states[widget_id] = WidgetState(id=widget_id, trigger_value=True)
        try:
            return await self.rerun(fragment_id)
        finally:
            self.widget_states.pop(widget_id, None)

    async def _read_until_finished(self, fragment_id: str) -> RunResult:
        assert self._ws is not None
        result = RunResult(status=TIMEOUT, seconds=0.0)
        deadline = time.monotonic() + self.timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                data = await asyncio.wait_for(self._ws.recv(), max(remaining, 0.001))
            except TimeoutError:
                result.status, result.detail = TIMEOUT, f"no script_finished in {self.timeout_s} s"
                await self.close()  # its late answer must not be taken for the next run's
                return result
            except ConnectionClosed as exc:
                result.status, result.detail = DISCONNECTED, str(exc)
                self._ws = None
                return result
            raw = data if isinstance(data, bytes) else data.encode()
            result.messages += 1
            result.bytes += len(raw)
            message = ForwardMsg()
            message.ParseFromString(raw)
            _count_element(message, len(raw), result)
            message = self._through_cache(message, result)
            status = self._take(message, result)
            if status is None:
                continue
            result.statuses.append(status)
            if status != INTERRUPTED:
                result.status = status
                if status == SUCCESS:
                    self._drop_stale(fragment_id)
                    self._age_cache(fragment_id)
                return result

    def _through_cache(self, message: ForwardMsg, result: RunResult) -> ForwardMsg:
        """The message a reference stands for (from the cache); a cacheable one is kept."""
        if message.WhichOneof("type") == "ref_hash":
            kept = self._cached.get(message.ref_hash)
            if kept is None:
                return message  # `_take` reports it
            result.references += 1
            whole = ForwardMsg()
            whole.CopyFrom(kept[0])
            whole.metadata.CopyFrom(message.metadata)  # where it goes this time
            self._cached[message.ref_hash] = (kept[0], kept[1], self._runs)
            return whole
        if message.metadata.cacheable and message.hash:
            fragment = message.delta.fragment_id if message.WhichOneof("type") == "delta" else ""
            self._cached[message.hash] = (message, fragment, self._runs)
        return message

    def _age_cache(self, fragment_id: str) -> None:
        """After a run: drop what it has not used for too long (a fragment's run ages only
        that fragment's messages)."""
        self._runs += 1
        for key, (_, fragment, used) in list(self._cached.items()):
            if fragment_id and fragment != fragment_id:
                continue
            if self._runs - used > self._max_cached_age:
                del self._cached[key]

    def _take(self, message: ForwardMsg, result: RunResult) -> str | None:
        """Fold one ForwardMsg into the model; the run's status if it is script_finished."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            self._max_cached_age = (
                message.new_session.config.max_cached_message_age or self._max_cached_age
            )
            self.page_script_hash = message.new_session.page_script_hash
        elif kind == "page_info_changed":
            # The page rewrote its URL (st.query_params): the browser's next rerun sends it.
            self.query = message.page_info_changed.query_string
        elif kind == "delta":
            self._take_delta(message, result)
        elif kind == "script_finished":
            return _STATUS.get(message.script_finished, f"unknown {message.script_finished}")
        elif kind == "ref_hash":
            result.detail = "the server referred to a cached message this client never had"
        return None

    def _take_delta(self, message: ForwardMsg, result: RunResult) -> None:
        delta = message.delta
        path = tuple(message.metadata.delta_path)
        self._seen.add(path)
        if delta.WhichOneof("type") != "new_element":
            return
        kind = delta.new_element.WhichOneof("type") or "unknown"
        element = Element(path, kind, delta.new_element, delta.fragment_id)
        self.elements[path] = element
        if kind == "exception":
            body = element.body
            result.exceptions.append(f"{body.type}: {body.message}")
        if element.widget_id and not element.in_form and self._mounts_anew(element):
            state = initial_widget_state(element)
            if state is not None:
                self.widget_states[element.widget_id] = state

    def _mounts_anew(self, element: Element) -> bool:
        """The frontend takes a widget's value from its proto when the widget first appears,
        or when the server sets it (set_value); otherwise it keeps the value it holds."""
        return element.widget_id not in self.widget_states or bool(
            getattr(element.body, "set_value", False)
        )

    def _drop_stale(self, fragment_id: str) -> None:
        """After a finished run, forget what it did not redraw (the frontend clears it too)."""
        stale = [
            path
            for path, element in self.elements.items()
            if path not in self._seen and (not fragment_id or element.fragment_id == fragment_id)
        ]
        for path in stale:
            del self.elements[path]
        live = {e.widget_id for e in self.elements.values() if e.widget_id}
        for widget_id in [w for w in self.widget_states if w not in live]:
            del self.widget_states[widget_id]

    # -- reading the page ---------------------------------------------------------------------

    def ordered(self) -> list[Element]:
        return [self.elements[path] for path in sorted(self.elements)]

    def texts(self) -> list[str]:
        return [e.text for e in self.ordered() if e.text]

    def find_widget(
        self, key: str | None = None, label: str | None = None, kind: str | None = None
    ) -> Element:
        """The first widget with this user key (or label containing `label`), and kind."""
        for element in self.ordered():
            if not element.widget_id or (kind and element.kind != kind):
                continue
            if key is not None and element.has_key(key):
                return element
            if key is None and label is not None and label in element.label:
                return element
        known = ", ".join(f"{e.kind} {e.label!r} ({e.widget_id})" for e in self.widgets())
        raise LookupError(f"no widget with key={key!r} label={label!r} kind={kind!r}: {known}")

    def widgets(self) -> list[Element]:
        return [e for e in self.ordered() if e.widget_id]

    def find_component(self, name_contains: str = "st_folium") -> Element:
        for element in self.ordered():
            if element.kind == "component_instance" and (
                name_contains in element.body.component_name
            ):
                return element
        raise LookupError(f"the page drew no component whose name contains {name_contains!r}")

    @staticmethod
    def component_args(element: Element) -> dict[str, Any]:
        args: dict[str, Any] = json.loads(element.body.json_args or "{}")
        return args

    def component_value(self, element: Element) -> dict[str, Any]:
        """The value this client last sent for a component ({} if none yet)."""
        state = self.widget_states.get(element.widget_id)
        if state is None or not state.json_value:
            return {}
        value: dict[str, Any] = json.loads(state.json_value)
        return value
