"""Users, roles, region scopes and tokens."""
