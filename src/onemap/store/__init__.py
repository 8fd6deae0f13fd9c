"""The workspace: catalog database, layer kinds, partitioned GeoParquet, import/export."""
