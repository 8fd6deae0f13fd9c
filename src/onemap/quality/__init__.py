"""Quality checks (质检) of a layer → findings."""
