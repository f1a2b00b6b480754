"""loaders/redirects.py and redirect_maps.py: exactly one redirect per old URL (both hosts) to a loaded
row; precedence and hand-over between records; nginx output served for real by nginx, Apache and CSV
outputs parsed back."""

from __future__ import annotations

import csv
import http.client
import shutil
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from loaders import schema
from loaders.load import load_records
from loaders.redirect_maps import parse_nginx_map, request_key, write_redirects
from loaders.redirects import Candidate, assign_redirects, iter_redirects
from loaders.rollback import rollback
from loaders.rows import other_host, url_key
from moha_migrate.jsonl import write_records
from moha_migrate.newurls import new_path
from moha_migrate.records import Page
from moha_migrate.urls import comparable


def _redirects(db_url: str) -> list:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(iter_redirects(conn))
    finally:
        engine.dispose()


def test_every_old_url_on_both_hosts_has_exactly_one_redirect_to_its_loaded_row(engine_url: str, corpus_file: Path, corpus: list) -> None:
    load_records(corpus_file, engine_url)
    rows = _redirects(engine_url)
    by_key = Counter(comparable(r.old_url) for r in rows)
    assert max(by_key.values()) == 1, "an old URL has more than one redirect"
    target = {comparable(r.old_url): r.new_path for r in rows}
    engine = create_engine(engine_url)
    with engine.connect() as conn:
        loaded_paths = set(conn.execute(select(schema.IdMap.dest_path)).scalars())
    engine.dispose()
    expected = {}
    for record in corpus:
        for url in record.old_urls:
            expected[comparable(url)] = new_path(record)
        for url in record.old_urls:
            expected.setdefault(comparable(other_host(url)), new_path(record))
    assert target == expected
    assert set(target.values()) <= loaded_paths
    assert all(p.startswith("/") and not p.startswith("//") for p in target.values()), "a redirect leaves the portal"


def _page(slug: str, *extra: str) -> Page:
    url = f"http://moha.gov.vn/gioi-thieu/{slug}.html"
    return Page(source_url=url, old_urls=tuple(sorted({url, *extra})), title=slug.title(), slug=slug, body_text="x", body_html="<p>x</p>")


def test_an_old_url_claimed_twice_stays_with_the_first_record_and_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    shared = "http://moha.gov.vn/Default.aspx?tabid=5"
    first, second = _page("gioi-thieu-chung", shared), _page("lien-he", shared)
    path = tmp_path / "r.jsonl"
    write_records([first, second], path)
    result = load_records(path, sqlite_url)
    assert result.conflicts == 1 and not result.ok
    assert any(shared in p and "/gioi-thieu/gioi-thieu-chung" in p for p in result.problems)
    targets = {r.old_url: r.new_path for r in _redirects(sqlite_url)}
    assert targets[shared] == "/gioi-thieu/gioi-thieu-chung"

    rollback(sqlite_url, ids=[first.source_url])
    targets = {r.old_url: r.new_path for r in _redirects(sqlite_url)}
    assert targets[shared] == "/gioi-thieu/lien-he", "a freed URL goes to the next record that lists it"
    assert targets["http://www.moha.gov.vn/Default.aspx?tabid=5"] == "/gioi-thieu/lien-he"


@pytest.mark.parametrize("order", ["alias-first", "listed-first"])
def test_a_listed_url_beats_another_records_alias(sqlite_url: str, tmp_path: Path, order: str) -> None:
    a = _page("gioi-thieu-chung", "http://moha.gov.vn/cu.html")
    b = _page("lien-he", "http://www.moha.gov.vn/cu.html")
    path = tmp_path / "r.jsonl"
    write_records([a, b] if order == "alias-first" else [b, a], path)
    result = load_records(path, sqlite_url, batch_size=1)
    assert result.conflicts == 0
    targets = {r.old_url: (r.new_path, r.origin) for r in _redirects(sqlite_url)}
    assert targets["http://www.moha.gov.vn/cu.html"] == ("/gioi-thieu/lien-he", "record")
    assert targets["http://moha.gov.vn/cu.html"] == ("/gioi-thieu/gioi-thieu-chung", "record")
    rollback(sqlite_url, ids=[b.source_url])
    targets = {r.old_url: (r.new_path, r.origin) for r in _redirects(sqlite_url)}
    assert targets["http://www.moha.gov.vn/cu.html"] == ("/gioi-thieu/gioi-thieu-chung", "alias"), "the alias comes back"


def test_a_row_answering_on_both_hosts_gives_up_each_host_it_loses(sqlite_url: str, tmp_path: Path) -> None:
    a, b = _page("gioi-thieu-chung"), _page("lien-he")
    path = tmp_path / "r.jsonl"
    write_records([a, b], path)
    load_records(path, sqlite_url)
    bare, www = "http://moha.gov.vn/cu.html", "http://www.moha.gov.vn/cu.html"
    kb, kw = url_key(bare), url_key(www)
    engine = create_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            ids = dict(conn.execute(select(schema.IdMap.source_url, schema.IdMap.id)).all())
            ia, ib = ids[a.source_url], ids[b.source_url]

            def held() -> dict[str, tuple[str, str]]:
                return {r.old_url: (r.new_path, r.origin) for r in iter_redirects(conn) if r.old_url in (bare, www)}

            def rows() -> int:
                return len(conn.execute(select(schema.Redirect.id).where(schema.Redirect.old_url.in_([bare, www]))).all())

            # a asks for both host forms as aliases: one row answers on both hosts
            added, _ = assign_redirects(conn, [Candidate(kb, bare, "/a", "alias", ia, www, kw), Candidate(kw, www, "/a", "alias", ia, bare, kb)])
            assert (added, rows(), held()) == (2, 1, {bare: ("/a", "alias"), www: ("/a", "alias")})
            # b lists the form the row is keyed by: the row moves to the other host's form
            added, conflicts = assign_redirects(conn, [Candidate(kb, bare, "/b", "record", ib, www, kw)])
            assert (added, conflicts, rows(), held()) == (0, [], 2, {bare: ("/b", "record"), www: ("/a", "alias")})
            # and then the other form: a's row goes, its claims stay for when b goes
            assign_redirects(conn, [Candidate(kw, www, "/b", "record", ib, bare, kb)])
            assert (rows(), held()) == (2, {bare: ("/b", "record"), www: ("/b", "record")})
            assert len(conn.execute(select(schema.RedirectClaim.id).where(schema.RedirectClaim.map_id == ia)).all()) == 2
    finally:
        engine.dispose()


def test_csv_and_apache_outputs_list_every_redirect(sqlite_url: str, corpus_file: Path, tmp_path: Path) -> None:
    load_records(corpus_file, sqlite_url)
    rows = _redirects(sqlite_url)
    write_redirects(sqlite_url, "csv", tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8") as fh:
        parsed = {row["old_url"]: row["new_path"] for row in csv.DictReader(fh)}
    assert parsed == {r.old_url: r.new_path for r in rows}
    write_redirects(sqlite_url, "apache", tmp_path / "r.txt")
    entries = [line.split(" ") for line in (tmp_path / "r.txt").read_text("utf-8").splitlines() if not line.startswith("#")]
    assert dict(entries) == {request_key(r.old_url): r.new_path for r in rows}
    assert all(len(e) == 2 for e in entries)


def test_nginx_map_parses_back_with_case_twins_as_regexes(sqlite_url: str, corpus_file: Path, tmp_path: Path) -> None:
    load_records(corpus_file, sqlite_url)
    rows = _redirects(sqlite_url)
    out = tmp_path / "map.conf"
    write_redirects(sqlite_url, "nginx", out)
    entries = parse_nginx_map(out.read_text("utf-8").splitlines())
    assert len(entries) == len(rows)
    twins = [k for k in entries if k.startswith("~")]
    assert any("Anh[.]JPG" in k for k in twins) and any("anh[.]jpg" in k for k in twins)
    plain = {k: v for k, v in entries.items() if not k.startswith("~")}
    assert plain == {request_key(r.old_url): r.new_path for r in rows if request_key(r.old_url) in plain}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx() -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.skip("nginx is not installed (make system-deps installs nginx-light); the parser test covers the map")
    return binary


def test_nginx_serves_every_redirect_of_the_map(nginx: str, sqlite_url: str, corpus_file: Path, tmp_path: Path) -> None:
    load_records(corpus_file, sqlite_url)
    rows = _redirects(sqlite_url)
    conf_dir = tmp_path / "nginx"
    conf_dir.mkdir()
    write_redirects(sqlite_url, "nginx", conf_dir / "moha-redirects.conf")
    port = _free_port()
    temp = {name: conf_dir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (conf_dir / "nginx.conf").write_text(
        f"""daemon off; master_process off; pid {conf_dir}/nginx.pid; error_log {conf_dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp['body']}; proxy_temp_path {temp['proxy']}; fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']}; scgi_temp_path {temp['scgi']};
    include {conf_dir}/moha-redirects.conf;
    server {{
        listen 127.0.0.1:{port};
        server_name moha.gov.vn www.moha.gov.vn;
        absolute_redirect off;
        if ($moha_redirect) {{ return 301 $moha_redirect; }}
        return 404;
    }}
}}
""",
        "utf-8",
    )
    args = [nginx, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf")]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "nginx did not start"
                time.sleep(0.05)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        wrong = []
        for row in rows:
            key = request_key(row.old_url)
            host, _, uri = key.partition("/")
            conn.request("GET", "/" + uri, headers={"Host": host})
            response = conn.getresponse()
            response.read()
            if (response.status, response.getheader("Location")) != (301, row.new_path):
                wrong.append((row.old_url, response.status, response.getheader("Location"), row.new_path))
        assert not wrong, wrong[:5]
        for host, uri in (("moha.gov.vn", "/not-migrated.html"), ("chinhphu.vn", "/Print.aspx?ItemID=20000")):
            conn.request("GET", uri, headers={"Host": host})
            response = conn.getresponse()
            response.read()
            assert response.status == 404, (host, uri)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
