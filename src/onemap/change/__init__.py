"""Vintage diff and change classification (变化监测)."""

from onemap.change.classify import default_rules as _default_rules
from onemap.standards.labels import register as _register

# The built-in classes' names (label domain ``change_class``); load_rules adds a workspace's.
_register("change_class", {r.id: (r.name, r.name_en or r.name) for r in _default_rules().rules})
