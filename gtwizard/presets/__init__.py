"""Product presets: one TOML file per client product plus the GT key presets (package data).

`gtwizard.presets.catalog` loads and validates them; import it explicitly. This package stays
empty so reading the data files never pulls in more than the loader needs.
"""
