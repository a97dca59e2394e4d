"""Hostile messages, side by side: the code before a ref and this tree, on one data file.

What a crafted client can send without signing in, over Streamlit's websocket: the map
component's value reporting the whole world's bounds at zoom 18, three slightly different
boxes in a row. For each message: the server's seconds until the run finished, the bytes of
the answer; the server's RSS before, at its peak, and after; and the time another reader takes
to open the page meanwhile (its first run, started a second after the first message).

    .venv/bin/python benchmarks/hostile.py --data benchmarks/data/events-1000000.parquet \
        --before-ref f16a50a

Results go to stdout as a Markdown table, and to --json (benchmarks/hostile-results.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import RssSampler, code_checkout, serving, total_cpu, total_rss_mb
from stclient import StreamlitSession


def world_at(zoom: int, shift: float) -> dict[str, Any]:
    return {
        "bounds": {
            "_southWest": {"lat": -90.0, "lng": -180.0 + shift},
            "_northEast": {"lat": 90.0, "lng": 180.0 - shift},
        },
        "zoom": zoom,
    }


async def attack(url: str, pids: list[int]) -> dict[str, Any]:
    hostile = StreamlitSession(url, timeout_s=600)
    reader = StreamlitSession(url, timeout_s=600)
    try:
        opened = await hostile.open()
        assert opened.ok, opened.failure
        rss_before = total_rss_mb(pids)
        cpu_before = total_cpu(pids)
        messages = []
        component = hostile.find_component("st_folium")

        async def send_all() -> None:
            for shift in (0.0, 0.5, 1.0):
                answer = await hostile.set_widget(component, world_at(18, shift))
                messages.append(
                    {
                        "seconds": round(answer.seconds, 2),
                        "mb": round(answer.bytes / 1e6, 2),
                        "status": answer.status,
                    }
                )

        async def open_meanwhile() -> tuple[Any, float]:
            await asyncio.sleep(1.0)  # while the first crafted message is being answered
            started = time.perf_counter()
            other = await reader.open()
            return other, time.perf_counter() - started

        with RssSampler(pids) as sampler:
            _, (other, other_seconds) = await asyncio.gather(send_all(), open_meanwhile())
            cpu = total_cpu(pids) - cpu_before
            peak = sampler.peak_mb
        return {
            "messages": messages,
            "server_cpu_s": round(cpu, 1),
            "rss_before_mb": round(rss_before),
            "rss_peak_mb": round(peak),
            "rss_after_mb": round(total_rss_mb(pids)),
            "other_reader_open_s": round(other_seconds, 2),
            "other_reader_ok": other.ok,
        }
    finally:
        await hostile.close()
        await reader.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--before-ref", default="")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/hostile-results.json"))
    args = parser.parse_args()
    codes = [("before", args.before_ref)] if args.before_ref else []
    codes.append(("now", ""))
    results = {}
    for code, ref in codes:
        with (
            tempfile.TemporaryDirectory() as logs,
            code_checkout(code, ref) as app_dir,
            serving(app_dir, args.data.resolve(), 1, Path(logs)) as target,
        ):
            results[code] = asyncio.run(attack(target.url, target.pids))
        print(code, json.dumps(results[code]), flush=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        "\n| code | seconds per message | MB per answer | server CPU s | RSS before → peak → after "
        "| another reader's open |"
    )
    print("| --- | --- | --- | ---: | --- | ---: |")
    for code, r in results.items():
        seconds = " / ".join(f"{m['seconds']:.1f}" for m in r["messages"])
        mb = " / ".join(f"{m['mb']:.2f}" for m in r["messages"])
        rss = f"{r['rss_before_mb']} → {r['rss_peak_mb']} → {r['rss_after_mb']} MB"
        print(
            f"| {code} | {seconds} | {mb} | {r['server_cpu_s']} | {rss} "
            f"| {r['other_reader_open_s']:.2f} s |"
        )


if __name__ == "__main__":
    main()
