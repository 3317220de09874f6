"""数据管理 Data: for stewards (all districts) and district users (their own):
upload returns, see the latest checks, the quarantined rows with the
annotated file to send back, the submission progress, the publish log and
the audit log."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import access, data, downloads, gateway, queries, ui
from dashboards.i18n import t

STATUS_MARKS = {"已报送": "✓", "零报告": "○", "未报送": "✗"}


def render() -> None:
    lang = ui.current_lang()
    user = access.current_user()
    st.title(t("data.title", lang))
    if user is None:
        return
    _upload(user, lang)
    with ui.warehouse_guard():
        data.version()
        _checks(lang)
        _submissions(lang)
        _freshness(lang)
        _quarantine(lang)
        _publishing(user, lang)


def _upload(user, lang) -> None:
    st.subheader(t("data.upload", lang))
    most = st.get_option("server.maxUploadSize")
    files = st.file_uploader(t("data.upload_help", lang, mb=most), accept_multiple_files=True, key="upload_files")
    if not st.button(t("data.upload_go", lang), type="primary", disabled=not files) or not files:
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, upload in enumerate(files, start=1):
            if upload.size > most * 1024 * 1024:
                st.error(t("data.too_large", lang, name=ui.as_code(upload.name), mb=most))
                continue
            # The name is only a label (the ingest judges the type by
            # content); one that names no file (.., /) gets a plain one.
            name = Path(upload.name).name
            path = Path(folder) / (name if name not in {"", ".", ".."} else f"upload-{number}")
            path.write_bytes(upload.getvalue())
            paths.append(path)
        if not paths:
            return
        with st.spinner(t("data.upload_waiting", lang)), data.UPLOAD_SLOTS:
            done, report = gateway.ingest(
                access.home(), paths, user.username, user.district_scope, data.UPLOAD_MEMORY_BYTES
            )
    files_named = [upload.name for upload in files]
    if report is None:
        # the ingest ended without its report (killed at its memory limit,
        # say): say so plainly, keep the details for the steward
        access.audit(user, "upload", ok=False, files=files_named, exit=done.returncode, outcome="aborted")
        sys.stderr.write(done.stderr)
        st.error(t("data.upload_aborted", lang))
        return
    outcome = "loaded" if done.returncode == 0 else "rejected"
    access.audit(user, "upload", ok=done.returncode == 0, files=files_named, exit=done.returncode, outcome=outcome)
    summary = pd.DataFrame(
        [
            {
                t("data.file", lang): Path(f["path"]).name + (f" [{f['sheet']}]" if f["sheet"] else ""),
                t("data.status", lang): f["status"],
                t("data.dataset", lang): f["dataset"],
                t("data.read", lang): f["rows_read"],
                t("data.loaded", lang): f["rows_loaded"],
                t("data.quarantined", lang): f["rows_quarantined"],
            }
            for f in report
        ]
    )
    st.dataframe(summary, hide_index=True)
    errors = [
        {
            t("data.file", lang): Path(f["path"]).name,
            t("data.row", lang): e["row"],
            t("data.column", lang): e["column"],
            t("data.code", lang): e["code"],
            t("data.reason", lang): e["message"] if lang == "zh" else e["message_en"],
        }
        for f in report
        for e in f["errors"]
    ]
    if errors:
        st.dataframe(pd.DataFrame(errors), hide_index=True)
    notes = [
        {
            t("data.file", lang): Path(f["path"]).name + (f" [{f['sheet']}]" if f["sheet"] else ""),
            t("data.reason", lang): n["message"] if lang == "zh" else n["message_en"],
        }
        for f in report
        for n in f.get("notes", [])
    ]
    if notes:
        st.caption(t("data.notes", lang))
        st.dataframe(pd.DataFrame(notes), hide_index=True)
    st.info(t("data.after_upload", lang))


def _checks(lang) -> None:
    st.subheader(t("data.checks", lang))
    frame = data.check_results()
    if frame.empty:
        st.caption(t("data.no_checks", lang))
        return
    failing = frame[~frame["success"]]
    st.caption(t("data.checks_summary", lang, total=len(frame), failing=len(failing)))
    shown = pd.DataFrame(
        {
            t("data.result", lang): [
                "✓" if ok else ("✗" if sev == "blocking" else "!")
                for ok, sev in zip(frame["success"], frame["severity"], strict=True)
            ],
            t("data.severity", lang): frame["severity"],
            t("data.check", lang): frame["description_zh" if lang == "zh" else "description_en"],
            t("data.offending", lang): frame["offending"],
            t("data.suite", lang): frame["suite"],
        }
    )
    st.dataframe(shown, hide_index=True)


def _submissions(lang) -> None:
    st.subheader(t("data.progress", lang))
    frame = data.submissions()
    if frame.empty:
        return
    dataset = st.segmented_control(
        t("data.dataset", lang),
        options=["legal_aid", "wage_recovery"],
        format_func=lambda d: t(f"data.dataset.{d}", lang),
        default="legal_aid",
        key="progress_dataset",
    )
    chosen = frame[frame["dataset"] == (dataset or "legal_aid")].copy()
    last_months = sorted(chosen["month"].unique())[-12:]
    chosen = chosen[chosen["month"].isin(last_months)]
    districts = data.districts()
    names = dict(
        zip(
            districts["district_code"],
            districts["district_name_zh" if lang == "zh" else "district_name_en"],
            strict=True,
        )
    )
    chosen["district"] = chosen["district_code"].map(names).fillna(chosen["district_code"])
    chosen["month"] = pd.to_datetime(chosen["month"]).dt.strftime("%Y-%m")
    matrix = chosen.pivot(index="district", columns="month", values="submission_status").map(
        lambda s: STATUS_MARKS.get(s, s)
    )
    st.caption(t("data.progress_legend", lang))
    st.dataframe(matrix)


def _freshness(lang) -> None:
    """Each district's latest return per dataset, the most overdue first.
    Read through queries uncached (64 rows at most); queries applies the
    user's district scope."""
    st.subheader(t("data.freshness", lang))
    frame = queries.submission_freshness()
    if frame.empty:
        return
    names = data.districts().set_index("district_code")["district_name_zh" if lang == "zh" else "district_name_en"]
    shown = pd.DataFrame(
        {
            t("table.district", lang): frame["district_code"].map(names).fillna(frame["district_code"]),
            t("data.dataset", lang): [t(f"data.dataset.{d}", lang) for d in frame["dataset"]],
            t("data.status", lang): frame["freshness_status" if lang == "zh" else "freshness_status_en"],
            t("data.last_loaded", lang): frame["last_loaded_at"],
            t("data.latest_month", lang): pd.to_datetime(frame["latest_month_submitted"]).dt.strftime("%Y-%m"),
            t("data.days_since", lang): frame["days_since_loaded"],
            t("data.months_behind", lang): frame["months_behind"],
        }
    )
    st.caption(t("data.freshness_help", lang))
    st.dataframe(shown, hide_index=True)


def _quarantine(lang) -> None:
    st.subheader(t("data.quarantine", lang))
    frame = data.quarantined()
    if frame.empty:
        st.caption(t("data.no_quarantine", lang))
        return
    st.dataframe(frame.drop(columns=["message" if lang == "en" else "message_en"]), hide_index=True)
    load_id = st.selectbox(t("data.return_file", lang), options=sorted(frame["load_id"].unique(), reverse=True))
    if load_id:
        st.download_button(
            t("data.return_button", lang),
            data=downloads.audited(lambda: _annotated(load_id), f"退回_{load_id}.xlsx"),
            file_name=f"退回_{load_id}.xlsx",
            on_click="ignore",
            key=f"return-{load_id}",
        )


def _annotated(load_id: str) -> bytes:
    """The load's quarantined rows in the district's own layout, with
    reasons, from the archived copy of the file."""
    rows = queries.quarantine_source(load_id)
    first = rows.iloc[0]
    errors = [
        {
            "row": int(r.source_row),
            "column": r.column_name,
            "code": r.code,
            "message": r.message,
            "message_en": r.message_en,
        }
        for r in rows.itertuples()
    ]
    return gateway.return_file(access.home(), first.archive_path, first.sheet, first.sha256, first.dataset, errors)


def _publishing(user, lang) -> None:
    st.subheader(t("data.publishing", lang))
    home = access.home()
    entries = gateway.publish_history(home)
    if entries:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "at": e["at"],
                        "action": e["action"],
                        "build": e["build"],
                        "by": e["by"],
                        "loads": len(e.get("loads", [])),
                    }
                    for e in reversed(entries)
                ]
            ),
            hide_index=True,
        )
    downloads.dbt_docs_button(gateway.dbt_docs(home), lang)
    if user.may("check"):  # a path on the server: for its stewards only
        st.caption(t("data.data_docs", lang, path=str(gateway.data_docs_index(home))))
    if user.may("publish") and st.button(t("data.build", lang)):
        with st.spinner(t("data.building", lang)):
            done = gateway.build(home)
        access.audit(user, "publish", ok=done.returncode == 0, exit=done.returncode, crashed=done.crashed)
        if done.crashed:  # the build's own report is bilingual; a crash's is for the server's log
            sys.stderr.write(done.stderr)
            st.error(t("data.build_crashed", lang))
        else:
            (st.success if done.returncode == 0 else st.error)(done.stderr[-3000:])
    if user.may("read_audit"):
        _deliveries(home, lang)
        st.subheader(t("data.audit", lang))
        from trust import store

        st.dataframe(pd.DataFrame(store.read_audit(home, limit=200)), hide_index=True)


def _deliveries(home, lang) -> None:
    """The latest briefs mailed and the sends that failed (retried at the
    next build or `unionkpi deliver`), from the audit log: for stewards."""
    from trust import store

    st.subheader(t("data.mail", lang))
    entries = store.read_deliveries(home, limit=50)
    if not entries:
        st.caption(t("data.mail_none", lang))
        return
    shown = pd.DataFrame(
        {
            t("data.mail_at", lang): [e["at"] for e in entries],
            t("data.mail_result", lang): [
                ("✓ " + t("data.mail_sent", lang)) if e["ok"] else ("✗ " + t("data.mail_failed", lang)) for e in entries
            ],
            t("data.mail_to", lang): [" ".join(filter(None, [e.get("to"), e.get("email")])) for e in entries],
            t("data.mail_month", lang): [e.get("month") or "" for e in entries],
            t("data.mail_trigger", lang): [e.get("trigger") or "" for e in entries],
            t("data.mail_error", lang): [e.get("error") or "" for e in entries],
        }
    )
    st.dataframe(shown, hide_index=True)


render()
