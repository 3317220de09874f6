"""Who may see and take what, through the app itself (Streamlit AppTest on
the demo warehouse): every role on every page and every export; a district
user asking for other districts by URL, filter, drill-down and upload
(narrowed to its own, and the refusal audited); SQL-injection strings in
every URL parameter, query parameter, sign-in and upload field (no effect);
the lockout after repeated failed sign-ins."""

from __future__ import annotations

import html
import io
import json
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import downloads, i18n, queries
from kernel.home import REPO, Home
from tests.conftest import run_cli
from tests.dashboards.conftest import ensure_user, signed_in
from trust import store

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
MINHANG, YANGPU, PUDONG = "310112", "310110", "310115"
ROLES = ("leader", "planner", "steward", "district")
PAGES = ("overview", "legal_aid", "wages", "certifications", "definitions", "data")
FIGURE_PAGES = ("overview", "legal_aid", "wages", "certifications")
SUBJECT_PAGES = ("legal_aid", "wages", "certifications")
INJECTIONS = (
    "310110' or '1'='1",
    "310110'); drop table marts.kpi_district_month; --",
    "' union select username, password_hash, role from users --",
    '"; delete from audit; --',
)
# Every query parameter a page reads (ui.py, subject_ui.py, the pages).
URL_PARAMETERS = (
    "lang", "year", "period", "month", "quarter", "from", "to", "districts",
    "drill", "street", "by", "measure", "metric", "on",
)  # fmt: skip
# A district code standing alone: not part of a longer number, a colour
# (#310110) or a decimal; a case id such as FY310110-2026-… does count.
DISTRICT_CODE = re.compile(r"(?<![\d#.])3101\d\d(?![\d.])")
LEGAL_AID_HEADER = "案件编号,区,受理日期,结案日期,争议类型,涉及职工人数,挽回经济损失,办理结果\n"
# One city-wide file: a 闵行 row that loads, rows of 黄浦 and 徐汇 and one
# of 闵行 that are quarantined, one naming no readable district.
CITY_WIDE_FILE = LEGAL_AID_HEADER + "".join(
    f"{row}\n"
    for row in [
        "Q-1,闵行,2026-10-08,,劳动报酬,1,,办理中",
        "Q-2,黄浦,2026-10-08,,欠钱,1,,办理中",  # unknown category
        "Q-3,徐汇,2026-02-30,,劳动报酬,1,,办理中",  # no such day
        "Q-4,闵行,2026-10-08,,劳动报酬,两人,,办理中",  # not a number
        "Q-5,火星区,2026-10-08,,劳动报酬,1,,办理中",  # no readable district
    ]
)


# --- helpers ---------------------------------------------------------------


def credentials_for(home: Path, role: str) -> tuple[str, str]:
    return ensure_user(home, f"matrix-{role}", role, f"matrix-{role}-pass-1", "闵行" if role == "district" else None)


def open_as(monkeypatch, home: Path, role: str, **query: str) -> AppTest:
    """The app signed in as ``role`` (a district user: 闵行), after its first
    run (the overview), with the given URL parameters."""
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = signed_in(AppTest.from_file(str(APP), default_timeout=120), home, credentials_for(home, role))
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def show(app: AppTest, page: str, **query: str) -> AppTest:
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture
def exports(monkeypatch) -> list[tuple[str, Callable[[], bytes]]]:
    """Every export a page offers, as (file name, maker): the makers are what
    the download buttons call on click (audit hook included)."""
    offered: list[tuple[str, Callable[[], bytes]]] = []
    original = downloads.audited

    def capture(make, file_name):
        produce = original(make, file_name)
        offered.append((file_name, produce))
        return produce

    monkeypatch.setattr(downloads, "audited", capture)
    return offered


def other_districts(home: Path) -> tuple[set[str], set[str]]:
    """Codes and Chinese names of every district but 闵行 (the unknown
    member left out: it is not a district)."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select district_code, district_name_zh from marts.dim_district where district_code not in (?, '000000')",
            [MINHANG],
        ).fetchall()
    return {code for code, _ in rows}, {name for _, name in rows}


def export_text(file_name: str, content: bytes) -> str | None:
    """The readable text of an export, checking its format on the way; None
    for PNG, PDF and the dbt docs page, whose text is not figures."""
    if file_name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if file_name.endswith(".csv"):
        return content.decode("utf-8-sig")
    if file_name.endswith(".svg"):
        text = content.decode("utf-8")
        assert "<svg" in text[:1000]
        return text
    if file_name.endswith(".html"):  # the dbt docs: documentation, no figures
        assert b"<html" in content[:5000].lower(), file_name
        return None
    magic = {".png": b"\x89PNG", ".pdf": b"%PDF"}[Path(file_name).suffix]
    assert content.startswith(magic), file_name
    return None


def mentions_of_others(text: str, home: Path) -> set[str]:
    codes, names = other_districts(home)
    return ({code for code in DISTRICT_CODE.findall(text) if code in codes}) | {n for n in names if n in text}


def shown_text(app: AppTest, skip: Callable[[object], bool] = lambda frame: False) -> str:
    """Every table, figure card and chart label with a figure on the page,
    as text."""
    parts = [frame.value.to_csv() for frame in app.dataframe if not skip(frame.value)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    for chart in app.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            labels = json.dumps([trace.get(k) for k in ("text", "hovertext", "customdata")], ensure_ascii=False)
            # A map outlines and names every district (geography); a label
            # with a figure in it is data.
            if re.search(r"\d", DISTRICT_CODE.sub("", labels)):
                parts.append(labels)
    return "\n".join(parts)


def audit(home: Path, username: str, action: str) -> list[dict]:
    """That user's audit entries of that action, newest first."""
    return [
        e for e in store.read_audit(Home(home), limit=100_000) if e["username"] == username and e["action"] == action
    ]


def warehouse_fingerprint(home: Path) -> list[tuple]:
    """Every table of the published warehouse with its row count."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by all"
        ).fetchall()
        return [(s, t, con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]) for s, t in tables]


# --- roles x pages x exports ------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_every_export_for_each_role(role, monkeypatch, warehouse_home, exports):
    """Leaders read every figure page and can take nothing away; planners,
    stewards and district users get export buttons on every figure page,
    every file is made and written to the audit log; only stewards and
    district users have the data page; a district user's pages and files
    name no other district (the steward's do: the check can fail)."""
    username = credentials_for(warehouse_home, role)[0]
    logged_before = Counter(e["detail"]["file"] for e in audit(warehouse_home, username, "export"))
    app = open_as(monkeypatch, warehouse_home, role)
    made: Counter[str] = Counter()
    leaks: dict[str, set[str]] = {}
    for page in PAGES:
        exports.clear()
        if page == "data" and role not in ("steward", "district"):
            # Not in the navigation at all, so no link or switch reaches it.
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(f"app_pages/{page}.py")
            continue
        show(app, page)
        assert app.title, f"{page}: no heading"
        if role == "leader":
            assert not exports and not app.get("download_button"), f"{page}: a leader may not export"
        elif page in FIGURE_PAGES:
            assert exports and app.get("download_button"), f"{page}: no export offered to a {role}"
        # The data page's checks table is left to its own test below.
        found = mentions_of_others(shown_text(app, skip=lambda f: "检查集" in f.columns), warehouse_home)
        if found:
            leaks[f"{page} (screen)"] = found
        for file_name, produce in exports:
            if role != "district" and file_name.endswith((".png", ".svg", ".pdf")) and file_name != "brief.pdf":
                continue  # chart images: made for the district user, whose scope they must keep
            text = export_text(file_name, produce())
            made[file_name] += 1
            if text is not None and (found := mentions_of_others(text, warehouse_home)):
                leaks[file_name] = found
    if role == "district":
        assert not leaks, f"a district user was shown other districts: {leaks}"
    elif role == "steward":
        assert any(name.startswith("各区排名") for name in leaks)  # the ranking names every district
    if role != "leader":
        assert made
        logged = Counter(e["detail"]["file"] for e in audit(warehouse_home, username, "export")) - logged_before
        assert logged == made  # every file made, and each logged once


def test_a_district_user_sees_no_other_district_on_the_data_page(monkeypatch, warehouse_home):
    app = show(open_as(monkeypatch, warehouse_home, "district"), "data")
    assert not mentions_of_others(shown_text(app), warehouse_home)


# --- other districts: refused and audited ------------------------------------


@pytest.mark.parametrize("page", SUBJECT_PAGES)
def test_a_district_user_asking_for_other_districts_is_narrowed_and_audited(page, monkeypatch, warehouse_home):
    username = credentials_for(warehouse_home, "district")[0]
    app = open_as(monkeypatch, warehouse_home, "district")
    # A shared link names other districts in the filter and the drill-down;
    # a doctored browser sends them as the filter's or the drill's value
    # (set here from the overview, where those widgets are not drawn).
    attempts = {
        "url": ({"districts": f"{YANGPU},{MINHANG}", "drill": PUDONG}, {}, {YANGPU, PUDONG}),
        "filter": ({}, {"districts": [YANGPU]}, {YANGPU}),
        "drill": ({}, {"drill": PUDONG}, {PUDONG}),
    }
    for how, (query, state, asked) in attempts.items():
        refused_before = len(audit(warehouse_home, username, "scope_refused"))
        show(app, "overview")
        for key, value in state.items():
            app.session_state[key] = value
        show(app, page, **query)
        refusals = audit(warehouse_home, username, "scope_refused")[: -refused_before or None]
        assert refusals, f"{how}: the refusal was not audited"
        assert asked <= {code for e in refusals for code in e["detail"]["asked"]}, how
        assert not mentions_of_others(shown_text(app), warehouse_home), how
        # the filter and the drill offer the user's own district only
        chosen, drill = app.multiselect(key="districts"), app.selectbox(key="drill")
        assert len(chosen.options) == 1 and set(chosen.value) <= {MINHANG}, how
        assert len(drill.options) == 1 and drill.value == MINHANG, how


def upload_on_data_page(app: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Attach a file on the data page and press 导入, as a person does."""
    app.file_uploader(key="upload_files").set_value((name, content, mime))
    app.run()
    next(b for b in app.button if b.label == "导入").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_district_user_upload_keeps_to_its_own_district_and_injections_are_data(monkeypatch, tmp_path):
    """Through the data page: rows of other districts and rows with
    injection strings in the district or other cells are refused row by row
    (reasons in the landing data's error log); the file name, even an
    injection string, is stored as written; nothing else is touched."""
    home = tmp_path / "home"
    username, _ = credentials_for(home, "district")
    name = "闵行'); drop table loads; --.csv"
    rows = [
        "UP-1,闵行,2026-10-08,,劳动报酬,1,,办理中",
        "UP-2,杨浦,2026-10-08,,劳动报酬,1,,办理中",  # another district: refused
        "UP-3,闵行' or '1'='1,2026-10-08,,劳动报酬,1,,办理中",
        "UP-4'); drop table loads; --,闵行,2026-10-08,,劳动报酬,1,,办理中",
        "UP-5,闵行,2026-10-08,,劳动报酬' or 1=1 --,1,,办理中",
    ]
    content = (LEGAL_AID_HEADER + "\n".join(rows) + "\n").encode()
    app = show(open_as(monkeypatch, home, "district"), "data")
    upload_on_data_page(app, name, content)
    assert not app.error, [e.value for e in app.error]

    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        stored = {r[0] for r in con.execute("select case_id from legal_aid").fetchall()}
        errors = con.execute("select source_row, code from load_errors order by 1, 2").fetchall()
        path, submitted_by = con.execute("select path, submitted_by from loads").fetchone()
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert stored == {"UP-1", "UP-4'); drop table loads; --"}
    assert errors == [(3, "district_out_of_scope"), (4, "unknown_district"), (6, "unknown_category")]
    assert Path(path).name == name and submitted_by == username
    assert {"loads", "legal_aid", "load_errors", "quarantine"} <= tables
    uploads = audit(home, username, "upload")
    assert uploads and uploads[0]["detail"]["files"] == [name]


def test_quarantined_rows_are_seen_in_their_own_district_only(monkeypatch, tmp_path, exports):
    """A steward loads one city-wide file: rows of 黄浦 and 徐汇 are
    quarantined, a 闵行 row loads and another is quarantined, one names no
    readable district. The 闵行 user sees its own quarantined row only, and
    its return file, made in another thread as Streamlit's media handler
    does, holds only that row (before, every error of the load was shown
    under the districts of the rows that loaded)."""
    home = tmp_path / "home"
    path = tmp_path / "全市.csv"
    path.write_text(CITY_WIDE_FILE, encoding="utf-8")
    run_cli(home, "ingest", str(path), today="2026-11-22")
    run_cli(home, "build", today="2026-11-22")
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        assert con.execute("select source_row, district_code from load_errors order by 1").fetchall() == [
            (3, "310101"),
            (4, "310104"),
            (5, MINHANG),
            (6, None),
        ]
    app = show(open_as(monkeypatch, home, "district"), "data")
    quarantined = next(f.value for f in app.dataframe if "source_row" in f.value.columns)
    assert quarantined[["district_code", "source_row"]].values.tolist() == [[MINHANG, 5]]
    [(name, produce)] = [(n, p) for n, p in exports if n.startswith("退回_")]
    made: list[bytes] = []
    worker = threading.Thread(target=lambda: made.append(produce()))
    worker.start()
    worker.join()
    text = export_text(name, made[0])
    assert set(re.findall(r"Q-\d|黄浦|徐汇|火星区", text)) == {"Q-4"}
    steward = show(open_as(monkeypatch, home, "steward"), "data")
    everything = next(f.value for f in steward.dataframe if "source_row" in f.value.columns)
    assert sorted(everything["district_code"]) == ["000000", "310101", "310104", MINHANG]


def test_markup_in_uploaded_street_names_is_shown_as_text(monkeypatch, tmp_path):
    """A street named with an HTML link, and one with **bold**, a [link](…)
    and $LaTeX$: the by-street chart writes the HTML as entities, which
    Plotly shows as the characters (before, a clickable link), and the
    record list heading shows the markdown as typed."""
    home = tmp_path / "home"
    link = '<a href="http://evil.example">点我</a><br><b>粗</b>'
    marked = "**粗体** [链接](http://evil.example) $x^2$"
    path = tmp_path / "闵行.csv"
    rows = [
        "案件编号,区,街镇,受理日期,争议类型,涉及职工人数,办理结果",
        f'M-1,闵行,"{link.replace(chr(34), chr(34) * 2)}",2026-10-08,劳动报酬,1,办理中',
        f"M-2,闵行,{marked},2026-10-09,劳动报酬,2,办理中",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run_cli(home, "ingest", str(path), today="2026-11-22")
    run_cli(home, "build", today="2026-11-22")
    app = show(open_as(monkeypatch, home, "steward"), "legal_aid", drill=MINHANG, street=marked)
    labels = [
        label
        for chart in app.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        for key in ("x", "y")
        for label in trace.get(key) or []
        if isinstance(label, str)
    ]
    assert '&lt;a href="http://evil.example"&gt;点我&lt;/a&gt;&lt;br&gt;&lt;b&gt;粗&lt;/b&gt;' in labels
    assert not [label for label in labels if "<a" in label or "<b>" in label]
    [heading] = [h.proto.body for h in app.get("html") if "粗体" in h.proto.body]  # not markdown: st.html, escaped
    assert heading == f'<p class="plain-heading">闵行区 · {html.escape(marked)} · 明细（1条）</p>'


def test_names_from_outside_go_into_markdown_messages_as_code_spans():
    """A file or user name inside st.error or st.caption: in a code span,
    fenced longer than any backtick run in it, so it cannot close the span."""
    from dashboards.ui import as_code

    assert as_code("[点我](http://evil.example).csv") == "` [点我](http://evil.example).csv `"
    assert as_code("a`b``c\nd") == "``` a`b``c d ```"


def test_an_upload_named_dot_dot_loads_under_a_plain_name(monkeypatch, tmp_path):
    home = tmp_path / "home"
    app = show(open_as(monkeypatch, home, "steward"), "data")
    content = (LEGAL_AID_HEADER + "DD-1,闵行,2026-10-08,,劳动报酬,1,,办理中\n").encode()
    upload_on_data_page(app, "..", content)
    assert not app.error, [e.value for e in app.error]
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        assert con.execute("select case_id from legal_aid").fetchall() == [("DD-1",)]
    [upload] = audit(home, credentials_for(home, "steward")[0], "upload")
    assert (upload["ok"], upload["detail"]["files"], upload["detail"]["outcome"]) == (True, [".."], "loaded")


def test_an_upload_killed_at_its_memory_limit_is_told_plainly_and_audited(monkeypatch, tmp_path):
    """The ingest runs under an operating-system memory limit: here one too
    small for Python to start, as a runaway file would reach it. The user
    reads a plain message (no traceback, no server path) and the audit log
    says the upload failed."""
    from dashboards import data

    monkeypatch.setattr(data, "UPLOAD_MEMORY_BYTES", 64 * 1024**2)
    home = tmp_path / "home"
    app = show(open_as(monkeypatch, home, "district"), "data")
    content = (LEGAL_AID_HEADER + "MM-1,闵行,2026-10-08,,劳动报酬,1,,办理中\n").encode()
    upload_on_data_page(app, "m.csv", content)
    assert [e.value for e in app.error] == [
        "导入未能完成（文件可能过大或过于复杂），未导入任何数据；已记录，请联系数据管理员"
    ]
    page = " ".join(str(e.value) for e in [*app.error, *app.markdown, *app.caption])
    assert "Traceback" not in page and str(REPO) not in page
    [upload] = audit(home, credentials_for(home, "district")[0], "upload")
    assert (upload["ok"], upload["detail"]["outcome"]) == (False, "aborted")


def test_a_build_killed_on_the_data_page_is_told_plainly_and_audited(monkeypatch, tmp_path):
    """A build that dies (here SIGKILL, as the out-of-memory killer or an
    operator sends it, once it is under way) shows the steward a plain
    bilingual message, no traceback, and is audited as crashed with its
    exit status."""
    home = tmp_path / "home"
    path = tmp_path / "全市.csv"
    path.write_text(CITY_WIDE_FILE, encoding="utf-8")
    run_cli(home, "ingest", str(path), today="2026-11-22")
    run_cli(home, "build", today="2026-11-22")  # the data page needs a warehouse
    app = show(open_as(monkeypatch, home, "steward"), "data")
    killed: list[int] = []

    def kill_the_build() -> None:
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for proc in Path("/proc").iterdir():
                try:
                    command = (proc / "cmdline").read_bytes().split(b"\0")
                    environment = (proc / "environ").read_bytes().split(b"\0")
                except OSError:  # not a process, or gone
                    continue
                if command[1:4] == [b"-m", b"unionkpi", b"build"] and f"UNIONKPI_HOME={home}".encode() in environment:
                    time.sleep(2)  # under way
                    os.kill(int(proc.name), signal.SIGKILL)
                    killed.append(int(proc.name))
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_build)
    killer.start()
    next(b for b in app.button if b.label == "构建并发布").click().run()
    killer.join()
    assert killed, "the build was never seen running"
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error] == [i18n.t("data.build_crashed", "zh")]
    page = " ".join(str(e.value) for e in [*app.error, *app.success, *app.markdown, *app.caption])
    assert "Traceback" not in page and str(REPO) not in page
    [publish] = audit(home, credentials_for(home, "steward")[0], "publish")
    assert (publish["ok"], publish["detail"]["crashed"], publish["detail"]["exit"]) == (False, True, -signal.SIGKILL)


def test_an_upload_shows_its_notes(monkeypatch, tmp_path):
    """A workbook with hidden sheets of old data, uploaded on the data page:
    the steward reads which sheets were passed over, in the page's language."""
    home = tmp_path / "home"
    content = (Path(__file__).parents[1] / "ingest" / "fixtures" / "very_hidden.xlsx").read_bytes()
    app = show(open_as(monkeypatch, home, "steward"), "data")
    upload_on_data_page(app, "本月.xlsx", content, "application/octet-stream")
    shown = [frame.value for frame in app.dataframe]
    notes = next(frame for frame in shown if list(frame.columns) == ["文件", "原因"])
    assert notes.values.tolist() == [
        ["本月.xlsx [2024年]", "隐藏的工作表未导入：2024年"],
        ["本月.xlsx [旧]", "隐藏的工作表未导入：旧"],
    ]
    assert "提示（不影响导入）" in [c.value for c in app.caption]


def test_injection_strings_in_command_line_upload_fields_are_data(tmp_path):
    """--submitted-by is stored as written; --only-district, --dataset and
    --period are checked values, so an injection string refuses rows or the
    whole command; the landing tables stay whole."""
    home, upload = tmp_path / "home", tmp_path / "a.csv"
    upload.write_text(LEGAL_AID_HEADER + "CL-1,闵行,2026-10-08,,劳动报酬,1,,办理中\n", encoding="utf-8")
    attack = "x'); drop table loads; --"
    report = json.loads(run_cli(home, "ingest", "--json", "--submitted-by", attack, str(upload)).stdout)
    assert report["files"][0]["rows_loaded"] == 1
    for option in ("--dataset", "--period"):
        assert run_cli(home, "ingest", option, attack, str(upload), check=False).returncode == 2
    other = tmp_path / "b.csv"
    other.write_text(LEGAL_AID_HEADER + "CL-2,闵行,2026-10-08,,劳动报酬,1,,办理中\n", encoding="utf-8")
    done = run_cli(home, "ingest", "--json", "--only-district", f"{MINHANG}' or '1'='1", str(other), check=False)
    assert json.loads(done.stdout)["files"][0]["rows_loaded"] == 0
    with duckdb.connect(str(home / "landing.duckdb"), read_only=True) as con:
        assert con.execute("select submitted_by from loads order by load_seq").fetchall()[0] == (attack,)
        assert con.execute("select case_id from legal_aid").fetchall() == [("CL-1",)]


# --- SQL injection in filters and parameters ---------------------------------


def test_injection_strings_in_every_url_parameter_have_no_effect(monkeypatch, warehouse_home):
    """Every query parameter of every figure page set to an injection
    string: the page shows exactly what it shows without them, the
    warehouse and the users are untouched, and for a district user the
    string asked as a district is refused and audited."""
    for role in ("steward", "district", "planner"):
        credentials_for(warehouse_home, role)
    before = warehouse_fingerprint(warehouse_home)
    users_before = store.list_users(Home(warehouse_home))
    for role in ("steward", "district"):
        username = credentials_for(warehouse_home, role)[0]
        plain = open_as(monkeypatch, warehouse_home, role)
        expected = {page: shown_text(show(plain, page)) for page in FIGURE_PAGES}
        for injection in INJECTIONS[:2]:
            attacked = dict.fromkeys(URL_PARAMETERS, injection)
            app = open_as(monkeypatch, warehouse_home, role, **attacked)
            for page in FIGURE_PAGES:
                assert shown_text(show(app, page, **attacked)) == expected[page], (role, injection, page)
            if role == "district":
                asked = [a for e in audit(warehouse_home, username, "scope_refused") for a in e["detail"]["asked"]]
                assert injection in asked
    # the glossary's search box
    app = show(open_as(monkeypatch, warehouse_home, "planner"), "definitions")
    app.text_input(key="definitions_search").input(INJECTIONS[2]).run()
    assert not app.exception
    assert warehouse_fingerprint(warehouse_home) == before
    assert store.list_users(Home(warehouse_home)) == users_before


def test_injection_strings_in_every_query_parameter_are_data(warehouse_home):
    """Every value the data-access layer takes, set to injection strings:
    bound parameters, so they match nothing (or, for a district user, are
    narrowed to its own district); grouping names outside the fixed lists
    are refused before any SQL is built."""
    start, end, on = date(2022, 1, 1), date(2026, 12, 31), date(2026, 10, 31)
    before = warehouse_fingerprint(warehouse_home)
    home = warehouse_home
    for scope in (None, MINHANG):
        token = queries.SCOPE.set(scope)
        try:
            for bad in INJECTIONS:
                for records in (queries.legal_aid_records, queries.wage_records):
                    by_district = records(bad, None, start, end, all_streets=True, home=home)
                    by_street = records(MINHANG, bad, start, end, home=home)
                    assert by_street.empty
                    assert by_district.empty if scope is None else len(by_district) > 0
                assert queries.certification_records(bad, bad, on, home=home).empty
                for breakdown in (queries.legal_aid_breakdown, queries.wage_breakdown):
                    frame = breakdown("district", start, end, (bad,), home)
                    assert frame.empty if scope is None else set(frame["key"]) == {MINHANG}
                    with pytest.raises(ValueError):
                        breakdown(bad, start, end, (), home)
                own = queries.certified_between(start, end, (), home)  # the user's scope
                assert queries.certified_between(start, end, (bad,), home) == (0 if scope is None else own)
                with pytest.raises(ValueError):
                    queries.certification_status(bad, 2026, (), home)
                with pytest.raises(ValueError):
                    queries.certifications_in_force(bad, on, (), home)
                status = queries.certification_status("district", 2026, (bad,), home)
                assert status.empty if scope is None else set(status["key"]) == {MINHANG}
                assert queries.district_year(2026, bad, home).empty
                figures = queries.brief_year_to_date(2026, home)
                assert scope is None or set(figures["district_code"]) == {MINHANG}
                assert queries.quarantine_source(bad, home).empty
        finally:
            queries.SCOPE.reset(token)
    assert warehouse_fingerprint(warehouse_home) == before


# --- signing in -------------------------------------------------------------


def _sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.get("form_submit_button")[0].click().run()


def test_the_sign_in_form_locks_an_account_after_repeated_failures(monkeypatch, tmp_path):
    home = tmp_path / "home"
    password = store.add_user(Home(home), "locked-leader", "leader", password="right-password-1")
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    for attempt in range(store.MAX_FAILED_SIGN_INS):
        _sign_in(app, "locked-leader", f"wrong-{attempt}")
        assert [e.value for e in app.error] == ["用户名或密码错误"]
    _sign_in(app, "locked-leader", password)  # the right password, too late: told no more than a wrong one
    assert [e.value for e in app.error] == ["用户名或密码错误"]
    assert "session_token" not in app.session_state and not app.metric
    attempts = [(e["ok"], e["detail"]["reason"]) for e in audit(home, "locked-leader", "sign_in")]
    assert attempts[::-1] == [(False, "bad_credentials")] * store.MAX_FAILED_SIGN_INS + [(False, "locked")]


def test_injection_strings_in_the_sign_in_form_sign_nobody_in(monkeypatch, tmp_path):
    home = tmp_path / "home"
    store.add_user(Home(home), "planner1", "planner", password="planner-password-1")
    monkeypatch.setenv("UNIONKPI_HOME", str(home))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    for username, password in [
        ("planner1' --", "x"),
        ("' or '1'='1", "' or '1'='1"),
        ("planner1", "' or 1=1; --"),
        ("x'; drop table users; --", "x"),
    ]:
        _sign_in(app, username, password)
        assert [e.value for e in app.error] == ["用户名或密码错误"], username
        assert "session_token" not in app.session_state
    assert [u.username for u in store.list_users(Home(home))] == ["planner1"]
    assert store.sign_in(Home(home), "planner1", "planner-password-1")  # the real account still works
