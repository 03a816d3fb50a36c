"""A node: its organization, key, database and the set-up that creates them."""
