"""HTML/PDF/XLSX rendering and static maps."""
