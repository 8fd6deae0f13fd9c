"""Typer command-line interface: one command group per capability."""
