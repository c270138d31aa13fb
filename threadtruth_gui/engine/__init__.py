"""The engine: runs scenario code, records its events, folds them into lanes. No Qt here."""
