"""Demo submissions: the files Shanghai's 16 district trade unions would send.

`generate()` writes four full years plus the current year to date of
legal-aid, wage-recovery and certification submissions and the yearly
targets, in the untidy shapes real district offices use (title rows, totals
and footers, 万元, GB18030, English headers, a correction, a nil return), and
`manifest.json` with the figures the warehouse must show once they are
ingested. It is a pure function of (seed, today, scale): the same arguments
give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter

from ingest.uscc import CHARSET, check_char

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "data" / "reference"

# Days since 1970-01-01 stand for dates throughout; -1 marks a blank cell
# (every real date here is long after 1970, every amount is >= 0).
MISSING = -1
EPOCH = dt.date(1970, 1, 1)
EXCEL_EPOCH_OFFSET = 25569  # Excel serial number of 1970-01-01

YEARS_BACK = 4  # full years before the current one

# Calibration (city-wide, scale 1). Legal aid: ~30,000 cases and 700-800
# million yuan recovered a year (the sources give 222,500 services and 5.18
# billion yuan for 2016 to Nov 2022). Certification: ~2,000 certified a year.
LEGAL_AID_PER_YEAR = 30_000
LEGAL_AID_GROWTH = 0.04
WAGE_PER_YEAR = 9_000
WAGE_GROWTH = 0.01
CERT_APPLICATIONS_PER_YEAR = 2_550
DISTRICT_NOISE_SIGMA = 0.08

AMOUNT_MAX_CENTS = 99_000_000 * 100  # stays under the contract's 1亿元 row ceiling
XLSX_MAX_DATA_ROWS = 1_000_000  # Excel's sheet limit is 1,048,576 rows

# Random streams, one per (purpose, district, year), so that each part of the
# output depends only on the seed and never on the order of generation.
STREAM_LEGAL_AID, STREAM_WAGE, STREAM_CERT, STREAM_TARGET = 1, 2, 3, 4
STREAM_CORRECTION, STREAM_STREETS, STREAM_CODES = 5, 6, 7

# Chinese New Year's day (正月初一). Legal aid dips in its month, wage
# arrears peak in the weeks before it.
SPRING_FESTIVAL = {
    2017: dt.date(2017, 1, 28),
    2018: dt.date(2018, 2, 16),
    2019: dt.date(2019, 2, 5),
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
    2031: dt.date(2031, 1, 23),
    2032: dt.date(2032, 2, 11),
}

# Legal aid: (multiplier of the festival's month, of each of the two months
# before it). Wage arrears: (first day, last day relative to 正月初一,
# multiplier) of the daily intake: the six weeks before the festival peak.
LEGAL_AID_FESTIVAL = (0.55, 1.2)
WAGE_FESTIVAL = ((-42, -8, 2.6), (-7, 12, 0.35))

# ---------------------------------------------------------------------------
# Category values (as stored; see the contract) and their mixes
# ---------------------------------------------------------------------------

DISPUTE_TYPES = ("劳动报酬", "劳动合同", "社会保险", "工伤", "其他")
DISPUTE_P = (0.45, 0.25, 0.15, 0.08, 0.07)
SERVICE_TYPES = ("法律咨询", "代写法律文书", "协商调解", "代理仲裁", "代理诉讼")
SERVICE_P = (0.25, 0.08, 0.42, 0.18, 0.07)
CHANNELS = ("工会窗口", "服务站点", "12351热线", "线上平台")
CHANNEL_P = (0.35, 0.30, 0.20, 0.15)
OUTCOMES = ("调解成功", "仲裁裁决", "判决", "撤回", "办理中")
MEDIATED, AWARDED, JUDGED, WITHDRAWN, OPEN = range(5)
# P(final outcome | service type): representation in arbitration or court
# ends in an award or a judgment more often than advice and mediation do.
OUTCOME_P_BY_SERVICE = np.array(
    [
        [0.78, 0.06, 0.03, 0.13],
        [0.78, 0.06, 0.03, 0.13],
        [0.78, 0.06, 0.03, 0.13],
        [0.40, 0.45, 0.05, 0.10],
        [0.30, 0.05, 0.55, 0.10],
    ]
)
DAYS_TO_CLOSE = np.array([[1, 45], [30, 90], [45, 90], [1, 60]])
RECOVERY_RATIO = np.array([[0.4, 1.0], [0.5, 1.0], [0.5, 1.0], [0.0, 0.0]])

WAGE_SOURCES = ("投诉举报", "专项检查", "突发事件处置", "工会协调")
WAGE_SOURCE_P = (0.70, 0.15, 0.02, 0.13)
COMPLAINT, INSPECTION, INCIDENT, COORDINATION = range(4)
WAGE_STATUSES = ("已办结", "办理中")

CERT_STATUSES = ("申报", "测评中", "达标", "未达标", "撤销")
APPLIED, ASSESSING, CERTIFIED, NOT_CERTIFIED, REVOKED = range(5)

FLAG = ("否", "是")

INDUSTRIES = (
    "制造业",
    "建筑业",
    "批发和零售业",
    "交通运输、仓储和邮政业",
    "住宿和餐饮业",
    "信息传输、软件和信息技术服务业",
    "租赁和商务服务业",
    "居民服务、修理和其他服务业",
    "房地产业",
    "教育",
    "卫生和社会工作",
    "文化、体育和娱乐业",
)


def _industry_p(**weights: float) -> np.ndarray:
    """Probabilities over INDUSTRIES from weights keyed by position name."""
    names = (
        "manufacturing",
        "construction",
        "retail",
        "transport",
        "catering",
        "it",
        "business",
        "household",
        "realestate",
        "education",
        "health",
        "culture",
    )
    p = np.array([weights.get(n, 0.0) for n in names])
    return p / p.sum()


LEGAL_AID_INDUSTRY_P = _industry_p(
    manufacturing=0.20,
    construction=0.14,
    retail=0.12,
    transport=0.07,
    catering=0.12,
    it=0.06,
    business=0.10,
    household=0.07,
    realestate=0.04,
    education=0.03,
    health=0.03,
    culture=0.02,
)
# Couriers, ride-hailing drivers and platform workers (新就业形态).
NEW_FORM_INDUSTRY_P = _industry_p(transport=0.55, it=0.15, household=0.15, catering=0.10, retail=0.05)
WAGE_INDUSTRY_P = _industry_p(
    construction=0.35,
    catering=0.14,
    manufacturing=0.15,
    business=0.12,
    transport=0.08,
    retail=0.07,
    household=0.05,
    it=0.02,
    realestate=0.02,
)
CERT_INDUSTRY_P = _industry_p(
    manufacturing=0.30,
    retail=0.12,
    it=0.12,
    business=0.12,
    construction=0.08,
    transport=0.06,
    catering=0.06,
    realestate=0.05,
    household=0.03,
    education=0.02,
    health=0.02,
    culture=0.02,
)

# Company-name endings that fit each industry, in INDUSTRIES order.
NAME_SUFFIXES = (
    (
        "机械制造有限公司",
        "电子科技有限公司",
        "服饰有限公司",
        "精密部件有限公司",
        "塑料制品有限公司",
    ),
    ("建筑工程有限公司", "建设工程有限公司", "装饰工程有限公司", "建筑劳务有限公司"),
    ("商贸有限公司", "贸易有限公司", "超市有限公司"),
    ("物流有限公司", "供应链管理有限公司", "速递有限公司", "运输有限公司"),
    ("餐饮管理有限公司", "酒店管理有限公司", "餐饮有限公司"),
    ("信息技术有限公司", "网络科技有限公司", "软件有限公司"),
    (
        "保安服务有限公司",
        "人力资源有限公司",
        "企业管理咨询有限公司",
        "会展服务有限公司",
    ),
    ("家政服务有限公司", "保洁服务有限公司", "汽车维修有限公司", "美容美发有限公司"),
    ("物业管理有限公司", "房地产开发有限公司", "房地产经纪有限公司"),
    ("教育科技有限公司", "培训有限公司"),
    ("医疗管理有限公司", "养老服务有限公司"),
    ("文化传媒有限公司", "体育发展有限公司", "健身管理有限公司"),
)
BRAND_CHARS = (
    "恒鑫华盛泰达宏瑞祥嘉德丰源康福隆鼎锦诚信安捷汇通兴旺佳创远辰睿峰博凯新宇豪"
    "力欣晟卓越东申浦海江久昌顺美明合和众正天乐金永禾益邦腾弘聚骏茂君奥星"
)
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭"

Table = dict[str, np.ndarray]


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    code: str
    name_zh: str
    short_zh: str
    name_en: str
    weight: float
    subdistricts: tuple[str, ...]


def load_districts() -> list[District]:
    """The 16 districts with their streets and towns, in code order."""
    streets: dict[str, list[str]] = {}
    with open(REFERENCE_DIR / "subdistricts.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            streets.setdefault(row["district_code"], []).append(row["subdistrict_name_zh"])
    with open(REFERENCE_DIR / "districts.csv", encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["district_code"])
    return [
        District(
            r["district_code"],
            r["district_name_zh"],
            r["short_name_zh"],
            r["district_name_en"],
            float(r["population_weight"]),
            tuple(streets[r["district_code"]]),
        )
        for r in rows
    ]


def load_holidays() -> dict[dt.date, str]:
    """Official days off ("holiday") and adjusted working days ("workday")."""
    with open(REFERENCE_DIR / "cn_holidays.csv", encoding="utf-8", newline="") as f:
        return {dt.date.fromisoformat(r["date"]): r["kind"] for r in csv.DictReader(f)}


# ---------------------------------------------------------------------------
# How each district submits: deterministic, so the mess is documented
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    fmt: str  # "xlsx" or "csv"
    encoding: str = "utf-8-sig"  # csv only
    title: bool = True  # xlsx files always carry a title row
    merge_title: bool = False
    headers: str = "zh"  # zh | zh_units | zh_units_ascii | en
    wan: bool = False  # money in 万元
    district_label: str = "name"  # name | short | code | en
    dates: str = "excel"  # excel (real date cells) | slash | cn | iso | dot
    thousands: bool = False  # csv money like "12,345.60"
    totals: bool = False  # csv 合计 row (xlsx files always have one)
    serial_column: bool = False  # leading 序号 column
    remark_column: bool = False  # trailing empty 备注 column
    district_first: bool = False  # 区 as the first column
    split_current_year: bool = False  # current year sent as 1-6月 and 7-N月
    valid_until_blank: bool = False  # 有效期至 left empty: the default applies


STYLES: dict[str, Style] = {
    "310101": Style("xlsx", merge_title=True, serial_column=True, valid_until_blank=True),
    "310104": Style("csv", title=False, headers="en", district_label="en", dates="iso"),
    "310105": Style("xlsx", headers="en", district_label="en"),
    "310106": Style("csv", encoding="gb18030", headers="zh_units", dates="iso", thousands=True),
    "310107": Style("xlsx", district_label="short", serial_column=True, remark_column=True),
    "310109": Style(
        "csv",
        encoding="gb18030",
        title=False,
        district_label="short",
        dates="dot",
        split_current_year=True,
        valid_until_blank=True,
    ),
    "310110": Style("xlsx", merge_title=True, headers="zh_units", wan=True),
    "310112": Style("xlsx", merge_title=True, headers="zh_units", split_current_year=True),
    "310113": Style(
        "csv",
        headers="zh_units",
        district_label="code",
        dates="iso",
        thousands=True,
        totals=True,
    ),
    "310114": Style("xlsx", district_label="code", dates="slash", serial_column=True),
    "310115": Style("csv", dates="iso", thousands=True, split_current_year=True),
    "310116": Style(
        "csv",
        encoding="gb18030",
        headers="zh_units",
        wan=True,
        district_label="short",
        dates="dot",
        district_first=True,
    ),
    "310117": Style("csv", title=False, headers="zh_units_ascii", dates="iso"),
    "310118": Style("xlsx", merge_title=True, split_current_year=True),
    "310120": Style(
        "csv",
        encoding="gb18030",
        headers="zh_units",
        wan=True,
        dates="iso",
        valid_until_blank=True,
    ),
    "310151": Style("xlsx", district_label="short", dates="cn"),
}
CORRECTION_DISTRICT = "310112"  # resends some cases of its last month
NIL_RETURN_DISTRICT = "310151"  # reports no wage cases for the last month


# ---------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def data_date_for(today: dt.date) -> dt.date:
    """The last day of the last complete month before today."""
    return today.replace(day=1) - dt.timedelta(days=1)


@dataclass
class Calendar:
    """The time span and the shape of daily intake across each year."""

    data_date: dt.date
    holidays: dict[dt.date, str]
    years_back: int = YEARS_BACK  # full years before the data date's year
    _shapes: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)

    @property
    def first_year(self) -> int:
        return self.data_date.year - self.years_back

    @property
    def years(self) -> range:
        return range(self.first_year, self.data_date.year + 1)

    @property
    def last_day(self) -> int:
        return _day(self.data_date)

    def last_month(self, year: int) -> int:
        """The last reported month of a year (the data date's month this year)."""
        return self.data_date.month if year == self.data_date.year else 12

    def months(self) -> list[str]:
        return [f"{y}-{m:02d}" for y in self.years for m in range(1, self.last_month(y) + 1)]

    @staticmethod
    def year_days(year: int) -> np.ndarray:
        return np.arange(_day(dt.date(year, 1, 1)), _day(dt.date(year + 1, 1, 1)))

    def shape(self, dataset: str, year: int) -> np.ndarray:
        """Weights of each day of the year (legal_aid or wage_recovery), summing to 1."""
        key = (dataset, year)
        if key not in self._shapes:
            days = self.year_days(year)
            if dataset == "legal_aid":
                w = self._weekly(days, weekend=0.25, holiday=0.15)
                w *= _festival_month_factor(days, year, *LEGAL_AID_FESTIVAL)
            elif dataset == "wage_recovery":
                w = self._weekly(days, weekend=0.3, holiday=0.2)
                w *= _festival_factor(days, year, WAGE_FESTIVAL)
            else:
                raise ValueError(f"no daily shape for {dataset}")
            self._shapes[key] = w / w.sum()
        return self._shapes[key]

    def _weekly(self, days: np.ndarray, *, weekend: float, holiday: float) -> np.ndarray:
        # Offices close at weekends and on holidays (hotline and online
        # platform cases still come in); adjusted working days count as weekdays.
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        w = np.where(weekday >= 5, weekend, 1.0)
        for d, kind in self.holidays.items():
            i = _day(d) - days[0]
            if 0 <= i < len(days):
                w[i] = holiday if kind == "holiday" else 1.0
        return w


def _festivals(year: int) -> list[dt.date]:
    """The Spring Festivals whose effects can reach into `year`."""
    missing = [y for y in (year - 1, year, year + 1) if y not in SPRING_FESTIVAL]
    if missing:
        raise ValueError(f"no Spring Festival date for {missing}; extend SPRING_FESTIVAL")
    return [SPRING_FESTIVAL[y] for y in (year - 1, year, year + 1)]


def _festival_factor(days: np.ndarray, year: int, windows: tuple[tuple[int, int, float], ...]) -> np.ndarray:
    factor = np.ones(len(days))
    for festival in _festivals(year):
        offset = days - _day(festival)
        for lo, hi, mult in windows:
            factor[(offset >= lo) & (offset <= hi)] *= mult
    return factor


def _festival_month_factor(days: np.ndarray, year: int, dip: float, before: float) -> np.ndarray:
    # Whole months, so that the festival's month shows a clear dip whether
    # the festival falls late in January or in mid-February.
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    factor = np.ones(len(days))
    for festival in _festivals(year):
        m = np.datetime64(festival, "M").astype(np.int64)
        factor[month == m] *= dip
        factor[(month >= m - 2) & (month < m)] *= before
    return factor


def _month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month (1-12) of each day."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def _ymd(days: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    d64 = days.astype("datetime64[D]")
    months = d64.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (d64 - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y.tolist(), m.tolist(), d.tolist()


def _plus_years(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day `years` later (29 February becomes the 28th)."""
    d64 = days.astype("datetime64[D]")
    month = d64.astype("datetime64[M]")
    day_index = (d64 - month.astype("datetime64[D]")).astype(np.int64)
    target = month + 12 * years
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day_index, length - 1)
    return out.astype(np.int64)


# ---------------------------------------------------------------------------
# Random helpers
# ---------------------------------------------------------------------------


def _rng(seed: int, stream: int, district: str, year: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream, int(district), year]))


def _choice(rng: np.random.Generator, p: Any, n: int) -> np.ndarray:
    return rng.choice(len(p), size=n, p=np.asarray(p) / np.sum(p))


def _daily_arrivals(rng: np.random.Generator, days: np.ndarray, expected: float, shape: np.ndarray) -> np.ndarray:
    """Sorted arrival days: a Poisson count for each day of the year."""
    return np.repeat(days, rng.poisson(expected * shape))


def _cents(rng: np.random.Generator, yuan: np.ndarray) -> np.ndarray:
    """Yuan to integer cents: most amounts are whole yuan, some carry cents."""
    whole = rng.random(len(yuan)) < 0.8
    cents = np.where(whole, np.round(yuan) * 100, np.round(yuan * 100))
    return np.clip(cents, 100, AMOUNT_MAX_CENTS).astype(np.int64)


def _take(table: Table, index: np.ndarray) -> Table:
    return {k: v[index] for k, v in table.items()}


# ---------------------------------------------------------------------------
# Employers and enterprises: stable names, credit codes and streets
# ---------------------------------------------------------------------------

CODE_SPACE = 31**6  # six free characters of the organisation code
CODE_MULTIPLIER = 387_420_489  # 3**18, coprime with 31: an affine permutation


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=False))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_for(district_code: str, number: int) -> str:
    """A valid credit code: 91 (company) + district + organisation code + check.

    `number` must lie in [0, CODE_SPACE); distinct numbers give distinct codes.
    """
    chars = []
    for _ in range(6):
        number, r = divmod(number, 31)
        chars.append(CHARSET[r])
    body = "MA" + "".join(reversed(chars))
    first17 = "91" + district_code + body + _org_check(body)
    return first17 + check_char(first17)


class FirmRegistry:
    """The employers (or enterprises) of one district met so far."""

    def __init__(
        self,
        district: District,
        code_base: int,
        industry_p: np.ndarray,
        street_p: np.ndarray,
        salt: int,
    ):
        self.district = district
        self.code_base = code_base  # keeps employers' and enterprises' codes apart
        self.industry_p = industry_p
        self.street_p = street_p
        self.salt = salt
        self.names: list[str] = []
        self.codes: list[str] = []
        self.industry = np.zeros(0, dtype=np.int64)
        self.street = np.zeros(0, dtype=np.int64)
        self.employees = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.names)

    def add(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Create `count` new firms; return their ids."""
        start = len(self)
        industry = _choice(rng, self.industry_p, count)
        brand = rng.integers(0, len(BRAND_CHARS), size=(count, 2))
        suffix = rng.integers(0, 1000, size=count)
        with_district = rng.random(count) < 0.12
        for i in range(count):
            a, b = brand[i]
            if a == b:
                b = (b + 1) % len(BRAND_CHARS)
            endings = NAME_SUFFIXES[industry[i]]
            prefix = "上海" + (self.district.short_zh if with_district[i] else "")
            self.names.append(prefix + BRAND_CHARS[a] + BRAND_CHARS[b] + endings[suffix[i] % len(endings)])
            n = (CODE_MULTIPLIER * (self.code_base + start + i) + self.salt) % CODE_SPACE
            self.codes.append(uscc_for(self.district.code, n))
        self.industry = np.concatenate([self.industry, industry])
        self.street = np.concatenate([self.street, _choice(rng, self.street_p, count)])
        staff = np.clip(rng.lognormal(np.log(120), 1.0, count), 8, 20_000)
        self.employees = np.concatenate([self.employees, staff.astype(np.int64)])
        return np.arange(start, start + count)

    def draw(self, rng: np.random.Generator, n: int, repeat_p: float) -> np.ndarray:
        """Firms for n cases: some firms met before, the rest new."""
        known = len(self)
        repeat = (rng.random(n) < repeat_p) & (known > 0)
        ids = np.empty(n, dtype=np.int64)
        ids[repeat] = rng.integers(0, max(known, 1), size=int(repeat.sum()))
        ids[~repeat] = self.add(rng, int((~repeat).sum()))
        return ids


# ---------------------------------------------------------------------------
# Records: each generator returns the full year as planned (what the year
# will hold once every case is closed); `*_as_of` cuts it at the data date.
# ---------------------------------------------------------------------------


@dataclass
class Context:
    seed: int
    scale: float
    calendar: Calendar
    new_form_start: int  # days: the 新就业形态 share grows from here ...
    new_form_end: int  # ... to here


def _legal_aid_workers(rng: np.random.Generator, n: int) -> np.ndarray:
    # Mostly one to three workers; ~3% collective (群体性, 10 or more).
    kind = _choice(rng, (0.68, 0.16, 0.09, 0.04, 0.03), n)
    workers = np.array([1, 2, 3, 0, 0])[kind]
    workers[kind == 3] = rng.integers(4, 10, size=int((kind == 3).sum()))
    workers[kind == 4] = rng.integers(10, 61, size=int((kind == 4).sum()))
    return workers


def legal_aid_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    street_p: np.ndarray,
) -> Table:
    cal = ctx.calendar
    annual = LEGAL_AID_PER_YEAR * (1 + LEGAL_AID_GROWTH) ** (year - cal.first_year)
    expected = annual * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA)
    received = _daily_arrivals(rng, cal.year_days(year), expected, cal.shape("legal_aid", year))
    n = len(received)
    service = _choice(rng, SERVICE_P, n)
    channel = _choice(rng, CHANNEL_P, n)
    workers = _legal_aid_workers(rng, n)

    progress = np.clip(
        (received - ctx.new_form_start) / max(ctx.new_form_end - ctx.new_form_start, 1),
        0,
        1,
    )
    new_form = rng.random(n) < 0.08 + 0.12 * progress
    industry = np.where(
        new_form,
        _choice(rng, NEW_FORM_INDUSTRY_P, n),
        _choice(rng, LEGAL_AID_INDUSTRY_P, n),
    )

    per_worker = np.where(
        workers >= 10,
        rng.lognormal(np.log(8_000), 0.6, n),
        rng.lognormal(np.log(11_500), 0.9, n),
    )
    claimed = _cents(rng, np.clip(workers * per_worker, 300, 5_000_000))

    cdf = OUTCOME_P_BY_SERVICE.cumsum(axis=1)[service]
    outcome = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), WITHDRAWN)
    closed = received + rng.integers(DAYS_TO_CLOSE[outcome, 0], DAYS_TO_CLOSE[outcome, 1] + 1)
    ratio = rng.uniform(RECOVERY_RATIO[outcome, 0], RECOVERY_RATIO[outcome, 1])
    recovered = np.floor(claimed * ratio).astype(np.int64)
    # A withdrawn case recovers nothing: some districts write 0, some leave it blank.
    recovered[(outcome == WITHDRAWN) & (rng.random(n) < 0.5)] = MISSING

    # Hotline and online cases often do not know the worker's street.
    street = _choice(rng, street_p, n)
    remote = (channel >= 2) & (rng.random(n) < 0.3)
    street[remote] = MISSING
    return {
        "seq": np.arange(1, n + 1),
        "received": received,
        "closed": closed,
        "street": street,
        "dispute": _choice(rng, DISPUTE_P, n),
        "service": service,
        "channel": channel,
        "workers": workers,
        "new_form": new_form.astype(np.int64),
        "industry": industry,
        "claimed": claimed,
        "recovered": recovered,
        "outcome": outcome,
    }


def legal_aid_as_of(table: Table, last_day: int) -> Table:
    """What the district knows at the data date: recent cases are still open."""
    t = _take(table, table["received"] <= last_day)
    still_open = t["closed"] > last_day
    t["outcome"] = np.where(still_open, OPEN, t["outcome"])
    t["closed"] = np.where(still_open, MISSING, t["closed"])
    t["recovered"] = np.where(still_open, MISSING, t["recovered"])
    return t


def wage_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    employers: FirmRegistry,
    skip_month: int | None,
) -> Table:
    cal = ctx.calendar
    annual = WAGE_PER_YEAR * (1 + WAGE_GROWTH) ** (year - cal.first_year)
    expected = annual * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA)
    opened = _daily_arrivals(rng, cal.year_days(year), expected, cal.shape("wage_recovery", year))
    if skip_month is not None:
        # The nil-return month: this district really had no wage cases then.
        opened = opened[_month_of(opened) != skip_month]
    n = len(opened)
    source = _choice(rng, WAGE_SOURCE_P, n)
    workers = np.select(
        [source == COMPLAINT, source == INSPECTION, source == INCIDENT],
        [
            np.minimum(rng.geometric(0.5, n), 9),
            rng.integers(2, 16, n),
            rng.integers(10, 121, n),
        ],
        np.minimum(rng.geometric(0.35, n), 20),
    )
    per_worker = np.where(
        source == INCIDENT,
        rng.lognormal(np.log(9_000), 0.5, n),
        rng.lognormal(np.log(5_000), 0.6, n),
    )
    owed = _cents(rng, workers * per_worker)
    resolved = opened + np.where(source == INCIDENT, rng.integers(1, 21, n), rng.integers(3, 61, n))
    full = rng.random(n) < 0.55
    recovered = np.where(full, owed, np.floor(owed * rng.uniform(0.5, 1.0, n))).astype(np.int64)
    # While a case is open, part of the money may already be back.
    partial = np.where(rng.random(n) < 0.7, 0, np.floor(recovered * rng.uniform(0.1, 0.6, n))).astype(np.int64)
    return {
        "seq": np.arange(1, n + 1),
        "opened": opened,
        "resolved": resolved,
        "source": source,
        "employer": employers.draw(rng, n, repeat_p=0.3),
        "workers": workers,
        "owed": owed,
        "recovered": recovered,
        "partial": partial,
        "status": np.zeros(n, dtype=np.int64),
    }


def wage_as_of(table: Table, last_day: int) -> Table:
    t = _take(table, table["opened"] <= last_day)
    still_open = t["resolved"] > last_day
    t["status"] = np.where(still_open, 1, 0)
    t["resolved"] = np.where(still_open, MISSING, t["resolved"])
    t["recovered"] = np.where(still_open, t["partial"], t["recovered"])
    return t


@dataclass
class CertHistory:
    """Earlier campaign results of one district, for renewals and re-applications."""

    certified: dict[int, np.ndarray] = field(default_factory=dict)
    failed: dict[int, np.ndarray] = field(default_factory=dict)


def _days_between(rng: np.random.Generator, first: dt.date, last: dt.date, n: int) -> np.ndarray:
    return rng.integers(_day(first), _day(last) + 1, size=n)


def certification_year(
    rng: np.random.Generator,
    district: District,
    year: int,
    ctx: Context,
    firms: FirmRegistry,
    history: CertHistory,
) -> Table:
    n_apps = int(
        rng.poisson(CERT_APPLICATIONS_PER_YEAR * district.weight * ctx.scale * rng.lognormal(0, DISTRICT_NOISE_SIGMA))
    )
    # A certificate lasts three years, so half of those certified three
    # campaigns ago renew; some that failed last year try again.
    prior = history.certified.get(year - 3, np.zeros(0, dtype=np.int64))
    renew = prior[rng.random(len(prior)) < 0.5]
    failed = history.failed.get(year - 1, np.zeros(0, dtype=np.int64))
    retry = failed[rng.random(len(failed)) < 0.4]
    returning = np.concatenate([renew, retry])
    _, first = np.unique(returning, return_index=True)
    returning = returning[np.sort(first)][:n_apps]
    firm = np.concatenate([returning, firms.add(rng, n_apps - len(returning))])
    n = len(firm)
    p_certified = np.where(np.isin(firm, renew), 0.9, np.where(np.isin(firm, retry), 0.6, 0.78))
    certified = rng.random(n) < p_certified

    # Applications come in March to June; most decisions fall in October to
    # December, some earlier.
    applied = _days_between(rng, dt.date(year, 3, 1), dt.date(year, 6, 30), n)
    late = rng.random(n) < 0.85
    decided = np.where(
        late,
        _days_between(rng, dt.date(year, 10, 1), dt.date(year, 12, 31), n),
        _days_between(rng, dt.date(year, 7, 1), dt.date(year, 9, 30), n),
    )
    score = np.where(certified, rng.integers(800, 1001, n), rng.integers(600, 796, n)) // 5 * 5
    revoked = np.where(certified & (rng.random(n) < 0.02), decided + rng.integers(60, 700, n), MISSING)
    employees = np.maximum(3, np.round(firms.employees[firm] * rng.lognormal(0, 0.08, n))).astype(np.int64)
    history.certified[year] = firm[certified & (revoked == MISSING)]
    history.failed[year] = firm[~certified]
    order = np.argsort(applied, kind="stable")  # rows in the order they applied
    return _take(
        {
            "firm": firm,
            "year": np.full(n, year),
            "certified": certified.astype(np.int64),
            "applied": applied,
            "decided": decided,
            "score": score,
            "revoked": revoked,
            "employees": employees,
            "assessing": (rng.random(n) < 0.85).astype(np.int64),
        },
        order,
    )


def certification_as_of(table: Table, last_day: int) -> Table:
    t = _take(table, table["applied"] <= last_day)
    decided = t["decided"] <= last_day
    july = (t["year"] - 1970).astype("datetime64[Y]").astype("datetime64[M]") + 6
    campaign_mid = july.astype("datetime64[D]").astype(np.int64)
    pending = np.where((last_day >= campaign_mid) & (t["assessing"] == 1), ASSESSING, APPLIED)
    status = np.where(t["certified"] == 1, CERTIFIED, NOT_CERTIFIED)
    revoked = (t["revoked"] != MISSING) & (t["revoked"] <= last_day)
    status = np.where(revoked, REVOKED, status)
    t["status"] = np.where(decided, status, pending)
    has_date = np.isin(t["status"], (CERTIFIED, REVOKED))
    t["certified_date"] = np.where(has_date, t["decided"], MISSING)
    t["valid_until"] = np.where(has_date, _plus_years(t["decided"], 3), MISSING)
    t["revoked_date"] = np.where(t["status"] == REVOKED, t["revoked"], MISSING)
    t["score"] = np.where(decided, t["score"], MISSING)
    return t


# ---------------------------------------------------------------------------
# The correction and the nil return
# ---------------------------------------------------------------------------


def correct_last_month(rng: np.random.Generator, table: Table, last_day: int) -> tuple[Table, np.ndarray]:
    """Change ~5 cases of the latest month that has cases; return the
    corrected table and the positions of the changed rows."""
    if len(table["received"]) == 0:
        return table, np.zeros(0, dtype=np.int64)
    month = table["received"].astype("datetime64[D]").astype("datetime64[M]")
    # A case received on the data date cannot have closed (it takes a day at least).
    closable = (table["outcome"] != OPEN) | (table["received"] < last_day)
    rows = np.flatnonzero((month == month.max()) & closable)
    rows = np.sort(rng.choice(rows, size=min(5, len(rows)), replace=False))
    t = {k: v.copy() for k, v in table.items()}
    for i in rows:
        claimed = int(t["claimed"][i])
        old = int(t["recovered"][i])
        if t["outcome"][i] in (OPEN, WITHDRAWN):
            # An open or withdrawn case turned out mediated after all.
            if t["outcome"][i] == OPEN:
                t["closed"][i] = int(rng.integers(t["received"][i] + 1, last_day + 1))
            t["outcome"][i] = MEDIATED
            t["recovered"][i] = int(claimed * rng.uniform(0.5, 1.0))
        else:
            new = int(claimed * rng.uniform(0.4, 1.0))
            t["recovered"][i] = new if new != old else max(old - 100, 0)
    return t, rows


# ---------------------------------------------------------------------------
# Rendering: from records to the cells a district writes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str  # text | district | date | count | int | money | score


COLUMNS: dict[str, tuple[Column, ...]] = {
    "legal_aid": (
        Column("case_id", "案件编号", "case_id", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("received_date", "受理日期", "received_date", "date"),
        Column("closed_date", "结案日期", "closed_date", "date"),
        Column("dispute_type", "争议类型", "dispute_type", "text"),
        Column("service_type", "服务方式", "service_type", "text"),
        Column("channel", "受理渠道", "channel", "text"),
        Column("workers", "涉及职工人数", "workers", "count"),
        Column("new_employment_form", "新就业形态", "new_employment_form", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("amount_claimed", "诉求金额", "amount_claimed", "money"),
        Column("amount_recovered", "挽回经济损失", "amount_recovered", "money"),
        Column("outcome", "办理结果", "outcome", "text"),
    ),
    "wage_recovery": (
        Column("record_id", "记录编号", "record_id", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("opened_date", "受理日期", "opened_date", "date"),
        Column("resolved_date", "办结日期", "resolved_date", "date"),
        Column("source", "来源", "source", "text"),
        Column("employer_name", "用人单位", "employer_name", "text"),
        Column("employer_uscc", "统一社会信用代码", "employer_uscc", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("workers", "涉及人数", "workers", "count"),
        Column("amount_owed", "欠薪金额", "amount_owed", "money"),
        Column("amount_recovered", "追回金额", "amount_recovered", "money"),
        Column("status", "状态", "status", "text"),
    ),
    "certification": (
        Column("enterprise_name", "企业名称", "enterprise_name", "text"),
        Column("enterprise_uscc", "统一社会信用代码", "enterprise_uscc", "text"),
        Column("district", "区", "district", "district"),
        Column("subdistrict", "街镇", "subdistrict", "text"),
        Column("industry", "行业", "industry", "text"),
        Column("employees", "职工人数", "employees", "count"),
        Column("campaign_year", "创建年度", "campaign_year", "int"),
        Column("score", "测评得分", "score", "score"),
        Column("status", "状态", "status", "text"),
        Column("certified_date", "认定日期", "certified_date", "date"),
        Column("valid_until", "有效期至", "valid_until", "date"),
        Column("revoked_date", "撤销日期", "revoked_date", "date"),
    ),
}
SERIAL = Column("serial", "序号", "no", "int")
REMARK = Column("remark", "备注", "remarks", "text")

DATASET_TITLES = {
    "legal_aid": "法律援助案件明细表",
    "wage_recovery": "追讨欠薪情况表",
    "certification": "和谐劳动关系达标企业创建情况表",
}
SHEET_NAMES = {
    "legal_aid": "法律援助",
    "wage_recovery": "追讨欠薪",
    "certification": "达标企业",
    "target": "年度目标",
}


def _labels(codes: np.ndarray, labels: tuple[str, ...]) -> list[str | None]:
    """Category codes to their labels; MISSING to a blank."""
    lookup = np.array(list(labels) + [""], dtype=object)
    out = lookup[np.where(codes == MISSING, len(labels), codes)].tolist()
    return [v or None for v in out]


def _id_width(seq: np.ndarray, minimum: int) -> int:
    """Digits of a record number: zero-padded, wider only at huge scales."""
    return max(minimum, len(str(int(seq.max())))) if len(seq) else minimum


def legal_aid_values(t: Table, district: District, year: int) -> dict[str, Any]:
    width = _id_width(t["seq"], 6)
    prefix = f"FY{district.code}-{year}-"
    return {
        "case_id": [f"{prefix}{s:0{width}d}" for s in t["seq"].tolist()],
        "subdistrict": _labels(t["street"], district.subdistricts),
        "received_date": t["received"],
        "closed_date": t["closed"],
        "dispute_type": _labels(t["dispute"], DISPUTE_TYPES),
        "service_type": _labels(t["service"], SERVICE_TYPES),
        "channel": _labels(t["channel"], CHANNELS),
        "workers": t["workers"],
        "new_employment_form": _labels(t["new_form"], FLAG),
        "industry": _labels(t["industry"], INDUSTRIES),
        "amount_claimed": t["claimed"],
        "amount_recovered": t["recovered"],
        "outcome": _labels(t["outcome"], OUTCOMES),
    }


def wage_values(t: Table, district: District, year: int, employers: FirmRegistry) -> dict[str, Any]:
    width = _id_width(t["seq"], 5)
    prefix = f"QX{district.code}-{year}-"
    firm = t["employer"]
    return {
        "record_id": [f"{prefix}{s:0{width}d}" for s in t["seq"].tolist()],
        "subdistrict": _labels(employers.street[firm], district.subdistricts),
        "opened_date": t["opened"],
        "resolved_date": t["resolved"],
        "source": _labels(t["source"], WAGE_SOURCES),
        "employer_name": [employers.names[i] for i in firm.tolist()],
        "employer_uscc": [employers.codes[i] for i in firm.tolist()],
        "industry": _labels(employers.industry[firm], INDUSTRIES),
        "workers": t["workers"],
        "amount_owed": t["owed"],
        "amount_recovered": t["recovered"],
        "status": _labels(t["status"], WAGE_STATUSES),
    }


def certification_values(t: Table, district: District, firms: FirmRegistry, style: Style) -> dict[str, Any]:
    firm = t["firm"]
    valid_until = t["valid_until"]
    if style.valid_until_blank:
        valid_until = np.full(len(firm), MISSING)
    return {
        "enterprise_name": [firms.names[i] for i in firm.tolist()],
        "enterprise_uscc": [firms.codes[i] for i in firm.tolist()],
        "subdistrict": _labels(firms.street[firm], district.subdistricts),
        "industry": _labels(firms.industry[firm], INDUSTRIES),
        "employees": t["employees"],
        "campaign_year": t["year"],
        "score": t["score"],
        "status": _labels(t["status"], CERT_STATUSES),
        "certified_date": t["certified_date"],
        "valid_until": valid_until,
        "revoked_date": t["revoked_date"],
    }


def _header(column: Column, style: Style) -> str:
    """The header a district writes: 万元 is always said; 元 only by some."""
    if style.headers == "en":
        return column.en
    if column.kind != "money" or (style.headers == "zh" and not style.wan):
        return column.zh
    unit = "万元" if style.wan else "元"
    if style.headers == "zh_units_ascii":
        return f"{column.zh}({unit})"
    return f"{column.zh}（{unit}）"


def _district_label(district: District, style: Style) -> str:
    return {
        "name": district.name_zh,
        "short": district.short_zh,
        "code": district.code,
        "en": district.name_en,
    }[style.district_label]


def _money_text(cents: list[int], style: Style) -> list[str]:
    if style.wan:
        # yuan / 10000 exactly: at most six decimals, trailing zeros dropped.
        return ["" if c == MISSING else f"{c // 1_000_000}.{c % 1_000_000:06d}".rstrip("0").rstrip(".") for c in cents]
    sep = "," if style.thousands else ""
    return ["" if c == MISSING else f"{c // 100:{sep}}.{c % 100:02d}" for c in cents]


def _date_text(days: np.ndarray, style: str) -> list[str]:
    y, m, d = _ymd(days)
    pattern = {
        "iso": "{0}-{1:02d}-{2:02d}",
        "dot": "{0}.{1}.{2}",
        "slash": "{0}/{1}/{2}",
        "cn": "{0}年{1}月{2}日",
    }[style]
    missing = (days == MISSING).tolist()
    return ["" if gone else pattern.format(a, b, c) for gone, a, b, c in zip(missing, y, m, d, strict=False)]


def _cells(column: Column, values: Any, style: Style) -> list[Any]:
    """One column's cells: strings for CSV; typed values (None for blank) for xlsx."""
    xlsx = style.fmt == "xlsx"
    if column.kind == "date":
        if xlsx and style.dates == "excel":
            return [None if v == MISSING else v + EXCEL_EPOCH_OFFSET for v in values.tolist()]
        text = _date_text(values, "iso" if style.dates == "excel" else style.dates)
        return [v or None for v in text] if xlsx else text
    if column.kind == "money":
        cents = values.tolist()
        if not xlsx:
            return _money_text(cents, style)
        divisor = 1_000_000 if style.wan else 100
        return [None if c == MISSING else c / divisor for c in cents]
    if column.kind == "score":  # stored in tenths of a point
        if xlsx:
            return [None if v == MISSING else v // 10 if v % 10 == 0 else v / 10 for v in values.tolist()]
        return ["" if v == MISSING else f"{v / 10:g}" for v in values.tolist()]
    if column.kind in ("count", "int"):
        return values.tolist() if xlsx else [str(v) for v in values.tolist()]
    return values if xlsx else ["" if v is None else v for v in values]


ROWS_PER_BLOCK = 50_000  # rows formatted at a time: bounds memory at large scales


@dataclass
class Sheet:
    """A file's content, format-independent; the data rows come in blocks."""

    title: str | None
    header: list[str]
    kinds: list[str]
    columns: list[Column]
    values: dict[str, Any]  # the year's values of every column
    rows: np.ndarray  # the positions of this file's rows in `values`
    label: str  # what the district column says
    style: Style
    totals: list[Any] | None
    footer: str | None

    def blocks(self) -> Iterator[Iterable[tuple[Any, ...]]]:
        """The data rows, a block of formatted cells at a time."""
        for start in range(0, len(self.rows), ROWS_PER_BLOCK):
            part = self.rows[start : start + ROWS_PER_BLOCK]
            yield zip(*(self._column(c, part, start) for c in self.columns), strict=False)

    def _column(self, column: Column, part: np.ndarray, start: int) -> list[Any]:
        if column.key == "district":
            return [self.label] * len(part)
        if column.key == "serial":
            return _cells(column, np.arange(start + 1, start + len(part) + 1), self.style)
        if column.key == "remark":
            return [None if self.style.fmt == "xlsx" else ""] * len(part)
        values = self.values[column.key]
        if isinstance(values, np.ndarray):
            return _cells(column, values[part], self.style)
        return _cells(column, [values[i] for i in part.tolist()], self.style)


def _sums(values: dict[str, Any], rows: np.ndarray) -> dict[str, int]:
    """Totals-row figures: counts and money (cents) over the given rows."""
    out = {}
    for key in (
        "workers",
        "employees",
        "amount_claimed",
        "amount_recovered",
        "amount_owed",
    ):
        if key in values:
            v = values[key][rows]
            out[key] = int(np.where(v == MISSING, 0, v).sum())
    return out


def _totals_row(columns: list[Column], sums: dict[str, int], style: Style) -> list[Any]:
    """合计: sums of the count and money columns, in the file's units."""
    blank = None if style.fmt == "xlsx" else ""
    row: list[Any] = []
    for c in columns:
        if c.kind in ("count", "money"):
            row.append(_cells(c, np.array([sums[c.key]]), style)[0])
        else:
            row.append(blank)
    row[0] = "合计"
    return row


def render(
    dataset: str,
    values: dict[str, Any],
    rows: np.ndarray,
    district: District,
    style: Style,
    title: str | None,
) -> Sheet:
    """Lay out one submission (the given rows of a year) in the district's style."""
    columns = list(COLUMNS[dataset])
    if style.district_first:
        columns.sort(key=lambda c: c.kind != "district")
    if style.serial_column:
        columns.insert(0, SERIAL)
    if style.remark_column:
        columns.append(REMARK)
    n = len(rows)
    totals = None
    if n and (style.fmt == "xlsx" or style.totals):
        totals = _totals_row(columns, _sums(values, rows), style)
    surname = SURNAMES[int(district.code) % len(SURNAMES)]
    checker = SURNAMES[(int(district.code) + 5) % len(SURNAMES)]
    footer = (
        f"填报单位：{district.name_zh}总工会  填报人：{surname}某  审核人：{checker}某"
        if style.fmt == "xlsx" and n
        else None
    )
    return Sheet(
        title=title,
        header=[_header(c, style) for c in columns],
        kinds=[c.kind for c in columns],
        columns=columns,
        values=values,
        rows=rows,
        label=_district_label(district, style),
        style=style,
        totals=totals,
        footer=footer,
    )


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def write_csv(path: Path, sheet: Sheet, encoding: str) -> None:
    width = len(sheet.header)
    with open(path, "w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        if sheet.title:
            # Saved from Excel, a title row keeps its empty cells.
            out.writerow([sheet.title] + [""] * (width - 1))
        out.writerow(sheet.header)
        for block in sheet.blocks():
            out.writerows(block)
        if sheet.totals:
            out.writerow(sheet.totals)


def _workbook(path: Path, created: dt.datetime) -> xlsxwriter.Workbook:
    # constant_memory streams rows to disk; the fixed document date (and
    # xlsxwriter's fixed zip timestamps) make the file byte-reproducible.
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties({"created": created, "author": "区总工会", "company": ""})
    return book


def write_xlsx(path: Path, sheet: Sheet, sheet_name: str, style: Style, created: dt.datetime) -> None:
    book = _workbook(path, created)
    ws = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True})
    title_format = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    number_formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "money": book.add_format({"num_format": "#,##0.000000" if style.wan else "#,##0.00"}),
    }
    for i, kind in enumerate(sheet.kinds):
        # Cells without a format of their own take the column's: dates
        # written as serial numbers become real Excel date cells.
        ws.set_column(
            i,
            i,
            14 if kind in ("date", "money") else 12,
            number_formats.get(kind) if style.dates == "excel" or kind != "date" else None,
        )
    row = 0
    if sheet.title:
        if style.merge_title:
            ws.merge_range(0, 0, 0, len(sheet.header) - 1, sheet.title, title_format)
        else:
            ws.write_string(0, 0, sheet.title, title_format)
        row = 1
    ws.write_row(row, 0, sheet.header, bold)
    row += 1
    for block in sheet.blocks():
        for values in block:
            ws.write_row(row, 0, values)
            row += 1
    if sheet.totals:
        ws.write_row(row, 0, sheet.totals)
        row += 1
    if sheet.footer:
        ws.write_string(row + 1, 0, sheet.footer)  # after one blank row
    book.close()


# ---------------------------------------------------------------------------
# Submissions of one district and year
# ---------------------------------------------------------------------------


@dataclass
class Submission:
    dataset: str
    months: tuple[int, int]
    rows: np.ndarray  # positions in the year's table
    kind: str = "regular"  # regular | correction | nil


def _month_groups(style: Style, last_month: int, current: bool) -> list[tuple[int, int]]:
    if not current or not style.split_current_year or last_month == 1:
        return [(1, last_month)]
    cut = min(6, last_month - 1)  # 1-6月 and 7-N月 (earlier in the year: 1..N-1, N)
    return [(1, cut), (cut + 1, last_month)]


def _fit_xlsx(months: tuple[int, int], per_month: np.ndarray, style: Style) -> list[tuple[int, int]]:
    """Split a month range until each part fits on one Excel sheet."""
    first, last = months
    if style.fmt != "xlsx" or per_month[first - 1 : last].sum() <= XLSX_MAX_DATA_ROWS:
        return [months]
    if first == last:
        raise ValueError("a single month does not fit on one sheet; lower the scale")
    mid = (first + last) // 2
    return _fit_xlsx((first, mid), per_month, style) + _fit_xlsx((mid + 1, last), per_month, style)


def plan_submissions(
    style: Style,
    district: District,
    year: int,
    cal: Calendar,
    legal: Table,
    wage: Table,
    cert: Table,
    corrected_rows: np.ndarray,
) -> list[Submission]:
    """The files of one district and year, in submission order."""
    last_month = cal.last_month(year)
    current = year == cal.data_date.year
    legal_month = _month_of(legal["received"])
    wage_month = _month_of(wage["opened"])
    nil_month = last_month if current and district.code == NIL_RETURN_DISTRICT else None
    subs: list[Submission] = []
    for first, last in _month_groups(style, last_month, current):
        for dataset, month in (
            ("legal_aid", legal_month),
            ("wage_recovery", wage_month),
        ):
            end = last - 1 if dataset == "wage_recovery" and nil_month == last else last
            if end < first:
                continue
            per_month = np.bincount(month, minlength=13)[1:]
            for lo, hi in _fit_xlsx((first, end), per_month, style):
                rows = np.flatnonzero((month >= lo) & (month <= hi))
                subs.append(Submission(dataset, (lo, hi), rows))
    subs.append(Submission("certification", (1, last_month), np.arange(len(cert["firm"]))))
    if nil_month is not None:
        subs.append(
            Submission(
                "wage_recovery",
                (nil_month, nil_month),
                np.zeros(0, dtype=np.int64),
                "nil",
            )
        )
    if len(corrected_rows):
        month = int(legal_month[corrected_rows[0]])
        subs.append(Submission("legal_aid", (month, month), corrected_rows, "correction"))
    return subs


def _file_name(index: int, sub: Submission, full_year: tuple[int, int], ext: str) -> str:
    name = f"{index:02d}_{sub.dataset}"
    if sub.kind == "correction":
        name += "_correction"
    if sub.months != full_year or sub.kind != "regular":
        first, last = sub.months
        name += f"_{first:02d}" if first == last else f"_{first:02d}-{last:02d}"
    return f"{name}.{ext}"


def _title(sub: Submission, year: int, district: District) -> str:
    first, last = sub.months
    months = f"{first}月" if first == last else f"{first}-{last}月"
    note = "（更正）" if sub.kind == "correction" else ""
    return f"{year}年{months}{district.name_zh}{DATASET_TITLES[sub.dataset]}{note}"


def _created(year: int, last_month: int, today: dt.date) -> dt.datetime:
    """A file's document date: a week into the month after its period."""
    after = dt.date(year + last_month // 12, last_month % 12 + 1, 8)
    return dt.datetime.combine(min(after, today), dt.time(9, 30))


# ---------------------------------------------------------------------------
# Manifest bookkeeping (integer cents: exact, and Decimal only at the end)
# ---------------------------------------------------------------------------


def _yuan(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


class Totals:
    """Expected rows, workers and money of one dataset, by district and month."""

    def __init__(self, months: list[str], districts: list[District]):
        self.months = months
        self.month_index = {m: i for i, m in enumerate(months)}
        self.codes = [d.code for d in districts]
        self.rows = np.zeros((len(self.codes), len(months)), dtype=np.int64)
        self.cents = np.zeros_like(self.rows)
        self.workers = 0

    def add(
        self,
        district: str,
        year: int,
        days: np.ndarray,
        cents: np.ndarray,
        workers: np.ndarray,
    ) -> None:
        """Count a district's rows of one year; `days` places each in its month."""
        k = self.codes.index(district)
        col = self.month_index[f"{year}-01"] + _month_of(days) - 1
        np.add.at(self.rows[k], col, 1)
        np.add.at(self.cents[k], col, np.where(cents == MISSING, 0, cents))
        self.workers += int(workers.sum())

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": int(self.rows.sum()),
            "amount_recovered_yuan": _yuan(int(self.cents.sum())),
            "workers": self.workers,
            "by_district": {
                c: {
                    "rows": int(self.rows[k].sum()),
                    "amount_recovered_yuan": _yuan(int(self.cents[k].sum())),
                }
                for k, c in enumerate(self.codes)
            },
            "by_month": {
                m: {
                    "rows": int(self.rows[:, i].sum()),
                    "amount_recovered_yuan": _yuan(int(self.cents[:, i].sum())),
                }
                for i, m in enumerate(self.months)
            },
        }


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def _round_target(value: float, step: int, minimum: int) -> int:
    return max(minimum, round(value / step) * step)


def target_rows(seed: int, year: int, district: District, planned: dict[str, float]) -> list[list[Any]]:
    """The city's yearly targets: about what the district will achieve."""
    rng = _rng(seed, STREAM_TARGET, district.code, year)
    cases = planned["legal_aid_cases"] * rng.uniform(0.95, 1.05)
    yuan = planned["wages_recovered_yuan"] * rng.uniform(0.95, 1.05)
    certified = planned["certified_enterprises"] * rng.uniform(0.95, 1.05)
    return [
        [
            year,
            district.name_zh,
            "legal_aid_cases",
            _round_target(cases, 10 if cases >= 200 else 1, 1),
        ],
        [
            year,
            district.name_zh,
            "wages_recovered_yuan",
            _round_target(yuan, 10_000 if yuan >= 1_000_000 else 100, 100),
        ],
        [
            year,
            district.name_zh,
            "certified_enterprises",
            _round_target(certified, 1, 1),
        ],
        [
            year,
            district.name_zh,
            "mediation_rate",
            [0.65, 0.70, 0.75][int(rng.integers(0, 3))],
        ],
    ]


def write_targets(path: Path, rows: list[list[Any]], created: dt.datetime) -> None:
    book = _workbook(path, created)
    ws = book.add_worksheet(SHEET_NAMES["target"])
    ws.write_row(0, 0, ["年度", "区", "指标", "目标值"], book.add_format({"bold": True}))
    ws.set_column(2, 2, 24)
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    book.close()


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------


@dataclass
class Run:
    """Everything one call of generate() accumulates while it writes."""

    out_dir: Path
    today: dt.date
    calendar: Calendar
    districts: list[District]
    files: list[dict[str, Any]] = field(default_factory=list)
    legal: Totals = field(init=False)
    wage: Totals = field(init=False)
    cert_rows: dict[str, int] = field(default_factory=dict)
    cert_certified: dict[str, int] = field(default_factory=dict)
    targets: dict[int, list[list[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.legal = Totals(self.calendar.months(), self.districts)
        self.wage = Totals(self.calendar.months(), self.districts)

    def record(
        self,
        path: Path,
        dataset: str,
        district: str | None,
        period: tuple[str, str],
        rows: int,
    ) -> None:
        self.files.append(
            {
                "path": path.relative_to(self.out_dir).as_posix(),
                "dataset": dataset,
                "district_code": district,
                "period": list(period),
                "rows": rows,
            }
        )


@dataclass
class DistrictState:
    """One district's generator state, carried from year to year."""

    district: District
    style: Style
    street_p: np.ndarray  # how cases and firms spread over its streets and towns
    employers: FirmRegistry
    enterprises: FirmRegistry
    history: CertHistory = field(default_factory=CertHistory)

    @classmethod
    def start(cls, seed: int, district: District) -> DistrictState:
        streets = _rng(seed, STREAM_STREETS, district.code)
        street_p = streets.dirichlet(np.full(len(district.subdistricts), 2.0))
        salt = int(_rng(seed, STREAM_CODES, district.code).integers(0, CODE_SPACE))
        # Enterprises number from the middle of the code space and share the
        # permutation, so an enterprise never gets an employer's code.
        return cls(
            district,
            STYLES[district.code],
            street_p,
            FirmRegistry(district, 0, WAGE_INDUSTRY_P, street_p, salt),
            FirmRegistry(district, CODE_SPACE // 2, CERT_INDUSTRY_P, street_p, salt),
        )


@dataclass
class YearPlan:
    """One district's year as drawn, before any cut at a data date."""

    legal: Table
    wage: Table
    cert: Table
    targets: list[list[Any]]


@dataclass
class YearRecords:
    """One district's records of one year, as known at the data date."""

    legal: Table  # as first submitted
    final_legal: Table  # after the correction (the same table for most districts)
    corrected: np.ndarray  # positions of the corrected cases
    wage: Table
    cert: Table


def plan_year(ctx: Context, state: DistrictState, year: int, nil_month: int | None = None) -> YearPlan:
    """Draw a district's whole year (the simulation itself): what the year will
    hold once every case is closed. Years must be drawn in order."""
    district, seed = state.district, ctx.seed
    legal = legal_aid_year(
        _rng(seed, STREAM_LEGAL_AID, district.code, year),
        district,
        year,
        ctx,
        state.street_p,
    )
    wage = wage_year(
        _rng(seed, STREAM_WAGE, district.code, year),
        district,
        year,
        ctx,
        state.employers,
        nil_month,
    )
    cert = certification_year(
        _rng(seed, STREAM_CERT, district.code, year),
        district,
        year,
        ctx,
        state.enterprises,
        state.history,
    )
    # Targets follow the whole year's plan, also for the current year.
    planned = {
        "legal_aid_cases": len(legal["seq"]),
        "wages_recovered_yuan": int(wage["recovered"].sum()) / 100,
        "certified_enterprises": int(cert["certified"].sum()),
    }
    return YearPlan(legal, wage, cert, target_rows(seed, year, district, planned))


def simulate_year(run: Run, ctx: Context, state: DistrictState, year: int) -> YearRecords:
    """Draw a district's year, set its targets from the plan, cut at the data date."""
    district, cal, seed = state.district, run.calendar, ctx.seed
    nil_month = None
    if year == cal.data_date.year and district.code == NIL_RETURN_DISTRICT:
        nil_month = cal.last_month(year)
    plan = plan_year(ctx, state, year, nil_month)
    run.targets.setdefault(year, []).extend(plan.targets)

    legal = legal_aid_as_of(plan.legal, cal.last_day)
    final_legal, corrected = legal, np.zeros(0, dtype=np.int64)
    if year == cal.data_date.year and district.code == CORRECTION_DISTRICT:
        final_legal, corrected = correct_last_month(
            _rng(seed, STREAM_CORRECTION, district.code, year), legal, cal.last_day
        )
    return YearRecords(
        legal,
        final_legal,
        corrected,
        wage_as_of(plan.wage, cal.last_day),
        certification_as_of(plan.cert, cal.last_day),
    )


def write_year(run: Run, state: DistrictState, year: int, records: YearRecords) -> None:
    """Write a district's files of one year into <year>/<district>/."""
    district, style = state.district, state.style
    last_month = run.calendar.last_month(year)
    values = {
        "legal_aid": legal_aid_values(records.legal, district, year),
        "wage_recovery": wage_values(records.wage, district, year, state.employers),
        "certification": certification_values(records.cert, district, state.enterprises, style),
        "correction": legal_aid_values(records.final_legal, district, year),
    }
    folder = run.out_dir / str(year) / district.code
    folder.mkdir(parents=True, exist_ok=True)
    subs = plan_submissions(
        style,
        district,
        year,
        run.calendar,
        records.legal,
        records.wage,
        records.cert,
        records.corrected,
    )
    for index, sub in enumerate(subs, start=1):
        source = values["correction" if sub.kind == "correction" else sub.dataset]
        # A file with no rows must declare its period in a title (a nil return).
        titled = style.fmt == "xlsx" or style.title or len(sub.rows) == 0
        title = _title(sub, year, district) if titled else None
        sheet = render(sub.dataset, source, sub.rows, district, style, title)
        path = folder / _file_name(index, sub, (1, last_month), style.fmt)
        if style.fmt == "xlsx":
            created = _created(year, sub.months[1], run.today)
            write_xlsx(path, sheet, SHEET_NAMES[sub.dataset], style, created)
        else:
            write_csv(path, sheet, style.encoding)
        period = (f"{year}-{sub.months[0]:02d}", f"{year}-{sub.months[1]:02d}")
        run.record(path, sub.dataset, district.code, period, len(sub.rows))


def count_year(run: Run, state: DistrictState, year: int, records: YearRecords) -> None:
    """Add a district's year to the manifest's expected figures."""
    code = state.district.code
    # The warehouse shows the last version of each key: the corrected cases.
    legal, wage, cert = records.final_legal, records.wage, records.cert
    run.legal.add(code, year, legal["received"], legal["recovered"], legal["workers"])
    run.wage.add(code, year, wage["opened"], wage["recovered"], wage["workers"])
    run.cert_rows[code] = run.cert_rows.get(code, 0) + len(cert["firm"])
    certified = int((cert["status"] == CERTIFIED).sum())
    run.cert_certified[code] = run.cert_certified.get(code, 0) + certified


def write_target_files(run: Run) -> None:
    """targets/<year>_年度目标.xlsx: one file a year, as the city sends them."""
    folder = run.out_dir / "targets"
    folder.mkdir(exist_ok=True)
    for year, rows in sorted(run.targets.items()):
        path = folder / f"{year}_年度目标.xlsx"
        sent = min(dt.date(year, 1, 15), run.today)
        write_targets(path, rows, dt.datetime.combine(sent, dt.time(9, 30)))
        run.record(path, "target", None, (f"{year}-01", f"{year}-12"), len(rows))


def build_manifest(run: Run, *, seed: int, scale: float) -> dict[str, Any]:
    """The files written and the figures the warehouse must show."""
    cert_by_district = {
        d.code: {"rows": run.cert_rows[d.code], "certified": run.cert_certified[d.code]} for d in run.districts
    }
    return {
        "seed": seed,
        "today": run.today.isoformat(),
        "scale": scale,
        "data_date": run.calendar.data_date.isoformat(),
        "files": sorted(run.files, key=lambda f: f["path"]),
        "expected": {
            "legal_aid": run.legal.as_dict(),
            "wage_recovery": run.wage.as_dict(),
            "certification": {
                "rows": sum(run.cert_rows.values()),
                "certified": sum(run.cert_certified.values()),
                "by_district": cert_by_district,
            },
            "target": {"rows": sum(len(r) for r in run.targets.values())},
        },
    }


def generate(out_dir: Path, *, seed: int, today: dt.date, scale: float = 1.0) -> dict:
    """Write the demo submissions and manifest.json into out_dir; return the manifest.

    Covers January four years before the data date's year through the data
    date (the last day of the month before `today`). `scale` multiplies every
    row count. The same arguments give byte-identical files.
    """
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        # Stale files from another run would be ingested with these ones.
        raise FileExistsError(f"输出目录不为空 / output folder is not empty: {out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)

    districts = load_districts()
    cal = Calendar(data_date_for(today), load_holidays())
    ctx = Context(seed, scale, cal, _day(dt.date(cal.first_year, 1, 1)), cal.last_day)
    run = Run(out_dir, today, cal, districts)

    # Districts are independent of each other; a district's years are drawn
    # in order because renewals and returning employers look back.
    for district in districts:
        state = DistrictState.start(seed, district)
        for year in cal.years:
            records = simulate_year(run, ctx, state, year)
            write_year(run, state, year, records)
            count_year(run, state, year, records)

    write_target_files(run)
    manifest = build_manifest(run, seed=seed, scale=scale)
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return manifest
