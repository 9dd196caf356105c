"""Benchmark (web): reads per second and their latency, alone and under a concurrent import.

``python -m benchmarks.bench_web [--seconds 10] [--readers 8]`` (runnable alone). The server is the real
application (``create_app`` + ``server_config``) with uvicorn on a free loopback port, on a fresh Store
filled with the bundled real data. Readers are threads with their own HTTP client, each asking in turn for
``/api/health``, ``/api/units?level=region`` and ``/api/ranking``, with an analyst's API token. Phase 1:
readers only. Phase 2: the same while another thread uploads table after table through ``/api/import``
(each a SYNTHETIC unemployment rate of every region for one new year 1990-2009, so each import stores
new rows and changes the Store's version, which empties the caches). Issue 19, finding 5: before, one
global lock made every read wait for an import.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

ERRORS: list[str] = []  # the first answers that were not 200, printed with the figures
PATHS = ("/api/health", "/api/units?level=region", "/api/ranking?lang=en")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _store(folder: Path) -> tuple[Path, str, list[str]]:
    """A bundled Store in ``folder``, an analyst's token, the region codes."""
    from territoria.store import Store
    from territoria.store.accounts import add_user, create_token
    from territoria.store.bundle import load_bundled

    path = folder / "bench.duckdb"
    with Store(path) as store:
        load_bundled(store)
        add_user(store, "bench", role="analyst")
        token = create_token(store, "bench", label="benchmark")
        regions = [c for c in store.units(level="region").index if str(c).isdigit()]
    return path, token, regions


def _reads(url: str, token: str, seconds: float, readers: int) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(readers)
    stop_at: list[float] = []

    def reader(i: int) -> None:
        mine, codes = [], []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
            start.wait()
            if i == 0:
                stop_at.append(time.monotonic() + seconds)
            while not stop_at:
                time.sleep(0)
            k = i
            while time.monotonic() < stop_at[0]:
                t0 = time.perf_counter()
                res = client.get(PATHS[k % len(PATHS)])
                mine.append(time.perf_counter() - t0)
                codes.append(res.status_code)
                if res.status_code != 200 and len(ERRORS) < 5:
                    ERRORS.append(f"{res.status_code} {PATHS[k % len(PATHS)]}: {res.text[:300]}")
                k += 1
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, statuses


def _importer(url: str, token: str, regions: list[str], stop: threading.Event, out: list[tuple[float, int]]) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300) as client:
        for year in range(1990, 2010):
            if stop.is_set():
                return
            rows = "".join(f"{code},unemployment_rate,{year},{5 + i * 0.1:.1f}\n" for i, code in enumerate(regions))
            body = ("unit,indicator,year,value\n" + rows).encode()  # SYNTHETIC values
            t0 = time.perf_counter()
            res = client.post("/api/import", files={"file": (f"bench_{year}.csv", body, "text/csv")})
            out.append((time.perf_counter() - t0, res.status_code))


def _summary(latencies: list[float], statuses: list[int], seconds: float) -> dict[str, float]:
    lat = np.asarray(latencies) * 1000
    return {"requests": len(lat), "rps": len(lat) / seconds, "p50_ms": float(np.percentile(lat, 50)),
            "p95_ms": float(np.percentile(lat, 95)), "max_ms": float(lat.max()),
            "non_200": int(sum(s != 200 for s in statuses)),
            "codes": dict(sorted(Counter(statuses).items()))}


def run(seconds: float = 10.0, readers: int = 8) -> dict[str, dict[str, float]]:
    import uvicorn

    from territoria.web import create_app
    from territoria.web.limits import server_config

    folder = Path(tempfile.mkdtemp(prefix="territoria-bench-web-"))
    try:
        db, token, regions = _store(folder)
        port = _free_port()
        server = uvicorn.Server(server_config(create_app(db), host="127.0.0.1", port=port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        _reads(url, token, 1.0, readers)  # warm the caches
        alone = _summary(*_reads(url, token, seconds, readers), seconds)
        stop, imports = threading.Event(), []
        writer = threading.Thread(target=_importer, args=(url, token, regions, stop, imports))
        writer.start()
        during = _summary(*_reads(url, token, seconds, readers), seconds)
        stop.set()
        writer.join()
        server.should_exit = True
        thread.join(timeout=10)
        durations = np.asarray([d for d, _ in imports]) * 1000
        return {"reads alone": alone, "reads during imports": during,
                "imports": {"requests": len(imports), "non_200": sum(s != 200 for _, s in imports),
                            "p50_ms": float(np.percentile(durations, 50)) if len(durations) else float("nan"),
                            "max_ms": float(durations.max()) if len(durations) else float("nan")}}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def describe(rep: dict[str, dict[str, float]]) -> str:
    lines = ["| phase | requests | per second | p50 ms | p95 ms | max ms | not 200 |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("reads alone", "reads during imports"):
        r = rep[name]
        lines.append(f"| {name} | {r['requests']} | {r['rps']:.0f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
                     f"{r['max_ms']:.0f} | {r['non_200']} |")
    imp = rep["imports"]
    lines.append(f"| imports meanwhile | {imp['requests']} | | {imp['p50_ms']:.0f} | | {imp['max_ms']:.0f} | "
                 f"{imp['non_200']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--readers", type=int, default=8, help="concurrent reading clients")
    args = parser.parse_args()
    print(describe(run(seconds=args.seconds, readers=args.readers)))
    for line in ERRORS:
        print("not 200:", line)


if __name__ == "__main__":
    main()
