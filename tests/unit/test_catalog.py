from wave.extensions import db
from wave.qr.models import Location
from wave.requests.catalog import offered_categories


def test_room_offers_its_groups_items(world):
    names = [c.name for c in offered_categories(world.room, None)]
    assert names == ["Trash removal", "Wet cleaning"]


def test_asset_list_wins_over_its_room(world):
    assert [c.name for c in offered_categories(world.room, world.printer)] == ["Printer problem"]


def test_a_room_without_a_list_inherits_from_its_floor_or_offers_all(world):
    corridor = Location(site=world.site, parent=world.floor, name="Corridor")
    db.session.add(corridor)
    db.session.commit()
    assert len(offered_categories(corridor, None)) == 3  # nothing set anywhere up the tree
