"""The README path on a fresh SQLite file: `oms demo`, then `oms serve`
answers queries with the token demo printed (and with `oms token`)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests import backends

from .harness import OMS, SECRET, Server, server_env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([OMS, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_demo_then_serve(monkeypatch):
    workdir = Path(tempfile.mkdtemp(prefix="oms-demo-"))
    database_url = f"sqlite://{workdir / 'demo.sqlite3'}"
    # The README path is SQLite and in-process events, whichever back end the run tests.
    monkeypatch.setattr(backends, "IS_PG", False)
    server = Server(database_url, None, workdir)
    env = server_env(database_url, workdir, None)
    try:
        out = _run(["demo"], env, workdir)
        assert "demo data loaded: 4 channels, 4 locations, 8 products, 5 customers, 12 orders, " \
               "2 returns" in out
        admin = out.strip().splitlines()[-1]
        assert out.strip().splitlines()[-2] == "admin token:"
        assert "demo data is already loaded" in _run(["demo", "--no-token"], env, workdir)
        analyst = _run(["token", "--role", "analyst"], env, workdir).strip()

        await server.start()
        q = """{ orders(first: 50) { totalCount edges { node { status } } }
                 order(number: "WEB-000001") { number channel { code } customer { email } }
                 channels { code locations { code } } }"""
        data = await server.ok(q, auth=admin)
        assert data["orders"]["totalCount"] == 12
        assert {e["node"]["status"] for e in data["orders"]["edges"]} == {
            "PENDING", "ON_HOLD", "CONFIRMED", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED",
            "DELIVERED", "CANCELLED"}
        assert data["order"] == {"number": "WEB-000001", "channel": {"code": "WEB"},
                                 "customer": {"email": "ana.silva@example.com"}}
        assert [c["code"] for c in data["channels"]] == ["AMAZON", "PHONE", "STORE", "WEB"]
        assert (await server.ok(q, auth=analyst))["orders"]["totalCount"] == 12
        shown = await server.ok("""{ returns(first: 10) { edges { node { status labelUrl
            order { status } } } } returnPolicy(channel: "WEB") { windowDays } }""", auth=admin)
        assert sorted((e["node"]["status"], e["node"]["labelUrl"] is not None,
                       e["node"]["order"]["status"]) for e in shown["returns"]["edges"]) == [
            ("APPROVED", True, "DELIVERED"), ("RECEIVED", True, "DELIVERED")]
        assert shown["returnPolicy"] == {"windowDays": 30}
        # A customer token for a demo customer sees that customer's orders only.
        cid = _run(["token", "--role", "customer", "--customer", "1"], env, workdir).strip()
        mine = await server.ok("{ orders { totalCount edges { node { customer { email } } } } }",
                               auth=cid)
        assert {e["node"]["customer"]["email"] for e in mine["orders"]["edges"]} == {
            "ana.silva@example.com"}
        assert 0 < mine["orders"]["totalCount"] < 12
        assert SECRET not in out
    finally:
        server.stop()
        await backends.drop_database(database_url)
        shutil.rmtree(workdir, ignore_errors=True)
