"""schemathesis against the generated OpenAPI document (/api): no server errors anywhere."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from api_helpers import build_workspace, token_for
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from onemap.api.app import create_app
from onemap.api.deps import ApiSettings

# schemathesis parametrises at collection time, so the app is built at import: a small
# workspace in a temporary folder removed at exit (pytest's from_fixture loader does not
# work with this pytest version).
_ROOT = Path(tempfile.mkdtemp(prefix="onemap-schemathesis-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
_WS = build_workspace(_ROOT / "ws")
_APP = create_app(ApiSettings(workspace=_WS.root), _WS)
_HEADERS = token_for(_WS, "admin")
schema = schemathesis.openapi.from_asgi("/api", _APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    headers = {**(case.headers or {}), **_HEADERS}
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
