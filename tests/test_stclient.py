"""benchmarks/stclient.py against a tiny real app: widgets by key, fragments, URL, exceptions.

The page of Event Atlas is being reworked into fragments; this app pins down what the client
must do whatever the page looks like: a change inside a fragment reruns only the fragment (the
rest of the page stays), a change outside reruns everything with every widget's state.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.serve import AppServer
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from stclient import StreamlitSession, run_sync

APP = """\
import streamlit as st

st.session_state.setdefault("full_runs", 0)
st.session_state.full_runs += 1
st.markdown(f"full runs: {st.session_state.full_runs}")


@st.fragment
def greeting():
    st.text_input("Name", key="name")
    st.markdown(f"hello {st.session_state.name}")


greeting()
st.multiselect("Pick", ["a", "b", "c"], key="pick")
st.markdown(f"picked {','.join(st.session_state.pick)}")
st.query_params["pick"] = ",".join(st.session_state.pick)
if "c" in st.session_state.pick:
    raise ValueError("c is not allowed")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("tiny-app")
    (folder / "app.py").write_text(APP, encoding="utf-8")
    with AppServer(app_dir=folder, log_path=folder / "server.log") as running:
        yield running


def test_client_runs_fragments_full_runs_and_sees_exceptions(server: AppServer) -> None:
    async def scenario() -> None:
        session = StreamlitSession(server.base_url, "from=link", timeout_s=60)
        opened = await session.open()
        assert opened.ok, opened.failure
        assert "full runs: 1" in session.texts()
        name = session.find_widget(key="name")
        assert name.fragment_id, "drawn inside the fragment"
        assert session.find_widget(label="Pick").has_key("pick")

        typed = await session.set_widget(name, "Ada")  # a fragment run
        assert typed.ok, typed.failure
        assert "hello Ada" in session.texts()
        assert "full runs: 1" in session.texts(), "the rest of the page stays, not rerun"

        picked = await session.set_widget(session.find_widget(key="pick"), ["b"])  # a full run
        assert picked.ok, picked.failure
        texts = session.texts()
        assert "full runs: 2" in texts and "picked b" in texts
        assert "hello Ada" in texts, "the fragment's widget state went with the full run"
        assert "pick=b" in session.query, "the URL the page wrote is the one sent next"

        broken = await session.set_widget(session.find_widget(key="pick"), ["c"])
        assert not broken.ok and broken.exceptions
        await session.close()

    run_sync(scenario())


def test_reconnecting_keeps_the_session_and_its_state(server: AppServer) -> None:
    async def scenario() -> None:
        session = StreamlitSession(server.base_url, timeout_s=60)
        assert (await session.open()).ok
        await session.set_widget(session.find_widget(key="pick"), ["a"])
        first = session.session_id
        await session.reconnect()
        rerun = await session.rerun()
        assert rerun.ok, rerun.failure
        assert session.session_id == first
        assert "full runs: 3" in session.texts(), "session state survived the reconnect"
        await session.close()

    run_sync(scenario())


def test_a_widget_that_is_not_there_is_named_with_those_that_are(server: AppServer) -> None:
    async def scenario() -> None:
        session = StreamlitSession(server.base_url, timeout_s=60)
        assert (await session.open()).ok
        with pytest.raises(LookupError, match="Pick"):
            session.find_widget(key="missing")
        await session.close()

    run_sync(scenario())


def test_the_app_file_is_checked_before_starting(tmp_path: Path) -> None:
    from geo.serve import ServeError

    with pytest.raises(ServeError, match=r"no app\.py"):
        AppServer(app_dir=tmp_path).start()
