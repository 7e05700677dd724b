"""The demo community: a seeded, deterministic set of people and conversations about the Lumo Home range."""
