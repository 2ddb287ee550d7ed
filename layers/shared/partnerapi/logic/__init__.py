"""Domain logic: one module per operation group of the spec, plus the shared ID-resolution procedure."""
