"""Who may see and change the registry."""

from wave.auth.access import roles_required

registry_reader = roles_required("admin", "manager")
"""Pages that show the registry: admins and managers (read-only for managers)."""

registry_editor = roles_required("admin")
"""Every change to the registry: admins only."""
