"""Official area statistics tables (统计汇总)."""
