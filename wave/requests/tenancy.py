"""Which tenant organisation a place belongs to: the lease of the nearest location up the
tree. Requests take their organisation and SLA class from here when they are created."""

from sqlalchemy import delete, select

from wave import reference
from wave.extensions import db
from wave.qr.models import Location
from wave.requests.models import Lease, TenantOrg


def tenant_for(location: Location) -> TenantOrg | None:
    """The organisation renting `location` or the nearest location around it, if any."""
    ident = location.id
    return reference.rows(("tenant", ident), lambda session: _tenant_for(session, ident))


def _tenant_for(session, location_id: int) -> TenantOrg | None:
    path = session.get(Location, location_id).path  # outermost first
    leases = {
        lease.location_id: lease.tenant_org
        for lease in session.scalars(
            select(Lease).where(Lease.location_id.in_([node.id for node in path]))
        )
    }
    for node in reversed(path):
        org = leases.get(node.id)
        if org is not None and org.archived_at is None:
            return org
    return None


def own_tenant(location: Location) -> TenantOrg | None:
    """The organisation leasing this very location (not one around it)."""
    lease = db.session.get(Lease, location.id)
    return lease.tenant_org if lease else None


def set_tenant(location: Location, org: TenantOrg | None) -> None:
    """Leases the location to `org` (None: no lease of its own). Commits."""
    db.session.execute(delete(Lease).where(Lease.location_id == location.id))
    if org is not None:
        db.session.add(Lease(location_id=location.id, tenant_org_id=org.id))
    db.session.commit()
