"""Schemas of curated related-work tables (registered into `data.REGISTRY`)."""
