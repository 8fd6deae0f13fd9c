"""Errors of the carbon accounts (碳储量核算) and the restoration project library."""

from __future__ import annotations

from onemap.errors import InvalidInput, NotFound


class DensityTableError(InvalidInput):
    """A carbon density table (碳密度表) is malformed: unknown class, negative value, no source."""

    code = "carbon_density_table_error"


class CarbonInputMissing(NotFound):
    """A DLTB vintage or detection batch the carbon account needs is not in the workspace."""

    code = "carbon_input_missing"


class ProjectNotFound(NotFound):
    """No restoration project with this number (项目编号) in the caller's scope."""

    code = "restoration_project_not_found"
