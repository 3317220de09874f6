"""Under a record list: the archived original of a file its records were
loaded from, for stewards only. The archive keeps a file whole (every
sheet, hidden ones, quarantined rows), so a district user could find other
districts' rows in a file that loaded only its own; queries.record_source
refuses a district scope too. The download is audited like every other
(downloads.audited)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import access, downloads, gateway, queries
from dashboards.i18n import Lang, t


def may_download(user: object) -> bool:
    """Stewards: they check returns and may read any file sent."""
    return user is not None and user.may("check")  # type: ignore[attr-defined]


def file_label(row: pd.Series) -> str:
    """原件名 [工作表] · 导入时间 (load id)."""
    sheet = f" [{row['sheet']}]" if isinstance(row["sheet"], str) and row["sheet"] else ""
    loaded = pd.Timestamp(row["loaded_at"]).strftime("%Y-%m-%d %H:%M") if pd.notna(row["loaded_at"]) else ""
    return f"{row['file_name']}{sheet} · {loaded} ({row['load_id']})"


def original_download(records: pd.DataFrame, lang: Lang, *, key: str) -> None:
    """Choose one of the files the shown records came from; download it."""
    if records.empty or "load_id" not in records or not downloads.CAN_EXPORT.get():
        return
    if not may_download(access.current_user()):
        return
    files = records.drop_duplicates("load_id").sort_values("loaded_at", ascending=False)
    labels = {row["load_id"]: file_label(row) for _, row in files.iterrows()}
    with st.container(horizontal=True, vertical_alignment="bottom", key=f"source-{key}"):
        load_id = st.selectbox(
            t("source.choose", lang),
            options=list(labels),
            format_func=lambda load: labels[load],
            key=f"source-{key}-load",
            help=t("source.help", lang),
        )
        source = queries.record_source(str(load_id))
        if source.empty:
            st.caption(t("source.missing", lang))
            return
        chosen = source.iloc[0]
        home, path = access.home(), str(chosen["archive_path"])

        def original() -> bytes:  # read on click, not on every rerun
            content = gateway.archived_file(home, path)
            if content is None:
                raise FileNotFoundError(path)
            return content

        st.download_button(
            t("source.original", lang),
            data=downloads.audited(original, str(chosen["file_name"])),
            file_name=str(chosen["file_name"]),
            key=f"source-{key}-download",
            on_click="ignore",
            type="tertiary",
            icon=":material/download:",
        )
