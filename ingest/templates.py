"""The dataset contracts: the submission templates of the public contract,
their columns, types, aliases, natural keys and accepted category values."""

from dataclasses import dataclass, field

import pyarrow as pa

# Each kind of column: its landing SQL type and the Arrow type rows travel in.
KINDS: dict[str, tuple[str, pa.DataType]] = {
    "text": ("varchar", pa.string()),
    "district": ("varchar", pa.string()),
    "category": ("varchar", pa.string()),
    "uscc": ("varchar", pa.string()),
    "date": ("date", pa.date32()),
    "int": ("integer", pa.int32()),
    "year": ("integer", pa.int32()),
    "money": ("decimal(18, 2)", pa.decimal128(18, 2)),
    "rate": ("decimal(18, 4)", pa.decimal128(18, 4)),
    "flag": ("boolean", pa.bool_()),
}


@dataclass(frozen=True)
class Column:
    name: str  # the landing column name (English, snake_case)
    zh: str  # the Chinese header of the template
    kind: str  # text | date | int | money | rate | flag | district | category | uscc | year
    required: bool = False
    aliases: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    dataset: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # the date that places a row in a reporting month (None: the year column)
    period_column: str | None = None
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


DISPUTE_TYPES = ("劳动报酬", "社会保险", "劳动合同", "工伤", "其他")
SERVICE_TYPES = ("法律咨询", "代写法律文书", "协商调解", "代理仲裁", "代理诉讼")
CHANNELS = ("工会窗口", "服务站点", "12351热线", "线上平台")
OUTCOMES = ("调解成功", "仲裁裁决", "判决", "撤回", "办理中")
WAGE_SOURCES = ("投诉举报", "专项检查", "突发事件处置", "工会协调")
WAGE_STATUSES = ("已办结", "办理中")
CERT_STATUSES = ("申报", "测评中", "达标", "未达标", "撤销")
METRICS = (
    "legal_aid_cases",
    "legal_aid_workers",
    "legal_aid_closed",
    "legal_aid_mediated",
    "legal_aid_recovered_yuan",
    "wage_cases",
    "wage_workers",
    "wages_recovered_yuan",
    "certified_enterprises",
    "mediation_rate",
)
# Of those, the rates (the metrics seed's kind): their targets are fractions
# from 0 to 1. tests/test_one_source.py holds this to the seed.
RATE_METRICS = ("mediation_rate",)

# Accepted synonyms of category values (as written by districts) -> stored value.
SYNONYMS: dict[str, dict[str, str]] = {
    "dispute_type": {
        "劳动报酬争议": "劳动报酬",
        "工资": "劳动报酬",
        "欠薪": "劳动报酬",
        "pay": "劳动报酬",
        "wages": "劳动报酬",
        "社保": "社会保险",
        "社会保险争议": "社会保险",
        "social insurance": "社会保险",
        "劳动合同争议": "劳动合同",
        "解除劳动合同": "劳动合同",
        "contract": "劳动合同",
        "工伤争议": "工伤",
        "work injury": "工伤",
        "其它": "其他",
        "other": "其他",
    },
    "service_type": {
        "咨询": "法律咨询",
        "consultation": "法律咨询",
        "代写文书": "代写法律文书",
        "drafting": "代写法律文书",
        "调解": "协商调解",
        "mediation": "协商调解",
        "仲裁代理": "代理仲裁",
        "arbitration": "代理仲裁",
        "诉讼代理": "代理诉讼",
        "litigation": "代理诉讼",
    },
    "channel": {
        "窗口": "工会窗口",
        "union window": "工会窗口",
        "站点": "服务站点",
        "service station": "服务站点",
        "12351": "12351热线",
        "hotline": "12351热线",
        "线上": "线上平台",
        "网上": "线上平台",
        "online": "线上平台",
    },
    "outcome": {
        "调解": "调解成功",
        "mediated": "调解成功",
        "仲裁": "仲裁裁决",
        "award": "仲裁裁决",
        "arbitration award": "仲裁裁决",
        "judgment": "判决",
        "法院判决": "判决",
        "撤诉": "撤回",
        "withdrawn": "撤回",
        "在办": "办理中",
        "open": "办理中",
        "未结": "办理中",
    },
    "source": {
        "投诉": "投诉举报",
        "举报": "投诉举报",
        "complaint": "投诉举报",
        "专项": "专项检查",
        "inspection": "专项检查",
        "突发事件": "突发事件处置",
        "emergency": "突发事件处置",
        "协调": "工会协调",
        "coordination": "工会协调",
    },
    "status_wage": {
        "办结": "已办结",
        "已结": "已办结",
        "resolved": "已办结",
        "closed": "已办结",
        "在办": "办理中",
        "open": "办理中",
    },
    "status_cert": {
        "已申报": "申报",
        "applied": "申报",
        "测评": "测评中",
        "under assessment": "测评中",
        "已达标": "达标",
        "certified": "达标",
        "不达标": "未达标",
        "not certified": "未达标",
        "已撤销": "撤销",
        "revoked": "撤销",
    },
}

# The district and industry columns, the same in every template that has them.
DISTRICT = Column("district_code", "区", "district", True, ("区域", "所属区", "district"))
INDUSTRY = Column("industry", "行业", "text", False, ("所属行业",))

LEGAL_AID = Template(
    dataset="legal_aid",
    zh="法律援助案件",
    key=("district_code", "case_id"),
    period_column="received_date",
    columns=(
        Column("case_id", "案件编号", "text", True, ("案号", "编号")),
        DISTRICT,
        Column("subdistrict", "街镇", "text", False, ("街道", "街道镇", "街镇名称")),
        Column("received_date", "受理日期", "date", True, ("受理时间", "收案日期")),
        Column("closed_date", "结案日期", "date", False, ("结案时间", "办结日期")),
        Column("dispute_type", "争议类型", "category", True, ("案由",), DISPUTE_TYPES),
        Column("service_type", "服务方式", "category", False, ("服务类型",), SERVICE_TYPES),
        Column("channel", "受理渠道", "category", False, ("渠道", "来源渠道"), CHANNELS),
        Column("workers", "涉及职工人数", "int", True, ("职工人数", "涉及人数", "人数")),
        Column("new_employment_form", "新就业形态", "flag", False, ("是否新就业形态", "新就业形态劳动者")),
        INDUSTRY,
        Column("amount_claimed", "诉求金额", "money", False, ("标的金额", "请求金额")),
        Column("amount_recovered", "挽回经济损失", "money", False, ("挽回金额", "挽回经济损失金额")),
        Column("outcome", "办理结果", "category", True, ("结果", "办理情况"), OUTCOMES),
    ),
)

WAGE_RECOVERY = Template(
    dataset="wage_recovery",
    zh="追讨欠薪",
    key=("district_code", "record_id"),
    period_column="opened_date",
    columns=(
        Column("record_id", "记录编号", "text", True, ("编号", "追讨编号")),
        DISTRICT,
        Column("subdistrict", "街镇", "text", False, ("街道", "街道镇")),
        Column("opened_date", "受理日期", "date", True, ("立案日期", "受理时间")),
        Column("resolved_date", "办结日期", "date", False, ("结案日期", "办结时间")),
        Column("source", "来源", "category", True, ("案件来源", "线索来源"), WAGE_SOURCES),
        Column("employer_name", "用人单位", "text", True, ("单位名称", "企业名称")),
        Column("employer_uscc", "统一社会信用代码", "uscc", False, ("信用代码",)),
        INDUSTRY,
        Column("workers", "涉及人数", "int", True, ("涉及职工人数", "人数")),
        Column("amount_owed", "欠薪金额", "money", False, ("拖欠金额", "欠薪总额")),
        Column("amount_recovered", "追回金额", "money", True, ("追讨金额", "已追回金额")),
        Column("status", "状态", "category", True, ("办理状态",), WAGE_STATUSES),
    ),
)

CERTIFICATION = Template(
    dataset="certification",
    zh="和谐劳动关系达标企业",
    key=("enterprise_uscc", "campaign_year"),
    period_column="certified_date",
    columns=(
        Column("enterprise_name", "企业名称", "text", True, ("单位名称",)),
        Column("enterprise_uscc", "统一社会信用代码", "uscc", True, ("信用代码",)),
        DISTRICT,
        Column("subdistrict", "街镇", "text", False, ("街道", "街道镇")),
        INDUSTRY,
        Column("employees", "职工人数", "int", False, ("员工人数",)),
        Column("campaign_year", "创建年度", "year", True, ("年度", "创建年份")),
        Column("score", "测评得分", "rate", False, ("得分", "评分")),
        Column("status", "状态", "category", True, ("创建状态",), CERT_STATUSES),
        Column("certified_date", "认定日期", "date", False, ("达标日期", "确认日期")),
        Column("valid_until", "有效期至", "date", False, ("有效期",)),
        Column("revoked_date", "撤销日期", "date", False, ()),
    ),
)

TARGET = Template(
    dataset="target",
    zh="年度目标",
    key=("year", "district_code", "metric"),
    columns=(
        Column("year", "年度", "year", True, ("年份",)),
        DISTRICT,
        Column("metric", "指标", "category", True, ("指标名称", "指标代码"), METRICS),
        Column("target", "目标值", "rate", True, ("目标", "任务数")),
    ),
)

TEMPLATES: dict[str, Template] = {t.dataset: t for t in (LEGAL_AID, WAGE_RECOVERY, CERTIFICATION, TARGET)}


def synonyms_for(template: Template, column: Column) -> dict[str, str]:
    """Accepted synonyms of a category column's values."""
    if column.name == "status":
        return SYNONYMS["status_wage" if template.dataset == "wage_recovery" else "status_cert"]
    return SYNONYMS.get(column.name, {})
