"""Natural-resource rights registration (自然资源统一确权登记): units, registers, coverage."""
