"""The seed import: its database read as it is (database.py), and written into Catalyst (importer.py)."""
