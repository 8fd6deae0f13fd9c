"""Carbon and ecosystem accounts (碳储量核算) and the restoration project library."""
