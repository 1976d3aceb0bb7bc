"""Requests from other systems (a building's alarms, a help desk, a tenant portal) over a small
JSON API, authenticated by tokens an admin issues (source: api)."""
