"""Enforcement cases and their workflow (卫片执法案件)."""
