"""Mining supervision (矿产资源监管): rights, conflicts, quota control, restoration, green mines."""
