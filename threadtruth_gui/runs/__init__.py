"""Services on runs, above the engine and the scenarios: run files, child runs, many runs."""
