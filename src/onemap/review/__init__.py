"""Site compliance review (用地预审与选址 合规性审查)."""
