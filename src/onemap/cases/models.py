"""Typed inputs and results of enforcement cases (卫片执法案件), the only schemas.

The platform's pre-judgement (``suspected``: 疑似违法) and a person's verdict
(``verdict``: 合法 / 违法 / 未变化 / 其他, standing once reviewed) are separate fields;
only ``illegal`` — a reviewed verdict of 违法 — says a case *is* a violation.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field


class CaseStatus(StrEnum):
    """Workflow states (案件状态)."""

    ISSUED = "issued"  # 已下发, awaiting the county's verification
    SUBMITTED = "submitted"  # 已举证, awaiting city/province review
    CONFIRMED = "confirmed"  # 审核通过, the verdict stands
    FILED = "filed"  # 已立案
    RECTIFYING = "rectifying"  # 整改中
    CLOSED = "closed"  # 已销号


STATUS_ZH: dict[str, str] = {"issued": "已下发待核查", "submitted": "已举证待审核",
                             "confirmed": "审核通过", "filed": "已立案", "rectifying": "整改中",
                             "closed": "已销号"}


class Verdict(StrEnum):
    """A person's verification verdict (核查结论)."""

    LEGAL = "合法"
    ILLEGAL = "违法"
    UNCHANGED = "未变化"
    OTHER = "其他"


class Action(StrEnum):
    """What a user does to a case (操作)."""

    CREATE = "create"  # 下发
    VERIFY = "verify"  # 核查举证
    APPROVE = "approve"  # 审核通过
    REJECT = "reject"  # 审核退回
    FILE = "file"  # 立案
    RECTIFY = "rectify"  # 整改
    CLOSE = "close"  # 销号
    COMMENT = "comment"  # 备注
    ATTACH = "attach"  # 上传附件
    SET_DUE = "set_due"  # 调整期限


ACTION_ZH: dict[str, str] = {"create": "下发", "verify": "核查举证", "approve": "审核通过",
                             "reject": "审核退回", "file": "立案", "rectify": "整改",
                             "close": "销号", "comment": "备注", "attach": "上传附件",
                             "set_due": "调整期限"}

ReasonApplies = Literal["not_violation", "reject", "open", "any"]
ActorLevel = Literal["province", "city", "county"]


class ReasonCode(BaseModel):
    """One configured reason code (原因代码)."""

    code: str
    text: str
    text_en: str = ""
    applies: ReasonApplies = "any"


class TransitionRequest(BaseModel):
    """A request to act on a case."""

    action: Action
    verdict: Verdict | None = Field(None, description="核查结论 (verify only)")
    reason_code: str | None = Field(None, description="原因代码: needed to reject and for "
                                                      "any verdict other than 违法")
    comment: str = Field("", max_length=4000, description="说明")
    expected_version: int | None = Field(
        None, ge=0, description="the case version the user saw (optimistic locking)")
    due_date: date | None = Field(None, description="new due date (期限)")
    event_date: date | None = Field(None, description="when the change happened on the "
                                                     "ground, if the verification found it")


class Decision(BaseModel):
    """What the state machine decided for a request (pure result)."""

    from_status: CaseStatus
    to_status: CaseStatus
    verdict: Verdict | None
    verdict_stands: bool
    due_date: date | None


class Case(BaseModel):
    """An enforcement case (执法案件) built from one change patch."""

    id: int
    case_no: str
    county: str
    township: str = ""
    batch_id: int | None = None
    patch_id: str
    status: CaseStatus
    status_zh: str
    suspected: bool = Field(description="平台预判疑似违法 (platform flag, not a verdict)")
    pre_judgement: str = Field(description="平台预判: 合法 / 疑似违法 / 待核查")
    classes: list[str] = Field(default_factory=list)
    from_code: str
    to_code: str
    area_m2: float
    approval_share: float = 0.0
    verdict: Verdict | None = Field(None, description="核查结论 (a person's)")
    verdict_stands: bool = Field(False, description="the verdict passed city/province review")
    illegal: bool = Field(False, description="确认违法: a reviewed verdict of 违法")
    detection_source: str = Field(description="检测来源: dltb_diff / monitoring")
    detected_on: date = Field(description="检测日期 (when the platform found the change)")
    event_date: date | None = Field(None, description="发生日期 (when it happened on the ground)")
    due_date: date | None = None
    version: int
    created_at: datetime
    updated_at: datetime
    geometry: dict[str, Any] | None = None


class CaseEvent(BaseModel):
    """One append-only event of a case (案件日志)."""

    seq: int
    at: datetime
    actor: str
    action: Action
    from_status: CaseStatus | None
    to_status: CaseStatus
    verdict: Verdict | None = None
    reason_code: str | None = None
    comment: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)


class Attachment(BaseModel):
    """A file attached to a case (附件), kept in the workspace with its checksum."""

    id: int
    case_id: int
    filename: str
    sha256: str
    size: int
    media_type: str
    uploaded_by: str
    uploaded_at: datetime
    event_seq: int


class CaseDetail(BaseModel):
    """A case with its history and attachments."""

    case: Case
    events: list[CaseEvent]
    attachments: list[Attachment]
    allowed_actions: list[Action] = Field(
        default_factory=list, description="actions the requesting user may take on this case "
                                          "now (same rules as the transition check)")


class DueWarning(BaseModel):
    """A case past or near its due date (超期预警)."""

    case_no: str
    county: str
    status: CaseStatus
    due_date: date
    days: int = Field(description="days overdue (> 0) or days left (≤ 0)")
    level: Literal["overdue", "due_soon"]


class SpotCaseIn(BaseModel):
    """A case opened outside a detection batch (e.g. 疑似无证开采 from the mining check).

    ``patch_id`` identifies the finding (one case per finding); ``reason_code`` is a
    configured code that ``applies`` to ``open``; ``geometry`` is GeoJSON (EPSG:4490).
    """

    patch_id: str = Field(min_length=1, max_length=64)
    county: str = Field(pattern=r"^\d{6}$")
    township: str = ""
    reason_code: str
    detection_source: str = Field(max_length=16, description="e.g. mining_check")
    from_code: str = ""
    to_code: str = ""
    area_m2: float = Field(ge=0)
    comment: str = Field("", max_length=4000)
    detail: dict[str, Any] = Field(default_factory=dict)
    geometry: dict[str, Any]


class OpenCasesResult(BaseModel):
    """Cases issued from a batch."""

    batch_id: int
    created: list[Case]
    skipped: int = Field(description="patches that already had a case")


class BoundaryPoint(BaseModel):
    """One vertex of the case boundary (界址点): lon/lat and Gauss–Krüger X/Y."""

    ring: int = Field(description="0 exterior, 1… holes; parts numbered in order")
    no: int
    lon: float
    lat: float
    x: float = Field(description="北坐标 X (m), CGCS2000 3° zone")
    y: float = Field(description="东坐标 Y (m) with zone prefix")


class LandUsePart(BaseModel):
    """Area of one land class inside the case boundary in one vintage."""

    code: str
    name: str
    area_m2: float
    share: float


class LandUseAt(BaseModel):
    """Land use of the spot in one DLTB vintage (历年地类)."""

    year: int
    parts: list[LandUsePart]


class ControlOverlap(BaseModel):
    """Overlap of the case with one control line or protected layer."""

    kind: str
    title: str
    area_m2: float
    share: float


class CaseSheet(BaseModel):
    """Evidence sheet (举证核查表) of one case; rendered to PDF by reports.case_sheet."""

    case: Case
    events: list[CaseEvent]
    attachments: list[Attachment]
    centroid_lon: float
    centroid_lat: float
    bbox: tuple[float, float, float, float]
    gk_zone: int
    boundary: list[BoundaryPoint]
    from_year: int | None
    to_year: int | None
    before: list[LandUsePart] = Field(description="前时相地类 inside the boundary")
    after: list[LandUsePart] = Field(description="后时相地类 inside the boundary")
    history: list[LandUseAt] = Field(description="every DLTB vintage held")
    controls: list[ControlOverlap] = Field(description="every control line, 0 when none")
    approvals: list[dict[str, Any]] = Field(description="approval records and their share")
    detection_source: str
    detected_on: date
    event_date: date | None
    generated_at: datetime
