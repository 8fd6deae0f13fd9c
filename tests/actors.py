"""Actors shared by tests: the Jiangxi province admin the old ``SYSTEM`` constant was."""

from onemap.store.access import Actor, Role

SYSTEM = Actor(username="system", role=Role.ADMIN, regions=["360000"], origin="local")
