"""The category values as stored (see the contract), with the code numbers
the simulation draws for them: one list, for the files and the bulk output."""

from __future__ import annotations

import numpy as np

DISPUTE_TYPES = ("劳动报酬", "劳动合同", "社会保险", "工伤", "其他")
SERVICE_TYPES = ("法律咨询", "代写法律文书", "协商调解", "代理仲裁", "代理诉讼")
CHANNELS = ("工会窗口", "服务站点", "12351热线", "线上平台")
OUTCOMES = ("调解成功", "仲裁裁决", "判决", "撤回", "办理中")
MEDIATED, AWARDED, JUDGED, WITHDRAWN, OPEN = range(5)

WAGE_SOURCES = ("投诉举报", "专项检查", "突发事件处置", "工会协调")
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


def industry_p(**weights: float) -> np.ndarray:
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
