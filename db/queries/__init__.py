"""Query modules, one per table family; each function takes a ``Session`` and returns domain records."""
