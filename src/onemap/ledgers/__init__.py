"""Farmland balance ledgers (占补平衡 / 进出平衡)."""
