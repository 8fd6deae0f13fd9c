"""OGC API building blocks: CRS handling, CQL2 filters, item paging, GeoJSON, HTML."""
