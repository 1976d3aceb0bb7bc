"""The registry an admin keeps: places and their tags, label sheets, imports, people and the
catalogue of request types. Managers may read every page; only admins change anything.

Each sub-domain has its own blueprint module under /admin: places, labels, imports, people,
catalog.
"""
