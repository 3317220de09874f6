"""Streamlit pieces the three subject pages share: the page heading, a row
of figure cards, the breakdown section (a chart and its table by a chosen
dimension) and the drill from a district to its streets and on to the
records. The pages say what to show; this module lays it out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

import pandas as pd
import streamlit as st

from dashboards import charts, downloads, export, i18n, metrics, record_sources, subjects, ui
from dashboards.cards import DeltaColour
from dashboards.export import Column
from dashboards.i18n import Lang, t
from dashboards.subjects import Field
from dashboards.ui import Filters

ALL_STREETS = "*"
BLANK_STREET = "~"  # the street of records that name none


@dataclass(frozen=True)
class Context:
    """What every section of a subject page needs to know."""

    subject: str  # legal_aid, wages, certifications
    title: str
    lang: Lang
    filters: Filters
    districts: pd.DataFrame
    scope: str
    period: str

    def stem(self, *parts: object, scoped: bool = True) -> str:
        """A file name: page, what the file holds, scope (unless ``parts``
        name the place already) and period."""
        return export.file_stem(self.title, *parts, self.scope if scoped else None, self.period)

    def chart_title(self, what: str) -> str:
        """A chart's title naming the page's subject first (法律援助 · 案件数 ·
        按区): a saved image no longer sits under the page's heading."""
        return f"{self.title} · {what}"

    def caption(self, *, scope: str | None = None, period: str | None = None) -> charts.Caption:
        """Where, when and as of which data date a chart's figures hold; a
        district's streets are that district's, an in-force chart's period
        is its day."""
        return charts.Caption(scope or self.scope, period or self.period, self.filters.data_date, self.lang)

    def about(self, table_title: str, *, scope: str | None = None) -> export.About:
        """What a table's files say about it. ``scope`` is the place when the
        table is about less than the page's filter: a district's streets, a
        street's records (a 黄浦区 street table is not 全市)."""
        return downloads.notes(
            self.lang,
            title=table_title,
            scope=scope or self.scope,
            period=self.period,
            data_date=self.filters.data_date,
        )


def heading(context: Context) -> None:
    st.title(context.title)
    st.caption(
        t(
            "subject.caption",
            context.lang,
            scope=context.scope,
            period=context.period,
            date=i18n.format_date(context.filters.data_date, context.lang),
        )
    )


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str | None = None
    delta: str | None = None
    delta_colour: DeltaColour = "off"
    help_text: str | None = None


def card_rows(cards: Sequence[Card], lang: Lang, per_row: int = 4) -> None:
    for start in range(0, len(cards), per_row):
        for column, card in zip(st.columns(per_row), cards[start : start + per_row], strict=False):
            with column:
                ui.metric_card(
                    card.label,
                    card.value,
                    note=card.note,
                    help_text=card.help_text,
                    delta=card.delta,
                    delta_description=t("card.yoy_short", lang),
                    delta_colour=card.delta_colour,
                )


class Change(TypedDict):
    """A card's 同比, given to it as ``Card(..., **change)``."""

    delta: str | None  # None when there is no base
    delta_colour: DeltaColour


def yoy(now: object, before: object, *, rate: bool, rise_is_good: bool | None, lang: Lang) -> Change:
    """The 同比 text and colour for a card: a rate's change in percentage
    points, any other figure's relative to last year's."""
    change = metrics.change(now, before, rate=rate)
    if change is None:
        return {"delta": None, "delta_colour": "off"}
    colour: DeltaColour = "off" if rise_is_good is None else ("normal" if rise_is_good else "inverse")
    return {"delta": i18n.format_delta(change, rate=rate, lang=lang), "delta_colour": colour}


@dataclass(frozen=True)
class Figures:
    """A selection's figures (a breakdown's one row) and the same period's
    a year before, for a page's cards: each named, formatted and compared
    as its Field says (a KPI's name and which way is good news are the
    seed's)."""

    fields: Sequence[Field]
    now: dict[str, object]
    before: dict[str, object]
    lang: Lang

    def value(self, key: str) -> str:
        return subjects.format_measure(self.now.get(key), subjects.field(self.fields, key), self.lang)

    def card(self, key: str, *, compared: bool = False, note: str | None = None, help_text: str | None = None) -> Card:
        """The card of one field, with its 同比 when ``compared``; a KPI's
        help is its definition unless the page gives one."""
        item = subjects.field(self.fields, key)
        change: Change = (
            yoy(
                self.now.get(key),
                self.before.get(key),
                rate=item.kind == "rate",
                rise_is_good=item.rise_is_good,
                lang=self.lang,
            )
            if compared
            else {"delta": None, "delta_colour": "off"}
        )
        if help_text is None and item.metric:
            help_text = i18n.metric_definition(item.metric, self.lang)
        return Card(item.label(self.lang), self.value(key), note=note, help_text=help_text, **change)


def dimension_label(dimension: str, lang: Lang) -> str:
    label = t(f"dim.{dimension}", lang)
    return label.lower() if lang == "en" else label


def category_chart(
    frame: pd.DataFrame,
    measure: Field,
    *,
    dimension: str,
    context: Context,
    colour_map: str | None = None,
    colour: str | None = None,
    title: str,
    caption: charts.Caption,
    subtitle: str,
):
    """The chart of a labelled breakdown as ranked horizontal bars (districts
    in their own colours): names stay readable in half a laptop screen."""
    bars = subjects.chart_frame(frame, measure, context.lang, dimension=dimension, colour_map=colour_map, colour=colour)
    return charts.ranked_bar(bars, title=title, caption=caption, subtitle=subtitle)


def breakdown_section(
    context: Context,
    *,
    dimensions: Sequence[str],
    fields: Sequence[Field],
    chart_measures: Sequence[str],
    fetch: Callable[[str], pd.DataFrame],
    when: str | None = None,
) -> None:
    """Choose a dimension and a measure; draw the chart with the full table
    beside it, each with its export buttons."""
    lang = context.lang
    heading_col, by_col, measure_col = st.columns([2, 2, 2], vertical_alignment="bottom")
    heading_col.subheader(t("subject.breakdown", lang))
    dimension = ui.seed_choice("by", dimensions, dimensions[0])
    dimension = by_col.selectbox(
        t("subject.by", lang),
        options=list(dimensions),
        format_func=lambda d: t(f"dim.{d}", lang),
        key="by",
    )
    ui.write_to_url("by", dimension, dimensions[0])
    ui.seed_choice("measure", chart_measures, chart_measures[0])
    # named now, in the page run: a widget's format_func may be called
    # outside it, where the warehouse's names (i18n.DIMENSIONS) are not set
    measure_names = {m: subjects.field(fields, m).label(lang) for m in chart_measures}
    measure_key = measure_col.selectbox(
        t("subject.measure", lang),
        options=list(chart_measures),
        format_func=measure_names.__getitem__,
        key="measure",
    )
    ui.write_to_url("measure", measure_key, chart_measures[0])
    measure = subjects.field(fields, measure_key)

    frame = subjects.label_keys(fetch(dimension), dimension, lang, context.districts)
    if frame.empty:
        st.info(t("subject.empty", lang))
        return
    _scale, unit = subjects.screen_scale(measure, lang)
    title = t("subject.chart_title", lang, measure=measure.label(lang), dim=dimension_label(dimension, lang))
    colour_map = subjects.COLOUR_MAPS.get((context.subject, dimension))
    left, right = st.columns([1, 1])
    with left:
        fig = category_chart(
            frame,
            measure,
            dimension=dimension,
            context=context,
            colour_map=colour_map,
            title=context.chart_title(title),
            caption=context.caption(period=when),
            subtitle=unit,
        )
        by = t("subject.by_dim", lang, dim=dimension_label(dimension, lang))
        downloads.show_chart(
            fig, stem=context.stem(measure.label(lang), by), lang=lang, key=f"{context.subject}-breakdown"
        )
    with right:
        label = Column("label", t(f"dim.{dimension}", lang))
        export_columns = subjects.export_columns(None, fields, lang)
        if dimension == "district":
            export_columns = [Column("district_code", t("col.district_code", lang), "code"), label, *export_columns]
        else:
            export_columns = [label, *export_columns]
        table_title = t(
            "subject.chart_title", lang, measure=t(f"nav.{context.subject}", lang), dim=dimension_label(dimension, lang)
        )
        downloads.show_table(
            frame,
            label=label,
            fields=fields,
            export_columns=export_columns,
            lang=lang,
            stem=context.stem(by),
            key=f"{context.subject}-breakdown",
            about=context.about(table_title),
        )


def street_options(streets: pd.DataFrame) -> list[str]:
    """The street chooser's values: all streets, then each street (most
    records first), a blank street as its own choice."""
    keys = [BLANK_STREET if pd.isna(key) or str(key).strip() == "" else str(key) for key in streets["key"]]
    return [ALL_STREETS, *dict.fromkeys(keys)]


def drill_section(
    context: Context,
    *,
    fields: Sequence[Field],
    measure_key: str,
    fetch_streets: Callable[[str], pd.DataFrame],
    fetch_records: Callable[[str, str | None, bool], pd.DataFrame],
    record_fields: Sequence[Field],
    note: str | None = None,
    when: str | None = None,
) -> None:
    """District → its streets (chart and table) → the records of one street
    (or of the whole district)."""
    lang = context.lang
    st.subheader(t("subject.drill", lang))
    if note:
        st.caption(note)
    district_col, street_col = st.columns(2)
    with district_col:
        district, district_name = choose_district(context)
    streets = fetch_streets(district)
    with street_col:
        street = choose_street(streets, lang)
    if streets.empty:
        st.info(t("subject.empty", lang))
        return
    streets_view(
        context,
        streets,
        district=district,
        district_name=district_name,
        measure=subjects.field(fields, measure_key),
        fields=fields,
        when=when,
    )
    all_streets = street == ALL_STREETS
    chosen_street = None if street in (ALL_STREETS, BLANK_STREET) else street
    records_view(
        context,
        fetch_records(district, chosen_street, all_streets),
        place=drill_place(district_name, street, lang),
        fields=record_fields,
    )


def drill_place(district_name: str, street: str, lang: Lang) -> str:
    """The place the drill's records are of, and so their files' scope: the
    district, or the district and its street (黄浦区 · 南京东路街道)."""
    if street == ALL_STREETS:
        return district_name
    return f"{district_name} · {t('subject.blank', lang) if street == BLANK_STREET else street}"


def choose_district(context: Context) -> tuple[str, str]:
    """The drill's district (one of the filter's, or any) and its name."""
    lang = context.lang
    codes = list(context.filters.districts) or context.districts["district_code"].tolist()
    names = subjects.district_names(context.districts, lang, short=False)
    ui.seed_choice("drill", codes, codes[0])
    district = st.selectbox(
        t("subject.drill_district", lang),
        options=codes,
        format_func=lambda code: names.get(code, code),
        key="drill",
    )
    ui.write_to_url("drill", district, codes[0])
    return district, names.get(district, district)


def choose_street(streets: pd.DataFrame, lang: Lang) -> str:
    """The drill's street: all of the district's, one of them, or the blank one."""
    options = street_options(streets) if not streets.empty else [ALL_STREETS]
    ui.seed_choice("street", options, ALL_STREETS)
    street = st.selectbox(
        t("subject.drill_street", lang),
        options=options,
        format_func=lambda s: (
            t("subject.all_streets", lang)
            if s == ALL_STREETS
            else (t("subject.blank", lang) if s == BLANK_STREET else s)
        ),
        key="street",
    )
    ui.write_to_url("street", street, ALL_STREETS)
    return street


def streets_view(
    context: Context,
    streets: pd.DataFrame,
    *,
    district: str,
    district_name: str,
    measure: Field,
    fields: Sequence[Field],
    when: str | None,
) -> None:
    """A district's streets: the chart of ``measure`` and the table beside it."""
    lang = context.lang
    streets = streets.assign(label=[subjects.street_label(key, lang) for key in streets["key"]])
    title = t("subject.streets_of", lang, district=district_name)
    _scale, unit = subjects.screen_scale(measure, lang)
    chart_title = t("subject.chart_title", lang, measure=measure.label(lang), dim=dimension_label("subdistrict", lang))
    stem = context.stem(district_name, t("dim.subdistrict", lang), scoped=False)
    left, right = st.columns([1, 1])
    with left:
        fig = charts.ranked_bar(
            subjects.chart_frame(
                streets, measure, lang, dimension="subdistrict", colour=charts.district_colour(district)
            ),
            title=context.chart_title(chart_title),
            caption=context.caption(scope=district_name, period=when),
            subtitle=unit,
        )
        downloads.show_chart(fig, stem=stem, lang=lang, key=f"{context.subject}-streets")
    with right:
        label = Column("label", t("dim.subdistrict", lang))
        downloads.show_table(
            streets,
            label=label,
            fields=fields,
            export_columns=[label, *subjects.export_columns(None, fields, lang)],
            lang=lang,
            stem=stem,
            key=f"{context.subject}-streets",
            about=context.about(title, scope=district_name),
            height=min(35 * (len(streets) + 1) + 3, int(fig.layout.height) - 40),
        )


def records_view(context: Context, records: pd.DataFrame, *, place: str, fields: Sequence[Field]) -> None:
    """The records of the drill's place, with how many there are in all."""
    lang = context.lang
    total = int(records["total"].iloc[0]) if not records.empty else 0
    records_title = t("subject.records_of", lang, place=place, n=f"{total:,}")
    ui.plain_heading(records_title)
    if records.empty:
        st.info(t("subject.empty", lang))
        return
    if total > len(records):
        st.caption(t("subject.truncated", lang, total=f"{total:,}", shown=f"{len(records):,}"))
    shown = subjects.records_for_display(records, lang)
    downloads.show_table(
        shown,
        label=None,
        fields=fields,
        export_columns=subjects.export_columns(None, fields, lang),
        lang=lang,
        stem=context.stem(place, t("subject.records", lang), scoped=False),
        key=f"{context.subject}-records",
        about=context.about(records_title, scope=place),
        scale_money=False,
        height=min(35 * (len(shown) + 1) + 3, 420),
    )
    # the archived original of a file these records came from (stewards)
    record_sources.original_download(records, lang, key=f"{context.subject}-records")


@dataclass(frozen=True)
class CasePage:
    """What differs between the case pages (legal aid, wages): the data
    functions, the summary of a selection with nothing in it, and the field
    lists."""

    subject: str
    breakdown: Callable[..., pd.DataFrame]  # (dimension, start, end, districts)
    records: Callable[..., pd.DataFrame]  # (district, street, all_streets, start, end)
    empty: dict[str, object]  # the summary's values when nothing matched
    cards: Callable[[Figures], list[Card]]
    dimensions: Sequence[str]
    fields: Sequence[Field]
    chart_measures: Sequence[str]
    record_fields: Sequence[Field]


def case_page(page: CasePage) -> None:
    """Heading, cards with 同比, breakdown and drill-down of one case page."""
    from dashboards import data, periods

    lang = ui.current_lang()
    meta = data.meta()
    districts = data.districts()
    filters = ui.subject_filters(lang, meta.data_date, districts)
    period = filters.period
    context = Context(
        subject=page.subject,
        title=t(f"nav.{page.subject}", lang),
        lang=lang,
        filters=filters,
        districts=districts,
        scope=subjects.scope_label(filters.districts, districts, lang),
        period=period.label(lang),
    )
    heading(context)

    last_year = periods.same_period_last_year(period)

    def summary(start: date, end: date) -> dict[str, object]:
        frame = page.breakdown(None, start, end, filters.districts)
        return dict(page.empty) if frame.empty else frame.iloc[0].to_dict()

    now = summary(period.start, period.end)
    before = summary(last_year.start, last_year.end)
    card_rows(page.cards(Figures(page.fields, now, before, lang)), lang)

    st.space("small")
    breakdown_section(
        context,
        dimensions=page.dimensions,
        fields=page.fields,
        chart_measures=page.chart_measures,
        fetch=lambda dimension: page.breakdown(dimension, period.start, period.end, filters.districts),
    )

    st.space("small")
    drill_section(
        context,
        fields=page.fields,
        measure_key="cases",
        fetch_streets=lambda district: page.breakdown("subdistrict", period.start, period.end, (district,)),
        fetch_records=lambda district, street, all_streets: page.records(
            district, street, all_streets, period.start, period.end
        ),
        record_fields=page.record_fields,
    )
