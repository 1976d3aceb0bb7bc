"""Erasing a requester's contact details when they ask (DESIGN.md, Privacy)."""
