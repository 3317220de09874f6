"""Employers and enterprises of one district: names that fit their industry,
valid unified social credit codes (GB 32100) that never repeat, and streets."""

from __future__ import annotations

import numpy as np

from ingest.demo.draws import choice
from ingest.demo.reference import District
from ingest.uscc import CHARSET, check_char

CODE_SPACE = 31**6  # six free characters of the organisation code
CODE_MULTIPLIER = 387_420_489  # 3**18, coprime with 31: an affine permutation

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
        industry = choice(rng, self.industry_p, count)
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
        self.street = np.concatenate([self.street, choice(rng, self.street_p, count)])
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
