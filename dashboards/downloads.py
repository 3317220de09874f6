"""The only ways data leaves the dashboards: the export buttons drawn under
every table (Excel, CSV) and every chart (PNG, SVG, PDF). Tables' built-in
download and copy are switched off (``client.disableDataExport`` in app.py),
so a log of exports needs to hook only ``_download`` here.

The files are made on click (a callable passed to st.download_button), so a
page with a dozen charts does not render a dozen images on every rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar, copy_context
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import charts, export, i18n
from dashboards.export import Column
from dashboards.i18n import Lang, t
from dashboards.subjects import Field, screen_header, screen_scale

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

# Size of server-side chart images: wide enough for a slide.
IMAGE_WIDTH = 1200


# Set per script run by the entry file from the signed-in user: whether they
# may export at all, and how an export is written to the audit log.
CAN_EXPORT: ContextVar[bool] = ContextVar("can_export", default=True)
ON_EXPORT: ContextVar[Callable[[str], None] | None] = ContextVar("on_export", default=None)


def audited(make: Callable[[], bytes], file_name: str) -> Callable[[], bytes]:
    """The file maker, logging the export when the file is made (on click,
    possibly outside this script run: the hook is taken now)."""
    hook = ON_EXPORT.get()
    # The file may be made in another thread (Streamlit's media handler):
    # it runs in this run's context, so the user's district scope holds.
    context = copy_context()

    def produce() -> bytes:
        if hook is not None:
            hook(file_name)
        return context.copy().run(make)

    return produce


def dbt_docs_button(make: Callable[[], bytes] | None, lang: Lang) -> None:
    """The dbt docs site of the published build (gateway.dbt_docs: the
    lineage graph, each model's SQL and tests, none of the data), for a
    reader who may take files away."""
    if make is None or not CAN_EXPORT.get():
        return
    st.download_button(
        t("data.dbt_docs", lang),
        data=audited(make, "dbt_docs.html"),
        file_name="dbt_docs.html",
        mime="text/html",
        on_click="ignore",
        key="dbt_docs",
    )


def _download(label: str, make: Callable[[], bytes], *, file_name: str, fmt: str, key: str, help_text: str) -> None:
    if not CAN_EXPORT.get():
        return
    st.download_button(
        label,
        data=audited(make, file_name),
        file_name=file_name,
        mime=export.MIME_TYPES[fmt],
        key=key,
        help=help_text,
        on_click="ignore",
        type="tertiary",
        icon=":material/download:",
    )


def notes(
    lang: Lang,
    *,
    title: str,
    scope: str,
    period: str,
    data_date: date,
) -> export.About:
    """What an exported table says about itself: its name, and the scope,
    period and data date under it (the data sheet's title block), the
    source besides (its 说明 sheet). ``scope`` is the place the table is
    about: a district's street table is that district's, not the page's."""
    return export.About(
        title=title,
        facts=(
            (t("export.note.scope", lang), scope),
            (t("export.note.period", lang), period),
            (t("export.note.data_date", lang), i18n.format_date(data_date, lang)),
        ),
        notes=((t("export.note.source", lang), t("export.source", lang)),),
        title_label=t("export.note.table", lang),
    )


def table_buttons(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    stem: str,
    lang: Lang,
    key: str,
    about: export.About | None = None,
) -> None:
    """Excel and CSV buttons for one table; ``about`` heads the workbook
    (title block, sheet name, footer, 说明 sheet)."""
    snapshot = frame.copy()
    with st.container(horizontal=True, gap="small", key=f"export-{key}"):
        st.caption(t("export.table", lang))
        _download(
            "Excel",
            lambda: export.to_xlsx(
                snapshot,
                columns,
                sheet=about.title if about else stem,
                about=about,
                notes_sheet=t("export.notes_sheet", lang),
                lang=lang,
            ),
            file_name=f"{stem}.xlsx",
            fmt="xlsx",
            key=f"{key}-xlsx",
            help_text=t("export.table_help", lang),
        )
        _download(
            "CSV",
            lambda: export.to_csv(snapshot, columns, lang=lang),
            file_name=f"{stem}.csv",
            fmt="csv",
            key=f"{key}-csv",
            help_text=t("export.table_help", lang),
        )


def chart_buttons(fig: go.Figure, *, stem: str, lang: Lang, key: str) -> None:
    """PNG, SVG and PDF of one chart, made on the server (export.figure_image)."""
    height = int(fig.layout.height or 450)

    def maker(fmt: export.ImageFormat) -> Callable[[], bytes]:
        scale = 2.0 if fmt == "png" else 1.0
        return lambda: export.figure_image(fig, fmt, width=IMAGE_WIDTH, height=height, scale=scale)

    with st.container(horizontal=True, gap="small", key=f"export-{key}"):
        st.caption(t("export.chart", lang))
        for fmt in ("png", "svg", "pdf"):
            _download(
                fmt.upper(),
                maker(fmt),
                file_name=f"{stem}.{fmt}",
                fmt=fmt,
                key=f"{key}-{fmt}",
                help_text=t("export.chart_help", lang),
            )


def show_chart(fig: go.Figure, *, stem: str, lang: Lang, key: str) -> None:
    """A chart with its camera button (PNG, named ``stem``) and the
    server-side export buttons under it."""
    st.plotly_chart(
        fig,
        theme=None,
        key=f"chart-{key}",
        config=charts.chart_config(stem, width=IMAGE_WIDTH, height=int(fig.layout.height or 450)),
    )
    chart_buttons(fig, stem=stem, lang=lang, key=f"{key}-chart")


def _screen_config(label: Column | None, fields: Sequence[Field], lang: Lang, scale_money: bool):
    # The decimals the exported files write (export.DECIMALS), so a CSV holds
    # the figures as the screen shows them.
    decimals = export.DECIMALS
    config: dict[str, ColumnConfig] = {}
    if label is not None:
        config[label.key] = st.column_config.TextColumn(label.label, pinned=True)
    for item in fields:
        if item.kind == "money":
            header = (
                screen_header(item, lang)
                if scale_money
                else i18n.with_unit(item.label(lang), i18n.unit_word("yuan", lang), lang)
            )
            config[item.key] = st.column_config.NumberColumn(header, format=f"%,.{decimals['money']}f")
        elif item.kind == "rate":
            config[item.key] = st.column_config.NumberColumn(
                screen_header(item, lang), format=f"%.{decimals['rate']}f%%"
            )
        elif item.kind == "count":
            config[item.key] = st.column_config.NumberColumn(screen_header(item, lang), format="%,d")
        elif item.kind == "number":
            config[item.key] = st.column_config.NumberColumn(
                screen_header(item, lang), format=f"%,.{decimals['number']}f"
            )
        elif item.kind == "date":
            config[item.key] = st.column_config.DateColumn(item.label(lang), format="YYYY-MM-DD")
        else:
            config[item.key] = st.column_config.TextColumn(item.label(lang))
    return config


def show_table(
    frame: pd.DataFrame,
    *,
    label: Column | None,
    fields: Sequence[Field],
    export_columns: Sequence[Column],
    lang: Lang,
    stem: str,
    key: str,
    about: export.About | None = None,
    scale_money: bool = True,
    height: int | str | None = None,
) -> None:
    """A table on screen (money in 万元 / m yuan unless ``scale_money`` is
    False, rates in per cent) with its Excel and CSV buttons, which export
    ``frame`` itself: yuan to the cent; rates as fractions in a per-cent
    format in Excel, as per cent in a CSV."""
    screen = pd.DataFrame(index=frame.index)
    if label is not None:
        screen[label.key] = frame[label.key]
    for item in fields:
        values = frame[item.key]
        if item.kind == "money" and scale_money or item.kind == "rate":
            divisor, _unit = screen_scale(item, lang)
            values = values.astype("float64") / divisor
        screen[item.key] = values
    rows = len(screen)
    kwargs: dict[str, Any] = {}
    if height is None:
        # Short tables whole, without an inner scrollbar; long ones scroll.
        kwargs["height"] = 35 * (min(rows, 16) + 1) + 3
    else:
        kwargs["height"] = height
    st.dataframe(
        screen,
        column_config=_screen_config(label, fields, lang, scale_money),
        hide_index=True,
        placeholder="—",
        key=f"table-{key}",
        **kwargs,
    )
    table_buttons(frame, export_columns, stem=stem, lang=lang, key=f"{key}-table", about=about)
