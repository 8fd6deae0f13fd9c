"""Errors of the geohazard warning capability (地质灾害气象风险预警)."""

from __future__ import annotations

from onemap.errors import ImportRejected, InvalidInput, NotFound, TransitionRefused


class RainfallRejected(ImportRejected):
    """A rainfall file (station CSV or forecast grid) that cannot be used; nothing stored."""

    code = "rainfall_rejected"


class RulesInvalid(InvalidInput):
    """A warning rule file (预警规则) that does not parse or is inconsistent."""

    code = "hazard_rules_invalid"


class BatchNotFound(NotFound):
    """No warning batch (预警批次) with this id."""

    code = "hazard_batch_not_found"


class HazardPointNotFound(NotFound):
    """No registered hazard point (隐患点) with this number in the caller's scope."""

    code = "hazard_point_not_found"


class BatchClosed(TransitionRefused):
    """The warning batch was lifted (已解除): it takes no more responses."""

    code = "hazard_batch_closed"


class NoRainfall(InvalidInput):
    """No rainfall observations cover the requested day."""

    code = "hazard_no_rainfall"
