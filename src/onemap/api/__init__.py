"""FastAPI application: JSON API, OGC API Features/Tiles, web map, auth."""
