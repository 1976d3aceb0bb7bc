"""The history bench/generate_requests.py writes: the world (sites, rooms, equipment,
people, tenants, the catalogue and SLA) and every request's life from its creation to now,
simulated the way Wave's own code moves a request and the worker watches its deadlines.

Times are epoch seconds (floats, kept to the millisecond) until they are written."""

from __future__ import annotations

import base64
import heapq
import json
import math
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from generate_requests_data import (
    API,
    ASSET_GROUPS,
    CLASS_FACTOR,
    COMMENTS,
    EMOJI,
    GROUP_TEAM,
    HOUR_OFFICE,
    HOUR_WAREHOUSE,
    ITEMS,
    MODELS,
    OTHER,
    PRIORITIES,
    RATINGS,
    RESPONSE_MEDIAN,
    SAYINGS,
    SCHEDULED,
    SITES,
    SOURCE_NAMES,
    SOURCES,
    TEAM_SHARES,
    TEAMS,
    TRAVEL,
    VACATION,
    WAREHOUSE_FACTORS,
    WEEK_OFFICE,
    WEEK_WAREHOUSE,
    WORDS,
    chat_text,
    company_name,
    describe,
    full_name,
    holidays_of,
    office_rooms,
    person_parts,
    requester_email,
    requester_phone,
    room_assets,
    say,
    staff_phone,
    warehouse_rooms,
)
from werkzeug.security import generate_password_hash

from wave.demo import CATEGORIES as DEMO_CATEGORIES
from wave.qr.codes import ALPHABET
from wave.sla import hours

PASSWORD = "wave-bench"
TICK = 30.0  # the worker's default interval: deadlines are noticed within it
DAY = 86400.0
OPEN = ("new", "assigned", "in_progress", "on_hold", "reopened")
WAITING = ("new", "assigned", "in_progress", "reopened")  # open, and the clock running
WORKING = ("assigned", "in_progress", "reopened")  # what "due soon" looks at


# The history's tables: on PostgreSQL truncated and COPYed with FREEZE, indexes built after.
HISTORY_TABLES = (
    "threads",
    "thread_members",
    "chat_categories",
    "messages",
    "message_versions",
    "reactions",
    "mentions",
    "service_requests",
    "request_events",
    "sla_firings",
)

# The columns of the rows built here, in their order, each with its kind: i integer, s text,
# t timestamp (epoch seconds here), b boolean, j JSON, d date. Listed explicitly;
# generate_requests.check_columns() compares them with the migrated database (a new column
# they would not fill, a generated one they must not write).
_SPEC = {
    "teams": "id:i name:s archived_at:t",
    "users": "id:i username:s display_name:s password_hash:s role:s phone:s locale:s "
    "created_at:t archived_at:t",
    "team_members": "team_id:i user_id:i",
    "sites": "id:i name:s address:s timezone:s archived_at:t",
    "site_calendars": "site_id:i hours:s",
    "holidays": "id:i site_id:i day:d name:s",
    "locations": "id:i site_id:i parent_id:i name:s kind:s external_id:s archived_at:t",
    "assets": "id:i site_id:i location_id:i name:s kind:s external_id:s archived_at:t",
    "qr_tags": "id:i code:s location_id:i asset_id:i created_at:t revoked_at:t scan_count:i",
    "categories": "id:i parent_id:i name:s default_team_id:i default_priority:s "
    "requires_photo:b response_minutes:i resolution_minutes:i position:i archived_at:t",
    "location_categories": "location_id:i category_id:i",
    "asset_categories": "asset_id:i category_id:i",
    "tenant_orgs": "id:i name:s sla_class:s archived_at:t",
    "leases": "location_id:i tenant_org_id:i",
    "sla_policies": "id:i category_id:i priority:s sla_class:s response_minutes:i "
    "resolution_minutes:i",
    "threads": "id:i kind:s title:s created_at:t created_by_id:i team_id:i direct_key:s "
    "last_message_id:i",
    "thread_members": "thread_id:i user_id:i joined_at:t last_read_id:i muted:b counted:b",
    "chat_categories": "thread_id:i category_id:i",
    "messages": "id:i thread_id:i author_id:i kind:s body:s client_id:s reply_to_id:i "
    "request_id:i created_at:t edited_at:t",
    "message_versions": "id:i message_id:i body:s written_at:t replaced_at:t",
    "reactions": "message_id:i user_id:i emoji:s created_at:t",
    "mentions": "message_id:i user_id:i",
    "service_requests": "id:i source:s category_id:i site_id:i location_id:i asset_id:i "
    "qr_tag_id:i description:s priority:s status:s requester_name:s requester_phone:s "
    "requester_email:s requester_locale:s tenant_org_id:i sla_class:s team_id:i "
    "assignee_id:i created_by_id:i created_at:t first_response_at:t started_at:t "
    "hold_started_at:t hold_seconds:i hold_reason:s resume_at:t resolved_at:t closed_at:t "
    "cancel_reason:s response_due_at:t resolution_due_at:t sla_paused_seconds:i "
    "next_due_at:t rating:i feedback:s labor_minutes:i tracking_token:s submission_key:s "
    "thread_id:i source_message_id:i",
    "request_events": "id:i request_id:i kind:s actor_id:i from_status:s to_status:s data:j "
    "public:b created_at:t",
    "sla_firings": "request_id:i key:s fired_at:t",
}
COLUMNS = {table: [tuple(c.split(":")) for c in spec.split()] for table, spec in _SPEC.items()}
REFERENCE_TABLES = tuple(t for t in COLUMNS if t not in HISTORY_TABLES)


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _ms(t: float) -> float:
    """Times are kept to the millisecond: sums of floats round back to the exact value."""
    return round(t, 3)


def _cum(weights) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


COMMENT_COUNTS = [n for n, _w in COMMENTS]
COMMENT_CUM = _cum(w for _n, w in COMMENTS)

SPELLED: dict[int, tuple[dict, str]] = {}
"""Payloads used again and again, by id(), with how COPY spells them (see constant()). The
payload is kept with its spelling: a payload freed (a generator of an earlier run in this
process) would free its id for another dict, which would then be spelled as the old one."""


def constant(data: dict) -> dict:
    """A timeline payload that repeats: spelled for COPY once, as the app stores JSON
    (json.dumps' defaults, SQLAlchemy's JSON type), backslashes doubled for COPY."""
    SPELLED[id(data)] = (data, json.dumps(data).replace("\\", "\\\\"))
    return data


# =============================================================================== the clock
class Clock:
    """A site's working time over epoch seconds, as wave.sla.hours computes it. The working
    spans of the whole history (and a year after) are listed once, so that adding working
    time or measuring it is a binary search, not a walk over days; outside that range it
    asks wave.sla.hours. The integration test checks the due times against the app's."""

    def __init__(self, calendar: hours.Calendar, since: float, until: float):
        self.calendar = calendar
        self.always = calendar.always_open
        if self.always:
            return
        start, end = _dt(since - 8 * DAY), _dt(until + 400 * DAY)
        # wave.sla.hours' own span walk (private, on purpose: these due times must be the
        # app's to the microsecond, DST and holidays included).
        spans = [(a.timestamp(), b.timestamp()) for a, b in hours._spans(calendar, start, end)]
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]
        self.before = _cum([0.0] + [b - a for a, b in spans])[:-1]  # work before each span
        self.upto = [w + (b - a) for w, (a, b) in zip(self.before, spans, strict=True)]
        self.low, self.high = since - 7 * DAY, until + 200 * DAY

    def _worked(self, t: float) -> float:
        i = bisect_right(self.ends, t)
        return self.before[i] + min(max(t - self.starts[i], 0.0), self.ends[i] - self.starts[i])

    def add(self, t: float, seconds: float) -> float:
        """hours.add_business_time(calendar, t, seconds)."""
        if self.always:
            return _ms(t + seconds)
        if not self.low <= t <= self.high:
            delta = timedelta(seconds=seconds)
            return hours.add_business_time(self.calendar, _dt(t), delta).timestamp()
        if seconds <= 0:
            return self.next_open(t)
        target = self._worked(t) + seconds
        j = bisect_left(self.upto, target - 1e-6)
        if j == len(self.upto):  # beyond the listed spans (work abandoned for years)
            delta = timedelta(seconds=seconds)
            return hours.add_business_time(self.calendar, _dt(t), delta).timestamp()
        return _ms(self.starts[j] + (target - self.before[j]))

    def between(self, a: float, b: float) -> float:
        """hours.business_time_between(calendar, a, b) in seconds."""
        if b <= a:
            return 0.0
        if self.always:
            return b - a
        if not (self.low <= a <= self.high and self.low <= b <= self.high):
            return hours.business_time_between(self.calendar, _dt(a), _dt(b)).total_seconds()
        return self._worked(b) - self._worked(a)

    def next_open(self, t: float) -> float:
        if self.always:
            return t
        if not self.low <= t <= self.high:
            return hours.next_open(self.calendar, _dt(t)).timestamp()
        i = bisect_right(self.ends, t)
        return max(self.starts[i], t)

    def is_open(self, t: float) -> bool:
        return self.next_open(t) == t


# =============================================================================== the world
class Person:
    __slots__ = (
        "id",
        "username",
        "name",
        "role",
        "lang",
        "teams",
        "sites",
        "weight",
        "since",
        "until",
    )

    def active(self, t: float) -> bool:
        return self.since <= t and (self.until is None or t < self.until)


class Place:
    """A room (or zone) or an asset in it: what a request is about."""

    __slots__ = (
        "location_id",
        "asset_id",
        "tag_id",
        "site",
        "name",
        "floor",
        "floor_id",
        "kind",
        "org",
        "hot",
        "asset_name",
    )


class Site:
    __slots__ = (
        "id",
        "index",
        "name",
        "tz",
        "lang",
        "country",
        "kind",
        "hours",
        "size",
        "clock",
        "holidays",
        "places",
        "zone",
    )


class World:
    """The reference data, written once and then drawn from by every request."""

    def __init__(self, args, rng: random.Random, start: float, end: float):
        self.rng, self.start, self.end = rng, start, end
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self._catalogue()
        self._sites(args.places)
        self._people(args.staff)
        self._tenants()
        self._sla()
        self._draws()

    def add(self, table: str, *row):
        self.rows[table].append(row)

    # ---- the demo's groups and items; one team per group
    def _catalogue(self):
        self.teams = {name: number for number, name in enumerate(TEAMS, 1)}
        for name, number in self.teams.items():
            self.add("teams", number, name, None)
        self.groups, self.items, next_id = {}, [], 1
        for position, (group, (_team, entries)) in enumerate(DEMO_CATEGORIES.items()):
            team = self.teams[GROUP_TEAM[group]]
            self.groups[group] = next_id
            self.add(
                "categories",
                next_id,
                None,
                group,
                team,
                "normal",
                False,
                None,
                None,
                position,
                None,
            )
            parent, next_id = next_id, next_id + 1
            for item_position, (name, priority, photo, response, resolution) in enumerate(entries):
                self.add(
                    "categories",
                    next_id,
                    parent,
                    name,
                    team,
                    priority,
                    photo,
                    response,
                    resolution,
                    item_position,
                    None,
                )
                self.items.append(Item(next_id, group, name, priority, photo, team))
                next_id += 1
        changed = {item.name for item in self.items} ^ set(ITEMS)
        if changed:
            raise SystemExit(f"wave.demo's categories changed; update ITEMS here: {changed}")
        self.item = {item.name: item for item in self.items}

    # ---- sites, floors, rooms, assets, QR tags
    def _sites(self, places: int):
        rng = self.rng
        self.sites: list[Site] = []
        for index in range(max(1, min(len(SITES) * 3, round(places / 420)))):
            lang, country, kind, work_hours, tz, name, address = SITES[index % len(SITES)]
            site = Site()
            site.id, site.index, site.lang, site.country = index + 1, index, lang, country
            site.name = name if index < len(SITES) else f"{name} {index // len(SITES) + 1}"
            site.kind, site.hours, site.tz, site.zone = kind, work_hours, tz, ZoneInfo(tz)
            site.size, site.places = rng.uniform(0.5, 1.6), []
            self.sites.append(site)
            self.add("sites", site.id, site.name, address, tz, None)
            if work_hours:
                self.add("site_calendars", site.id, work_hours)
        total = sum(s.size for s in self.sites)
        self.location_id = self.asset_id = self.tag_id = 0
        self.codes: set[str] = set()
        for site in self.sites:
            self._building(site, max(8, round(places * site.size / total)))
        holiday_id = 0
        for site in self.sites:
            site.holidays = set()
            for year in range(_dt(self.start).year - 1, _dt(self.end).year + 2):
                for day, holiday in holidays_of(site.country, year):
                    site.holidays.add(day)
                    if site.hours:  # a 24/7 calendar has no holidays
                        holiday_id += 1
                        self.add("holidays", holiday_id, site.id, day, holiday)
        self.rooms = [p for s in self.sites for p in s.places if p.asset_id is None]
        self.assets = [p for s in self.sites for p in s.places if p.asset_id is not None]
        # Hot spots: a few rooms, and a few assets that fail again and again.
        for place in rng.sample(self.rooms, max(1, len(self.rooms) // 60)):
            place.hot = rng.uniform(3, 8)
        for place in rng.sample(self.assets, max(1, len(self.assets) // 70)):
            place.hot = rng.uniform(4, 10)

    def _location(self, site, parent, name, kind, external):
        self.location_id += 1
        self.add("locations", self.location_id, site.id, parent, name, kind, external, None)
        return self.location_id

    def _tag(self, location_id, asset_id):
        rng = self.rng
        code = ""
        while not code or code in self.codes:
            code = "".join(rng.choice(ALPHABET) for _ in range(8))
        self.codes.add(code)
        self.tag_id += 1
        made = _ms(self.start - rng.uniform(30, 400) * DAY)
        self.add(
            "qr_tags",
            self.tag_id,
            code,
            location_id,
            asset_id,
            made,
            None,
            int(rng.expovariate(1 / 40)),
        )
        return self.tag_id

    def _building(self, site: Site, budget: int):
        rng, words = self.rng, WORDS[site.lang]
        used, number = 0, 0
        while used < budget:
            number += 1
            if site.kind == "warehouse":
                floor_name, kind = words["building"].format(n=number), "zone"
                rooms = warehouse_rooms(rng, number, site.lang)
            else:
                key = "ground" if number == 1 else "floor"
                floor_name, kind = words[key].format(n=number), "floor"
                rooms = office_rooms(rng, number, site.lang)
            floor_id = self._location(site, None, floor_name, kind, f"F{number:02d}")
            used += 1
            for room_number, (room_type, room_name) in enumerate(rooms, 1):
                if used >= budget:
                    break
                external = f"F{number:02d}-R{room_number:02d}"
                room_id = self._location(site, floor_id, room_name, "room", external)
                tag = self._tag(room_id, None)
                site.places.append(
                    _place(site, room_id, None, tag, room_name, floor_name, floor_id, room_type)
                )
                for group_id in self.groups.values():
                    self.add("location_categories", room_id, group_id)
                used += 1
                for asset_kind, asset_name in room_assets(rng, room_type, room_name, site.lang):
                    self.asset_id += 1
                    self.add(
                        "assets",
                        self.asset_id,
                        site.id,
                        room_id,
                        asset_name,
                        asset_kind,
                        f"{external}-A{self.asset_id}",
                        None,
                    )
                    tag = self._tag(None, self.asset_id)
                    asset = _place(
                        site,
                        room_id,
                        self.asset_id,
                        tag,
                        room_name,
                        floor_name,
                        floor_id,
                        asset_kind,
                    )
                    asset.asset_name = asset_name
                    site.places.append(asset)
                    for group in ASSET_GROUPS[asset_kind]:
                        self.add("asset_categories", self.asset_id, self.groups[group])
                    used += 1

    # ---- people, teams, who covers which site
    def _people(self, staff: int):
        rng = self.rng
        self.people: list[Person] = []
        self.usernames: set[str] = set()
        # One cheap hash for everyone: the benchmark signs in, it does not measure scrypt.
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        desk = [("admin", "admin"), ("manager", "manager"), ("dispatcher", "dispatcher")]
        desk += [(None, "admin")] + [(None, "manager")] * (staff // 80)
        desk += [(None, "dispatcher")] * (1 + staff // 40)
        for username, role in desk:
            self._person(role, username)
        counts = [1] * len(TEAMS)
        for _ in range(max(0, staff - len(TEAMS))):
            counts[rng.choices(range(len(TEAMS)), weights=TEAM_SHARES)[0]] += 1
        sizes = [s.size for s in self.sites]
        for team_index, count in enumerate(counts):
            for rank in range(1, count + 1):
                person = self._person("staff")
                person.teams = [team_index + 1]
                person.sites = {rng.choices(self.sites, weights=sizes)[0].index}
                if rng.random() < 0.2:
                    person.sites.add(rng.randrange(len(self.sites)))
                # A few people carry much more than their share (the team's go-to people).
                person.weight = rng.lognormvariate(0, 0.5) / rank**0.35
                if rng.random() < 0.06:
                    person.weight *= 3.5
                if rng.random() < 0.04:
                    person.teams.append(rng.randint(1, len(TEAMS)))
        self.desk = [p for p in self.people if p.role == "dispatcher"]
        self.managers = [p for p in self.people if p.role == "manager"]
        for index, person in enumerate(self.desk):
            person.weight = 2.0 if index == 0 else rng.uniform(0.5, 1.5)
        self.by_team_site = {}
        for team_id in self.teams.values():
            members = [p for p in self.people if team_id in p.teams]
            for site in self.sites:
                if not any(site.index in p.sites for p in members):
                    rng.choice(members).sites.add(site.index)
            for site in self.sites:
                here = [p for p in members if site.index in p.sites]
                self.by_team_site[team_id, site.index] = (here, _cum(p.weight for p in here))
        for person in self.people:
            self.add(
                "users",
                person.id,
                person.username,
                person.name,
                password_hash,
                person.role,
                staff_phone(rng, person.lang),
                person.lang if rng.random() < 0.85 else None,
                person.since,
                person.until,
            )
            teams = set(self.teams.values()) if person.role == "manager" else set(person.teams)
            for team_id in sorted(teams):
                self.add("team_members", team_id, person.id)
        self.desk_cum = _cum(p.weight for p in self.desk)
        self.members = {
            team_id: sorted(
                {p.id for p in self.people if team_id in p.teams or p.role == "manager"}
            )
            for team_id in self.teams.values()
        }

    def _person(self, role: str, username: str | None = None) -> Person:
        rng = self.rng
        person = Person()
        person.id = len(self.people) + 1
        person.role, person.teams, person.sites, person.weight = role, [], set(), 1.0
        person.lang = "ru" if rng.random() < 0.6 else "en"
        person.name, base = full_name(rng, person.lang)
        username = username or base
        n = 1
        while username in self.usernames:
            n += 1
            username = f"{base}{n}"
        self.usernames.add(username)
        person.username = username
        person.since, person.until = _ms(self.start - rng.uniform(30, 900) * DAY), None
        if role == "staff":
            span = self.end - self.start
            if rng.random() < 0.12:  # hired during the history
                person.since = _ms(self.start + rng.uniform(0.05, 0.85) * span)
            if rng.random() < 0.08:  # left: archived, never deleted
                person.until = _ms(rng.uniform(max(person.since, self.start) + 30 * DAY, self.end))
        self.people.append(person)
        return person

    # ---- tenants: offices leased in blocks, a few whole floors
    def _tenants(self):
        rng = self.rng
        self.orgs, names = [], set()
        for site in self.sites:
            if site.kind == "warehouse":
                continue
            floors: dict[int, list[Place]] = {}
            for place in site.places:
                if place.asset_id is None:
                    floors.setdefault(place.floor_id, []).append(place)
            for floor_id, rooms in floors.items():
                offices = [p for p in rooms if p.kind == "office"]
                if len(offices) >= 6 and rng.random() < 0.15:  # one company takes the floor
                    org = self._org(site, names)
                    self.add("leases", floor_id, org[0])
                    for place in rooms:
                        place.org = org
                    continue
                i = 0
                while i < len(offices):
                    size = rng.choice((1, 1, 2, 2, 3, 4, 6, 8))
                    if rng.random() < 0.82:
                        org = self._org(site, names)
                        for place in offices[i : i + size]:
                            self.add("leases", place.location_id, org[0])
                            place.org = org
                    i += size
        for site in self.sites:  # equipment belongs to its room's tenant
            rooms = {p.location_id: p for p in site.places if p.asset_id is None}
            for place in site.places:
                place.org = rooms[place.location_id].org

    def _org(self, site: Site, names: set) -> tuple:
        rng = self.rng
        lang = site.lang if rng.random() < 0.8 else OTHER[site.lang]
        name, slug = company_name(rng, lang)
        tries = 0
        while name in names:
            tries += 1
            name, slug = company_name(rng, lang)
            if tries > 30:
                name, slug = f"{name} {tries}", f"{slug}{tries}"
        names.add(name)
        org = (len(self.orgs) + 1, rng.choices("ABC", weights=(15, 60, 25))[0], slug)
        self.orgs.append(org)
        self.add("tenant_orgs", org[0], name, org[1], None)
        return org

    def _sla(self):
        """The demo's policies (class A and urgent work faster) and a few specific ones."""
        rows = [(None, None, "A", 15, 4 * 60), (None, "urgent", None, 10, 2 * 60)]
        rows += [
            (self.item["Leak"].id, "urgent", "A", 5, 60),
            (self.item["Wi-Fi or network"].id, None, "A", 10, 60),
            (self.item["Air conditioner fault"].id, "high", "A", 15, 240),
        ]
        for number, row in enumerate(rows, 1):
            self.add("sla_policies", number, *row)

    # ---- what requests are drawn from
    def _draws(self):
        months = range(12)
        self.month_volume = [
            sum(ITEMS[i.name][0] * _season(i.name, m) for i in self.items) for m in months
        ]
        mean = sum(self.month_volume) / 12
        self.month_volume = [v / mean * VACATION[m] for m, v in enumerate(self.month_volume)]
        self.item_cum = {}
        for kind in ("office", "warehouse"):
            for m in months:
                weights = [
                    ITEMS[i.name][0] * _season(i.name, m) * _site_factor(kind, i)
                    for i in self.items
                ]
                self.item_cum[kind, m] = _cum(weights)
        self.source_cum = {}
        for item in self.items:
            for kind in ("office", "warehouse"):
                weights = []
                for source, weight in SOURCES:
                    if source == "schedule" and item.name not in SCHEDULED:
                        weight = 0.0
                    if source == "api" and item.name not in API:
                        weight = 0.0
                    if kind == "warehouse":
                        weight *= {"qr": 0.6, "chat": 1.8, "desk": 1.2}.get(source, 1.0)
                    weights.append(weight)
                self.source_cum[item.id, kind] = _cum(weights)
        self.place_cum = {}

    def places_for(self, site: Site, item: Item):
        """The places of a site a request of this kind is about, with cumulative weights."""
        key = (site.index, item.id)
        if key not in self.place_cum:
            _base, _season_, rooms_by_type, asset_kinds, share, _labor, _hold = ITEMS[item.name]
            rooms = [
                (p, rooms_by_type.get(p.kind, 0) * p.hot) for p in site.places if p.asset_id is None
            ]
            assets = [(p, asset_kinds.get(p.kind, 0) * p.hot) for p in site.places if p.asset_id]
            rooms = [(p, w) for p, w in rooms if w > 0] or [
                (p, 1.0) for p in site.places if p.asset_id is None
            ]
            assets = [(p, w) for p, w in assets if w > 0]
            share = share if assets else 0.0
            room_total = sum(w for _p, w in rooms)
            asset_total = sum(w for _p, w in assets) or 1.0
            weighted = [(p, w * (1 - share) / room_total) for p, w in rooms]
            weighted += [(p, w * share / asset_total) for p, w in assets]
            self.place_cum[key] = ([p for p, _w in weighted], _cum(w for _p, w in weighted))
        return self.place_cum[key]

    # ---- drawing people
    def worker(self, team_id: int, site: int, t: float) -> Person:
        """Someone of the team working at the site then, as often as each one takes work."""
        people, cum = self.by_team_site[team_id, site]
        for _ in range(6):
            person = self.rng.choices(people, cum_weights=cum)[0]
            if person.active(t):
                return person
        members = [p for p in self.people if team_id in p.teams and p.active(t)]
        return self.rng.choice(members or people)

    def dispatcher(self) -> Person:
        return self.rng.choices(self.desk, cum_weights=self.desk_cum)[0]


class Item:
    __slots__ = ("id", "group", "name", "priority", "photo", "team")

    def __init__(self, id, group, name, priority, photo, team):
        self.id, self.group, self.name, self.priority = id, group, name, priority
        self.photo, self.team = photo, team


def _place(site, location_id, asset_id, tag_id, name, floor, floor_id, kind) -> Place:
    place = Place()
    place.location_id, place.asset_id, place.tag_id = location_id, asset_id, tag_id
    place.site, place.name, place.floor, place.floor_id, place.kind = (
        site,
        name,
        floor,
        floor_id,
        kind,
    )
    place.org, place.hot, place.asset_name = None, 1.0, None
    return place


def _season(name: str, month: int) -> float:
    season = ITEMS[name][1]
    return season[month] if season else 1.0


def _site_factor(kind: str, item: Item) -> float:
    if kind != "warehouse":
        return 1.0
    return WAREHOUSE_FACTORS.get(item.name, WAREHOUSE_FACTORS.get(item.group, 1.0))


# =============================================================================== arrivals
def arrivals(world: World, total: int):
    """Every request's creation: lists of (time, site) per hour, hours in order. Volume
    follows each site's local working week and day, holidays, seasons and slow growth;
    exactly `total` in all (each hour gets its share of the running sum, rounded)."""
    rng, start, end = world.rng, world.start, world.end
    first = math.floor(start / 3600) * 3600
    hours_n = math.ceil((end - first) / 3600)
    zones = [ZoneInfo(s.tz) for s in world.sites]
    weights, grand = [], 0.0
    for h in range(hours_n):
        t = first + h * 3600
        growth = 0.8 + 0.4 * (t - start) / (end - start)
        row = []
        for site, zone in zip(world.sites, zones, strict=True):
            local = datetime.fromtimestamp(t + 1800, zone)
            office = site.kind != "warehouse"
            w = site.size * growth * world.month_volume[local.month - 1]
            w *= (HOUR_OFFICE if office else HOUR_WAREHOUSE)[local.hour]
            w *= (WEEK_OFFICE if office else WEEK_WAREHOUSE)[local.weekday()]
            if local.date() in site.holidays:
                w *= 0.25 if office else 0.6
            row.append(w)
        weights.append(row)
        grand += sum(row)
    made, running = 0, 0.0
    for h, row in enumerate(weights):
        running += sum(row)
        count = round(total * running / grand) - made
        if count <= 0:
            continue
        made += count
        t = first + h * 3600
        hour_start, hour_end = max(t, start), min(t + 3600, end)
        if hour_end <= hour_start:
            continue
        sites = rng.choices(world.sites, weights=row, k=count)
        yield [(_ms(hour_start + rng.random() * (hour_end - hour_start)), site) for site in sites]


def draw(world: World, t: float, site: Site) -> tuple:
    """What a request created at t at this site is about, and where it came from."""
    rng = world.rng
    item = rng.choices(world.items, cum_weights=world.item_cum[site.kind, _dt(t).month - 1])[0]
    places, cum = world.places_for(site, item)
    place = rng.choices(places, cum_weights=cum)[0]
    source = rng.choices(SOURCE_NAMES, cum_weights=world.source_cum[item.id, site.kind])[0]
    if source == "schedule":  # scheduled work is raised on the hour
        t = max(world.start, _ms(math.floor(t / 3600) * 3600 + rng.uniform(1, 90)))
    return t, site, item, place, source


# =============================================================================== the history
EVENT, MESSAGE, THREAD = 0, 1, 2


class Msg:
    """A message waiting for its id (given when it is written, in time order)."""

    __slots__ = (
        "id",
        "thread",
        "author",
        "kind",
        "body",
        "client",
        "reply",
        "request",
        "edited",
        "old_body",
        "reactions",
        "mentions",
        "comment",
    )

    def __init__(self, thread, author, kind, body, request=None, client=None, comment=None):
        self.id, self.thread, self.author, self.kind, self.body = None, thread, author, kind, body
        self.client, self.request, self.comment = client, request, comment
        self.reply = self.edited = self.old_body = None
        self.reactions = self.mentions = ()


class History:
    """Requests simulated one at a time in the order they were created, each from its
    creation to now (or to the end of its life). Their events and messages wait in a heap
    and are written in time order, so ids grow with time as in a live database: by the
    time request n is created, everything before its creation has been written."""

    def __init__(self, world: World, sink, sla, now: float):
        self.world, self.sink, self.rng, self.now = world, sink, world.rng, now
        self.targets, self.rules, self.autoclose_days = sla
        self.heap: list = []
        self.seq = self.event_id = self.message_id = self.version_id = 0
        self.message_clock = 0.0  # the last message written: ids follow time
        self.team_thread = {team: n for n, team in enumerate(sorted(world.teams.values()), 1)}
        self.thread_base = len(self.team_thread)  # request n's thread is thread_base + n
        self.team_log = {thread: ([], []) for thread in self.team_thread.values()}
        self.chatter: dict[int, Msg] = {}
        # The timeline's most frequent payloads, spelled once (see constant()).
        self.empty = constant({})
        self.source_data = {s: constant({"source": s}) for s in SOURCE_NAMES}
        self.photos_data = {n: constant({"photos": n}) for n in (0, 1)}
        self.rating_data = {n: constant({"rating": n}) for n in range(1, 6)}
        self.by_tenant = constant({"by": "tenant"})
        self.by_autoclose = constant({"by": "autoclose", "days": self.autoclose_days})
        self.rule_data = {k: constant({"rule": k, "rule_id": r[0]}) for k, r in self.rules.items()}
        self.cached: dict = {}

    def data(self, **fields) -> dict:
        """A payload that repeats (labor minutes, reasons, assignees): made once."""
        key = tuple(fields.items())
        found = self.cached.get(key)
        if found is None:
            found = self.cached[key] = constant(fields)
        return found

    # ---- writing in time order
    def push(self, t: float, kind: int, payload):
        heapq.heappush(self.heap, (t, self.seq, kind, payload))
        self.seq += 1

    def release(self, until: float):
        heap = self.heap
        while heap and heap[0][0] <= until:
            t, _seq, kind, payload = heapq.heappop(heap)
            if kind == EVENT:
                self._event(t, *payload)
            elif kind == MESSAGE:
                self._message(t, payload)
            else:
                self._thread(*payload)

    def _event(self, t, request_id, kind, actor, from_status, to_status, data, public, told=None):
        self.event_id += 1
        self.sink.add(
            "request_events",
            (self.event_id, request_id, kind, actor, from_status, to_status, data, public, t),
        )
        if told is not None:  # a staff member's change is told in the request's thread too
            self._message(t, told)

    def _message(self, t: float, m: Msg):
        self.message_id += 1
        m.id = self.message_id
        self.message_clock = t
        reply = m.reply.id if m.reply is not None else None
        self.sink.add(
            "messages",
            (m.id, m.thread, m.author, m.kind, m.body, m.client, reply, m.request, t, m.edited),
        )
        if m.old_body is not None:
            self.version_id += 1
            self.sink.add("message_versions", (self.version_id, m.id, m.old_body, t, m.edited))
        for user, emoji, at in m.reactions:
            self.sink.add("reactions", (m.id, user, emoji, at))
        for user in m.mentions:
            self.sink.add("mentions", (m.id, user))
        if m.comment is not None:  # a message in a request's discussion is a comment on it
            self._event(t, m.comment, "comment", m.author, None, None, {"message_id": m.id}, False)
        if m.thread <= self.thread_base:
            times, ids = self.team_log[m.thread]
            times.append(t)
            ids.append(m.id)

    def _thread(self, thread_id, created, messages, readers, counted):
        last = max((m.id for m in messages), default=None)
        self.sink.add("threads", (thread_id, "request", None, created, None, None, None, last))
        for user, (joined, own) in readers.items():
            read = last if self.rng.random() < 0.6 else own[-1].id
            self.sink.add("thread_members", (thread_id, user, joined, read, False, counted))

    def firing(self, request_id: int, key: str, t: float):
        self.sink.add("sla_firings", (request_id, key, t))

    # ---- one request
    def _facts(self, rid: int, t0: float, site: Site, item: Item, place: Place, source: str):
        """What the request's row says from the start: who raised it and how, its priority,
        class and deadlines, the requester's contact and words."""
        w, rng, clock = self.world, self.rng, site.clock
        lang = site.lang if rng.random() < 0.88 else OTHER[site.lang]
        priority, creator, source_message = item.priority, None, None
        if source == "desk":
            creator = w.dispatcher()
            r = rng.random()
            step = 1 if r < 0.12 else -1 if r < 0.17 else 0
            priority = PRIORITIES[min(3, max(0, PRIORITIES.index(priority) + step))]
        elif source == "api":
            priority = "high" if priority in ("low", "normal") else priority
        elif source == "schedule" and rng.random() < 0.7:
            priority = "low"
        elif source == "chat":
            creator, source_message = self._from_chat(rid, t0, site, item, place, lang)
        org = place.org
        cls = org[1] if org else "B"
        response_minutes, resolution_minutes = self.targets[item.id, priority, cls]
        name = phone = email = None
        if source in ("qr", "desk"):
            p_name, p_phone, p_email = (0.55, 0.3, 0.25) if source == "qr" else (0.9, 0.75, 0.15)
            first, last, latin = person_parts(rng, lang)
            if rng.random() < p_name:
                name = first if rng.random() < 0.5 else f"{first} {last}"
            if rng.random() < p_phone:
                phone = requester_phone(rng, site.country if lang == site.lang else lang)
            if rng.random() < p_email:
                email = requester_email(rng, latin, org)
        return {
            "rid": rid, "t0": t0, "site": site, "item": item, "place": place, "source": source,
            "lang": lang, "priority": priority, "cls": cls, "org": org, "creator": creator,
            "name": name, "phone": phone, "email": email,
            "locale": creator.lang if creator is not None and source != "chat" else lang,
            "description": describe(rng, lang, item.name, place, source),
            "response_due": clock.add(t0, response_minutes * 60) if response_minutes else None,
            "resolution_minutes": resolution_minutes,
            "resolution_s": resolution_minutes * 60 if resolution_minutes else None,
            "source_message": source_message, "thread_id": self.thread_base + rid,
        }  # fmt: skip

    def _from_chat(self, rid, t0, site, item, place, lang) -> tuple[Person, Msg]:
        """A colleague's message in the team's chat, and who turned it into the request."""
        w, rng = self.world, self.rng
        author = w.worker(item.team, site.index, t0) if rng.random() < 0.7 else w.dispatcher()
        r = rng.random()
        if r < 0.55:
            creator = author
        else:
            creator = w.dispatcher() if r < 0.8 else w.worker(item.team, site.index, t0)
        text = chat_text(rng, lang, item.name, place)
        message = Msg(
            self.team_thread[item.team], author.id, "text", text, request=rid, client=_uuid(rng)
        )
        # Written at once, some minutes before the request: its id is needed now.
        sent = max(t0 - 60 * 3 * rng.lognormvariate(0, 0.8), t0 - 3600, self.message_clock)
        self._message(_ms(sent), message)
        return creator, message

    def request(self, rid: int, t0: float, site: Site, item: Item, place: Place, source: str):
        """Simulate one request from its creation; its row and timeline go to the sink (the
        timeline through the heap). Returns its status now."""
        req = self._facts(rid, t0, site, item, place, source)
        w, rng, clock, lang = self.world, self.rng, site.clock, req["lang"]
        team, thread_id, creator = item.team, req["thread_id"], req["creator"]
        priority, cls = req["priority"], req["cls"]
        resolution_minutes, contact = req["resolution_minutes"], req["phone"] or req["email"]
        lognorm = rng.lognormvariate

        # ---- the plan: what will happen, ignoring now
        plan: list[tuple] = []

        def at(t, action, *args):
            plan.append((_ms(t), len(plan), action, args))

        at(t0, "created")
        forgotten = rng.random() < 0.03  # sits for days or weeks
        abandoned = rng.random() < 0.0015  # never really dealt with
        r = rng.random()
        cancel = "early" if r < 0.014 else "work" if r < 0.035 else None
        if source == "chat" and rng.random() < 0.5:  # given to someone right away
            mine = team in creator.teams and rng.random() < 0.75
            assignee = creator if mine else w.worker(team, site.index, t0)
            response = (t0, "taken" if mine else "assigned", creator, assignee)
        else:
            minutes = RESPONSE_MEDIAN[priority] * CLASS_FACTOR[cls] * lognorm(0, 0.9)
            if forgotten or abandoned:
                minutes *= rng.uniform(20, 300)
            if clock.always and _night(site, t0):
                minutes *= 3
            t = clock.add(t0, minutes * 60)
            assignee = w.worker(team, site.index, t)
            if rng.random() < 0.3:
                response = (t, "assigned", w.dispatcher(), assignee)
            else:
                response = (t, "taken", assignee, assignee)
        resp_t = response[0]
        if cancel == "early":
            cancel_t = t0 + 60 * max(1.0, 25 * lognorm(0, 1.0))
            if cancel_t < resp_t:
                at(cancel_t, "cancel", w.dispatcher(), say(rng, lang, "cancel"))
                plan.sort()
                return self._apply(req, plan)
            cancel = "work"
        at(*response)
        reply_early = False
        if source in ("qr", "desk") and rng.random() < (0.25 if contact else 0.06):
            if rng.random() < 0.4:
                reply_t = clock.add(t0, 60 * 4 * lognorm(0, 0.8))
                if reply_t < resp_t:
                    at(reply_t, "reply", w.dispatcher(), say(rng, lang, "reply"))
                    reply_early = True

        travel = TRAVEL[priority] * lognorm(0, 0.8)
        work = max(10.0, (resolution_minutes or 240) * 0.28 * lognorm(0, 0.9))
        if forgotten:
            work *= rng.uniform(8, 60)
        if abandoned:
            work *= rng.uniform(500, 3000)
        travel = min(travel, work * 0.4)
        starts = rng.random() < 0.86
        from_t = clock.add(resp_t, travel * 60) if starts else resp_t
        remaining = (work - travel) * 60 if starts else work * 60
        if starts:
            at(from_t, "start")
        base, _s, _r, _a, _share, labor_median, hold_p = ITEMS[item.name]
        if rng.random() < hold_p:
            hold_t = clock.add(from_t, remaining * rng.uniform(0.1, 0.6))
            worked = clock.between(from_t, hold_t)
            held = max(1800.0, 3600 * 24 * lognorm(0, 1.2)) * (4 if forgotten else 1)
            reason = say(rng, lang, "hold")
            if rng.random() < 0.5:  # with a resume time: the worker reminds the assignee
                resume_at = math.ceil((hold_t + held) / 3600) * 3600.0
                remind = clock.next_open(resume_at) + rng.uniform(0.5, TICK)
                at(hold_t, "hold", reason, resume_at)
                at(remind, "reminder", resume_at)
                resume_t = remind + 60 * 40 * lognorm(0, 0.8)
            else:
                at(hold_t, "hold", reason, None)
                resume_t = clock.next_open(hold_t + held) + 60 * 10 * lognorm(0, 1.0)
            at(resume_t, "resume")
            done_t = clock.add(_ms(resume_t), max(60.0, remaining - worked))
        else:
            done_t = clock.add(from_t, remaining)
        end_t = done_t
        cancel_t = None
        if cancel == "work":
            cancel_t = resp_t + rng.uniform(0.05, 0.95) * (done_t - resp_t)
            actor = assignee if rng.random() < 0.6 else w.dispatcher()
            at(cancel_t, "cancel", actor, say(rng, lang, "cancel"))
            end_t = cancel_t
        if (
            source in ("qr", "desk")
            and not reply_early
            and rng.random() < (0.2 if contact else 0.04)
        ):
            replier = assignee if rng.random() < 0.6 else w.dispatcher()
            at(rng.uniform(resp_t, end_t), "reply", replier, say(rng, lang, "reply"))
        self._comments(at, rng, lang, site, item, place, assignee, resp_t, end_t, rid, thread_id)
        if cancel_t is None:
            if rng.random() < 0.25:
                text = say(rng, lang, "done")
                at(
                    max(resp_t, done_t - rng.uniform(5, 120)),
                    "comment",
                    Msg(thread_id, assignee.id, "text", text, client=_uuid(rng), comment=rid),
                )
            labor = max(5, round(min(work, labor_median * lognorm(0, 0.6)) / 5) * 5)
            at(done_t, "done", labor)
            confirmable = source == "qr" or (source == "desk" and req["email"] is not None)
            final_done = self._closing(at, rng, lang, clock, done_t, work, labor, confirmable)
            if confirmable and rng.random() < (0.3 if source == "qr" else 0.12):
                at(final_done + 3600 * 3 * lognorm(0, 1.3), "rate")
        else:
            plan[:] = [p for p in plan if p[0] <= _ms(cancel_t)]
        plan.sort()
        return self._apply(req, plan)

    def _comments(self, at, rng, lang, site, item, place, assignee, start, end, rid, thread_id):
        """The staff's talk in the request's discussion while the work goes on."""
        count = rng.choices(COMMENT_COUNTS, cum_weights=COMMENT_CUM)[0]
        if not count or end <= start:
            return
        w, previous = self.world, None
        for t in sorted(start + rng.random() * (end - start) for _ in range(count)):
            r = rng.random()
            if r < 0.6:
                author = assignee
                pool = "take" if t - start < 0.15 * (end - start) else "work"
            elif r < 0.8:
                author, pool = w.dispatcher(), "desk"
            elif r < 0.95:
                author, pool = w.worker(item.team, site.index, t), "work"
            else:
                author, pool = rng.choice(w.managers), "desk"
            body = say(
                rng,
                lang,
                pool,
                username=assignee.username,
                part=rng.choice(SAYINGS["part"][lang]),
                model=rng.choice(MODELS),
            )
            m = Msg(thread_id, author.id, "text", body, client=_uuid(rng), comment=rid)
            if "@" in body and assignee.id != author.id:
                m.mentions = (assignee.id,)
            if previous is not None and rng.random() < 0.1:
                m.reply = previous
            if rng.random() < 0.03 and " " in body:
                edited = _ms(t + 60 * 3 * rng.lognormvariate(0, 1.0))
                if edited <= self.now:
                    m.edited, m.old_body = edited, body.rsplit(" ", 1)[0]
            if rng.random() < 0.08 and author.id != assignee.id:
                reacted = _ms(t + 60 * 10 * rng.lognormvariate(0, 1.0))
                if reacted <= self.now:
                    m.reactions = ((assignee.id, rng.choice(EMOJI), reacted),)
            at(t, "comment", m)
            previous = m

    def _closing(self, at, rng, lang, clock, done_t, work, labor, confirmable, reopen=True):
        """After the work is done: the tenant confirms, reopens, or it closes by itself."""
        auto_t = done_t + self.autoclose_days * DAY + rng.uniform(0.5, TICK)
        if confirmable and reopen and rng.random() < 0.035:
            reopen_t = done_t + 3600 * 4 * rng.lognormvariate(0, 1.0)
            if reopen_t < auto_t - TICK:
                at(reopen_t, "reopen", say(rng, lang, "reopen"))
                restart_t = clock.add(_ms(reopen_t), 60 * 40 * rng.lognormvariate(0, 0.8))
                at(restart_t, "restart")
                again_t = clock.add(restart_t, max(600.0, work * 30 * rng.lognormvariate(0, 0.6)))
                at(again_t, "done", max(5, round(labor / 10) * 5))
                return self._closing(at, rng, lang, clock, again_t, work, labor, confirmable, False)
        if confirmable and rng.random() < 0.45:
            confirm_t = done_t + 3600 * 2 * rng.lognormvariate(0, 1.2)
            if confirm_t < auto_t:
                at(confirm_t, "confirm")
                return done_t
        at(auto_t, "autoclose")
        return done_t

    def _apply(self, req: dict, plan: list):
        """Play the plan up to now: the timeline's events and messages, the request's row."""
        rng, now = self.rng, self.now
        rid, t0, site, item = req["rid"], req["t0"], req["site"], req["item"]
        clock, thread_id, resolution_s = site.clock, req["thread_id"], req["resolution_s"]
        creator = req["creator"]
        status, assignee, first_response, started, taken_at = "new", None, None, None, None
        hold_start = hold_reason = resume_at = resolved = closed = cancel_reason = None
        hold_seconds = paused = labor = 0
        rating = feedback = None
        reopened = False
        due = clock.add(t0, resolution_s) if resolution_s else None
        segments, since = [], t0  # (from, to, status, resolution due then)
        messages: list[Msg] = []
        readers: dict[int, tuple] = {}

        def event(t, kind, actor, from_status, to_status, data, public=True, told=None):
            if told is not None:
                told = Msg(thread_id, actor.id, "event", told)
                messages.append(told)
            self.push(
                t,
                EVENT,
                (
                    rid,
                    kind,
                    actor.id if actor else None,
                    from_status,
                    to_status,
                    data,
                    public,
                    told,
                ),
            )

        for t, _order, action, args in plan:
            if t > now:
                break
            before = status
            if hold_start is not None and action in ("resume", "done", "cancel"):
                held = clock.between(hold_start, t)  # wave.requests.due.hold_ended
                paused += int(held + 1e-6)
                due = clock.add(t0, resolution_s + paused) if resolution_s else None
                hold_seconds += int(t - hold_start + 1e-6)
                hold_start = resume_at = None
            if action == "created":
                event(t, "created", creator, None, "new", self.source_data[req["source"]])
            elif action in ("taken", "assigned"):
                actor, person = args
                previous, assignee = assignee, person
                status = "assigned"
                first_response = first_response or t
                taken_at = taken_at or t
                if action == "taken":
                    event(t, "taken", actor, before, status, self.empty, told="taken")
                else:
                    data = self.data(
                        assignee_id=person.id,
                        previous_assignee_id=previous.id if previous else None,
                    )
                    event(
                        t, "assigned", actor, before, status, data, told=f"assigned\n{person.name}"
                    )
            elif action == "reply":
                actor, text = args
                first_response = first_response or t
                event(t, "reply", actor, None, None, self.data(text=text))
            elif action in ("start", "resume", "restart"):
                status = "in_progress"
                started = started or t
                event(t, "status", assignee, before, status, self.empty, told="status:in_progress")
            elif action == "hold":
                hold_reason, resume_at = args
                status, hold_start = "on_hold", t
                data = {"reason": hold_reason, "resume_at": _iso(resume_at) if resume_at else None}
                event(
                    t,
                    "status",
                    assignee,
                    before,
                    status,
                    data,
                    told=f"status:on_hold\n{hold_reason}",
                )
            elif action == "reminder":
                key = _iso(args[0])
                event(t, "reminder", None, None, None, {"resume_at": key}, public=False)
                self.firing(rid, f"resume:{key}", t)
            elif action == "comment":
                m = args[0]
                messages.append(m)
                if m.kind == "text" and rng.random() < 0.5:  # opened the discussion as a chat
                    joined, own = readers.get(m.author, (t, []))
                    readers[m.author] = (joined, own + [m])
                self.push(t, MESSAGE, m)
            elif action == "done":
                if args[0]:
                    labor += args[0]
                    minutes = self.data(minutes=args[0], assignee_id=assignee.id)
                    event(t, "labor", assignee, None, None, minutes, public=False)
                status, resolved, started = "done", t, started or t
                photos = self.photos_data[1 if item.photo else 0]
                event(t, "status", assignee, before, status, photos, told="status:done")
            elif action in ("confirm", "autoclose"):
                status, closed = "closed", t
                by = self.by_tenant if action == "confirm" else self.by_autoclose
                event(t, "status", None, before, status, by)
            elif action == "reopen":
                status, resolved, reopened = "reopened", None, True
                event(t, "reopened", None, before, status, {"comment": args[0], "by": "tenant"})
            elif action == "rate":
                late = due is not None and resolved is not None and resolved > due
                rating = rng.choices((5, 4, 3, 2, 1), weights=RATINGS[late or reopened])[0]
                if rng.random() < 0.35:
                    feedback = say(rng, req["lang"], "thanks" if rating >= 4 else "complaint")
                event(t, "rating", None, None, None, self.rating_data[rating])
            elif action == "cancel":
                actor, cancel_reason = args
                status, closed = "cancelled", t
                event(
                    t,
                    "status",
                    actor,
                    before,
                    status,
                    self.data(reason=cancel_reason),
                    told=f"status:cancelled\n{cancel_reason}",
                )
            if status != before:
                segments.append((since, t, before, due))
                since = t
        segments.append((since, None, status, due))

        self._deadlines(
            req, segments, first_response, taken_at, closed if status == "cancelled" else None
        )
        if req["source"] == "chat":  # the request's card in the chat it came from
            card = Msg(
                self.team_thread[item.team],
                creator.id,
                "card",
                f"#{rid} · {item.name}",
                request=rid,
            )
            self.push(t0, MESSAGE, card)
        if rng.random() < 0.05:  # the team's chat goes on meanwhile
            t = _ms(t0 + rng.uniform(0, 3 * 3600))
            if t <= now:
                self._chatter(t, item.team, site, req["lang"])
        last = max([t0] + [p[0] for p in plan if p[0] <= now])
        finished = status in ("closed", "cancelled")  # its discussion leaves the chat badge
        self.push(last, THREAD, (thread_id, t0, messages, readers, not finished))

        response_due = req["response_due"]
        if status not in OPEN or status == "on_hold":
            next_due = None
        elif first_response is None and response_due is not None:
            next_due = response_due
        else:
            next_due = due
        source, place = req["source"], req["place"]
        key = None
        if source == "qr" or (source == "desk" and rng.random() < 0.9):
            key = f"{rng.getrandbits(128):032x}"
        elif source == "chat":
            key = f"msg:{req['source_message'].id}"
        token = base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()
        org = req["org"]
        self.sink.add(
            "service_requests",
            (
                rid,
                source,
                item.id,
                site.id,
                place.location_id,
                place.asset_id,
                place.tag_id if source == "qr" else None,
                req["description"],
                req["priority"],
                status,
                req["name"],
                req["phone"],
                req["email"],
                req["locale"],
                org[0] if org else None,
                req["cls"],
                item.team,
                assignee.id if assignee else None,
                creator.id if creator else None,
                t0,
                first_response,
                started,
                hold_start,
                hold_seconds,
                hold_reason,
                resume_at,
                resolved,
                closed,
                cancel_reason,
                response_due,
                due,
                paused,
                next_due,
                rating,
                feedback,
                labor,
                token,
                key,
                thread_id,
                req["source_message"].id if req["source_message"] else None,
            ),
        )
        return status

    def _deadlines(self, req, segments, first_response, taken_at, cancelled_at):
        """What the worker's ticks recorded: breaches, escalations by the default rules and
        'due soon' (each once, at the first tick that saw it, in working time unless 24/7)."""
        rng, now, rid = self.rng, self.now, req["rid"]
        clock, t0 = req["site"].clock, req["t0"]

        def tick(t):
            return _ms(t + rng.uniform(0.5, TICK))

        def escalate(t, kind, **data):
            payload = self.data(**self.rule_data[kind], **data) if data else self.rule_data[kind]
            self.push(t, EVENT, (rid, "escalated", None, None, None, payload, False))
            self.firing(rid, kind, t)

        def breach(t, target, due):
            self.push(
                t,
                EVENT,
                (rid, "breached", None, None, None, {"target": target, "due_at": _iso(due)}, False),
            )
            self.firing(rid, f"breach:{target}", t)

        def in_working_time(t, until):
            """The first tick at or after t in working time, if before `until` and now."""
            opened = clock.next_open(t)
            t = tick(opened) if opened > t else t
            return t if t <= now and (until is None or t < until) else None

        waiting = first_response if first_response is not None else cancelled_at
        due = req["response_due"]
        if due is not None and (waiting is None or due < waiting):
            fired = tick(due)
            if fired <= now:
                breach(fired, "response", due)
                if "response_breached" in self.rules:
                    t = in_working_time(fired, waiting)
                    if t is not None:
                        escalate(t, "response_breached")
        if "not_taken" in self.rules and self.rules["not_taken"][1]:
            minutes = self.rules["not_taken"][1]
            untaken = taken_at if taken_at is not None else cancelled_at
            t = tick(clock.next_open(clock.add(t0, minutes * 60)))
            if t <= now and (untaken is None or t < untaken):
                escalate(t, "not_taken", minutes=minutes)
        breached_at = None
        for index, (start, end, status, due) in enumerate(segments):
            if status in WAITING and due is not None and due < (end if end is not None else now):
                fired = tick(max(start, due))
                if fired <= now:
                    breach(fired, "resolution", due)
                    breached_at = (index, fired)
                break
        if breached_at is not None and "resolution_breached" in self.rules:
            first, fired = breached_at
            for start, end, status, _due in segments[first:]:
                if status in WAITING:
                    t = in_working_time(max(start, fired), end)
                    if t is not None:
                        escalate(t, "resolution_breached")
                        break
        if "due_soon" in self.rules and self.rules["due_soon"][1]:
            soon = self.rules["due_soon"][1] * 60
            for start, end, status, due in segments:
                if status not in WORKING or due is None:
                    continue
                until = min(end if end is not None else now, due)
                t = in_working_time(max(start, due - soon), until)
                if t is not None:
                    escalate(t, "due_soon", minutes=max(1, round((due - t) / 60)))
                    break

    def _chatter(self, t, team, site, lang):
        rng = self.rng
        author = self.world.worker(team, site.index, t)
        thread = self.team_thread[team]
        name = self.world.worker(team, site.index, t).name.split()[0]
        m = Msg(
            thread,
            author.id,
            "text",
            say(rng, lang, "chatter", n=rng.randint(2, 9), name=name),
            client=_uuid(rng),
        )
        previous = self.chatter.get(thread)
        if previous is not None and previous.id is not None and rng.random() < 0.15:
            m.reply = previous
        self.chatter[thread] = m
        self.push(t, MESSAGE, m)

    def finish(self):
        """Everything still waiting, then the teams' chats, who is in them and how far each
        has read, and the categories each chat offers."""
        self.release(math.inf)
        w, rng = self.world, self.rng
        created = _ms(w.start - 30 * DAY)
        names = {number: name for name, number in w.teams.items()}
        for team, thread in self.team_thread.items():
            times, ids = self.team_log[thread]
            last = ids[-1] if ids else None
            self.sink.add("threads", (thread, "team", names[team], created, None, team, None, last))
            for item in w.items:
                if item.team == team:
                    self.sink.add("chat_categories", (thread, item.id))
            for user_id in w.members[team]:
                person = w.people[user_id - 1]
                seen = bisect_right(times, person.until) if person.until else len(ids)
                if seen and person.until is None and rng.random() < 0.3:
                    seen = max(1, seen - rng.randint(1, 30))  # a few unread
                read = ids[seen - 1] if seen else 0
                joined = max(created, person.since)
                self.sink.add(
                    "thread_members", (thread, user_id, joined, read, rng.random() < 0.05, True)
                )


def _night(site: Site, t: float) -> bool:
    hour = datetime.fromtimestamp(t, site.zone).hour
    return hour < 7 or hour >= 22


def _iso(t: float) -> str:
    return _dt(t).isoformat()


def _uuid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"
