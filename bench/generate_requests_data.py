"""What bench/generate_requests.py builds its history from: sites, rooms and equipment,
people and tenants, the rhythm of a building, and what people write (Russian and English).

Tables are kept as text blocks, one entry a line, so that they read like tables."""

from datetime import date, timedelta


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]


def _weights(text: str) -> dict[str, float]:
    """'office=1, meeting=0.6' as a dict."""
    pairs = (part.split("=") for part in text.split(",") if part.strip())
    return {name.strip(): float(value) for name, value in pairs}


def _pools(text: str) -> dict[str, dict[str, list[str]]]:
    """'[name]' blocks of 'en …' and 'ru …' lines: texts by name and language."""
    pools: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.strip().splitlines():
        line = line.strip()
        if line.startswith("["):
            current = pools.setdefault(line[1:-1], {"en": [], "ru": []})
        elif line:
            lang, _, value = line.partition(" ")
            current[lang].append(value)
    return pools


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """'Иван ivan, Алексей aleksei' as (name, latin) pairs."""
    return tuple(tuple(part.strip().rsplit(" ", 1)) for part in text.split(","))


# =============================================================================== teams
TEAMS = ("Cleaning", "Electricians", "Plumbers", "HVAC", "IT", "Security")
TEAM_SHARES = (0.34, 0.15, 0.10, 0.12, 0.13, 0.16)  # of the staff
GROUP_TEAM = {  # the demo's category groups → the team that does the work
    "Cleaning": "Cleaning",
    "Electrical": "Electricians",
    "Plumbing": "Plumbers",
    "HVAC": "HVAC",
    "IT": "IT",
    "Security": "Security",
}
OTHER = {"ru": "en", "en": "ru"}
PRIORITIES = ("low", "normal", "high", "urgent")

# =============================================================================== sites
HOURS = {
    "ru": "Mon-Fri 08:00-20:00; Sat 10:00-16:00",
    "ru-long": "Mon-Fri 08:00-21:00; Sat-Sun 10:00-18:00",
    "ru-short": "Mon-Fri 08:00-19:00; Sat 10:00-15:00",
    "ru-week": "Mon-Fri 08:00-20:00",
    "berlin": "Mon-Fri 07:00-20:00; Sat 09:00-14:00",
    "de": "Mon-Fri 07:00-19:00",
    "uk": "Mon-Fri 07:30-19:00",
    "24/7": None,
}
# language, country (holidays, phone numbers), kind, hours, timezone, name, address
SITES = [
    (lang, country, kind, HOURS[hours], tz, name, address)
    for lang, country, kind, hours, tz, name, address in _rows("""
ru | ru | office | ru | Europe/Moscow | БЦ «Северная башня» | Москва, Тестовская ул., 10
en | de | office | berlin | Europe/Berlin | Riverside Business Centre | 12 River Street, Berlin
ru | ru | office | ru | Europe/Moscow | БЦ «Невский 38» | Санкт-Петербург, Невский пр., 38
en | uk | office | uk | Europe/London | Harbour Point Offices | 3 Harbour Way, London E14
ru | ru | office | ru-long | Europe/Moscow | Технопарк «Калужский» | Москва, Калужское ш., 21
ru | ru | warehouse | 24/7 | Europe/Moscow | Склад «Южный» | Домодедово, Логистическая ул., 5
en | de | office | de | Europe/Berlin | Campus Nord | Nordstraße 40, Hamburg
ru | ru | office | ru-short | Europe/Moscow | БЦ «Кремлёвский» | Казань, Кремлёвская ул., 17
ru | ru | office | ru-week | Asia/Yekaterinburg | БЦ «Уральский» | Екатеринбург, ул. Малышева, 51
en | de | office | 24/7 | Europe/Berlin | Data Centre East | Am Industriepark 7, Frankfurt
ru | ru | office | ru | Europe/Moscow | БЦ «Аврора» | Москва, Садовническая ул., 82
en | uk | warehouse | 24/7 | Europe/London | Logistics Hub West | Unit 4, Park Royal Road, London
""")
]

# =============================================================================== rooms
WORDS = {"ru": {}, "en": {}}
for _key, _ru, _en in _rows("""
floor      | Этаж {n}                | Floor {n}
ground     | Этаж {n}                | Ground floor
building   | Корпус {n}              | Building {n}
lobby      | Холл                    | Lobby
reception  | Ресепшн                 | Reception
cafe       | Кафе                    | Café
security   | Пост охраны             | Security desk
gate       | КПП                     | Gatehouse
mail       | Почтовая комната        | Mail room
bike       | Велопарковка            | Bike room
restroom_m | Санузел {f}М            | Restroom {f}M
restroom_w | Санузел {f}Ж            | Restroom {f}W
lift       | Лифтовой холл {f}       | Lift hall {f}
kitchen    | Кухня {f}               | Kitchen {f}
meeting    | Переговорная «{name}»   | Meeting room {name}
print      | Копировальная зона {f}  | Print corner {f}
storage    | Кладовая {f}            | Storage {f}
server     | Серверная {f}           | Server room {f}
office     | Офис {no}               | Office {no}
dock       | Рампа {n}               | Dock {n}
zone       | Зона хранения {x}{n}    | Storage zone {x}{n}
charging   | Зарядная станция {n}    | Forklift charging {n}
locker     | Раздевалка {f}          | Locker room {f}
wh_office  | Офис склада {f}         | Warehouse office {f}
canteen    | Столовая                | Canteen
"""):
    WORDS["ru"][_key], WORDS["en"][_key] = _ru, _en
MEETING = {
    "ru": "Байкал Эльбрус Ладога Онега Алтай Памир Урал Енисей Валдай".split(),
    "en": "Oak Pine Elm Birch Maple Cedar Willow Ash Rowan Alder".split(),
}


def office_rooms(rng, f: int, lang: str) -> list[tuple[str, str]]:
    """(room type, name) of an office floor; the ground floor has the lobby and its company."""
    w = WORDS[lang]
    if f == 1:
        rooms = [(k, w[k]) for k in ("lobby", "reception", "cafe", "security", "mail", "bike")]
    else:
        rooms = [("kitchen", w["kitchen"].format(f=f))]
        names = MEETING[lang]
        for k in range(rng.randint(1, 3)):
            rooms.append(("meeting", w["meeting"].format(name=names[(f * 3 + k) % len(names)])))
        if rng.random() < 0.5:
            rooms.append(("print", w["print"].format(f=f)))
        if rng.random() < 0.6:
            rooms.append(("storage", w["storage"].format(f=f)))
        if f % 4 == 2:
            rooms.append(("server", w["server"].format(f=f)))
    rooms += [("lift", w["lift"].format(f=f))]
    rooms += [("restroom", w[k].format(f=f)) for k in ("restroom_m", "restroom_w")]
    offices = rng.randint(3, 6) if f == 1 else rng.randint(8, 16)
    rooms += [("office", w["office"].format(no=f"{f}{k:02d}")) for k in range(1, offices + 1)]
    return rooms


def warehouse_rooms(rng, n: int, lang: str) -> list[tuple[str, str]]:
    """(room type, name) of a warehouse building: docks, storage zones and the rest."""
    w = WORDS[lang]
    rooms = [("dock", w["dock"].format(n=f"{n}{k}")) for k in range(1, rng.randint(6, 10))]
    rooms += [
        ("zone", w["zone"].format(x="ABCD"[z], n=f"{n}{k}"))
        for z in range(rng.randint(2, 4))
        for k in range(1, rng.randint(3, 5))
    ]
    rooms += [("charging", w["charging"].format(n=n)), ("locker", w["locker"].format(f=n))]
    rooms += [("restroom", w[k].format(f=n)) for k in ("restroom_m", "restroom_w")]
    rooms += [("wh_office", w["wh_office"].format(f=n))]
    if n == 1:
        rooms += [("canteen", w["canteen"]), ("security", w["gate"])]
    return rooms


# =============================================================================== equipment
ROOM_ASSETS = {  # room type: equipment kinds in it, with the chance of each
    room: _weights(kinds)
    for room, kinds in _rows("""
office    | air conditioner=0.6, printer=0.2, door=0.1
meeting   | air conditioner=0.9, projector=0.7
kitchen   | coffee machine=0.9, fridge=0.7, dishwasher=0.4, water heater=0.3
restroom  | hand dryer=0.5
lift      | door=0.6
lobby     | door=1, card reader=1
cafe      | coffee machine=1, fridge=0.6, dishwasher=0.5
server    | air conditioner=1, door=1
print     | printer=1
storage   | door=0.5
security  | card reader=0.5
bike      | door=0.5
reception | printer=0.3
dock      | door=1
charging  | charger=1
canteen   | coffee machine=0.8, fridge=0.8, dishwasher=0.8
locker    | door=0.3
wh_office | air conditioner=0.8, printer=0.6
""")
}
SECOND_ASSET = {"server": "air conditioner", "print": "printer", "charging": "charger"}
ASSET_WORDS = {  # kind, or "room type/kind" for what it is called there: (ru, en)
    kind: (ru, en)
    for kind, ru, en in _rows("""
air conditioner        | Кондиционер                | AC unit
printer                | МФУ                        | Printer
door                   | Дверь                      | Door
projector              | Проектор                   | Projector
coffee machine         | Кофемашина                 | Coffee machine
fridge                 | Холодильник                | Fridge
dishwasher             | Посудомоечная машина       | Dishwasher
water heater           | Водонагреватель            | Water heater
hand dryer             | Сушилка для рук            | Hand dryer
card reader            | Считыватель карт           | Card reader
charger                | Зарядное устройство        | Charger
lift/door              | Противопожарная дверь      | Fire door
lobby/door             | Вращающаяся дверь          | Revolving door
lobby/card reader      | Турникеты                  | Turnstiles
dock/door              | Ворота                     | Dock door
server/air conditioner | Прецизионный кондиционер   | Precision AC
""")
}
MODELS = ("HP M428", "Kyocera 2040dn", "Canon iR 2425", "Xerox B225", "Daikin FTXM35")
ASSET_GROUPS = {  # which category groups an asset's label offers
    kind: tuple(g.strip() for g in groups.split(","))
    for kind, groups in _rows("""
air conditioner | HVAC
printer         | IT
door            | Security
projector       | IT, Electrical
coffee machine  | Electrical, Cleaning
fridge          | Electrical
dishwasher      | Electrical, Plumbing
water heater    | Plumbing, Electrical
hand dryer      | Electrical
card reader     | Security
charger         | Electrical
""")
}


def room_assets(rng, room_type: str, room: str, lang: str) -> list[tuple[str, str]]:
    """(kind, name) of the equipment in a room: 'AC unit — Office 305'."""
    kinds = [k for k, chance in ROOM_ASSETS.get(room_type, {}).items() if rng.random() < chance]
    if room_type in SECOND_ASSET and rng.random() < 0.6:
        kinds.append(SECOND_ASSET[room_type])
    out = []
    for kind in kinds:
        ru, en = ASSET_WORDS.get(f"{room_type}/{kind}", ASSET_WORDS[kind])
        word = ru if lang == "ru" else en
        if kind == "printer":
            word = f"{word} {rng.choice(MODELS[:4])}"
        same = sum(1 for k, _name in out if k == kind)
        out.append((kind, f"{word} {same + 1} — {room}" if same else f"{word} — {room}"))
    return out


# =============================================================================== holidays
RU_HOLIDAYS = [
    (int(month), int(day), name)
    for month, day, name in _rows("""
1  | 1  | Новогодние каникулы
1  | 2  | Новогодние каникулы
1  | 3  | Новогодние каникулы
1  | 4  | Новогодние каникулы
1  | 5  | Новогодние каникулы
1  | 6  | Новогодние каникулы
1  | 7  | Рождество Христово
1  | 8  | Новогодние каникулы
2  | 23 | День защитника Отечества
3  | 8  | Международный женский день
5  | 1  | Праздник Весны и Труда
5  | 9  | День Победы
6  | 12 | День России
11 | 4  | День народного единства
""")
]


def holidays_of(country: str, year: int) -> list[tuple[date, str]]:
    """Public holidays: Russia's fixed dates; Germany's and the UK's, Easter's included."""
    if country == "ru":
        return [(date(year, month, day), name) for month, day, name in RU_HOLIDAYS]
    easter = _easter(year)
    days = [
        (date(year, 1, 1), "New Year's Day"),
        (easter - timedelta(days=2), "Good Friday"),
        (easter + timedelta(days=1), "Easter Monday"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
    ]
    if country == "de":
        return days + [
            (date(year, 5, 1), "Tag der Arbeit"),
            (easter + timedelta(days=39), "Christi Himmelfahrt"),
            (easter + timedelta(days=50), "Pfingstmontag"),
            (date(year, 10, 3), "Tag der Deutschen Einheit"),
        ]

    def last_monday(month, day):
        end = date(year, month, day)
        return end - timedelta(days=end.weekday())

    first_may = date(year, 5, 1) + timedelta(days=(7 - date(year, 5, 1).weekday()) % 7)
    return days + [
        (first_may, "Early May bank holiday"),
        (last_monday(5, 31), "Spring bank holiday"),
        (last_monday(8, 31), "Summer bank holiday"),
    ]


def _easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - b // 4 - g + 15) % 30
    week = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7
    m = (a + 11 * h + 22 * week) // 451
    month, day = divmod(h + week - 7 * m + 114, 31)
    return date(year, month, day + 1)


# =============================================================================== the rhythm
# Requests by local hour of the day; warehouses work around the clock.
HOUR_OFFICE = (0.08, 0.06, 0.05, 0.05, 0.06, 0.1, 0.25, 0.6, 1.3, 1.9, 2.0, 1.8)
HOUR_OFFICE += (1.4, 1.5, 1.7, 1.6, 1.35, 1.0, 0.65, 0.45, 0.35, 0.25, 0.18, 0.12)
HOUR_WAREHOUSE = (0.45, 0.4, 0.4, 0.4, 0.45, 0.6, 0.9, 1.2, 1.4, 1.5, 1.5, 1.4)
HOUR_WAREHOUSE += (1.2, 1.3, 1.4, 1.4, 1.3, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
WEEK_OFFICE = (1.12, 1.04, 1.0, 0.98, 0.9, 0.33, 0.2)  # Monday first
WEEK_WAREHOUSE = (1.05, 1.0, 1.0, 1.0, 1.0, 0.75, 0.6)
VACATION = (0.95, 1.0, 1.0, 1.0, 0.97, 0.97, 0.88, 0.88, 1.0, 1.0, 1.0, 0.96)  # by month
SEASONS = {  # January to December
    "heat and cold": (1.6, 1.5, 1.1, 0.8, 1.0, 1.8, 2.6, 2.4, 1.2, 0.9, 1.3, 1.6),
    "air conditioning": (0.4, 0.4, 0.6, 0.9, 1.4, 2.4, 3.0, 2.8, 1.4, 0.7, 0.4, 0.4),
    "slush and mud": (1.5, 1.5, 1.4, 1.1, 0.9, 0.8, 0.8, 0.8, 0.9, 1.2, 1.5, 1.5),
    "dark months": (1.3, 1.2, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.3, 1.4),
    "thaw": (1.3, 1.2, 1.3, 1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.3),
}


def _item(weight, season, rooms, assets, asset_share, labor, hold):
    return (weight, SEASONS.get(season), _weights(rooms), _weights(assets), asset_share, labor,
            hold)  # fmt: skip


# Each of the demo's items: how common, its season, the room types it happens in and the
# equipment it happens to (with weights), the share of it about equipment, labor minutes
# (median), and the chance that the work waits on hold.
ITEMS = {
    "Trash removal": _item(
        9, None, "office=1, meeting=0.6, kitchen=2, lobby=1.2, cafe=2.5, restroom=0.8, "
        "print=1, mail=1.2, dock=1.5, zone=1, canteen=2.5, wh_office=0.8, storage=0.5",
        "", 0, 10, 0.01),
    "Wet cleaning": _item(
        8, "slush and mud", "restroom=3, kitchen=1.6, lobby=2.5, lift=1.2, office=0.5, "
        "cafe=1.5, locker=1.5, canteen=1.5, meeting=0.5, reception=1, security=0.5, bike=0.8",
        "", 0, 30, 0.01),
    "Spill": _item(
        5, None, "lobby=1.5, cafe=3, kitchen=3, lift=1, office=0.4, meeting=0.8, canteen=2.5, "
        "zone=1, dock=0.8", "coffee machine=1", 0.1, 15, 0.01),
    "Bulb replacement": _item(
        8, "dark months", "office=1, lift=2, restroom=1.5, storage=1.5, meeting=1, lobby=1, "
        "zone=2, dock=1.5, kitchen=0.8, print=0.5, server=0.5, bike=1, locker=1",
        "", 0, 15, 0.04),
    "Socket or wiring check": _item(
        4, None, "office=2, meeting=1.2, kitchen=1, server=1, zone=1, print=0.8, wh_office=1, "
        "charging=1.5, reception=0.6", "projector=0.3, charger=0.5", 0.1, 40, 0.07),
    "Appliance fault": _item(
        6, None, "kitchen=2, cafe=1.5, canteen=1.5, restroom=0.3, meeting=0.3",
        "coffee machine=3, fridge=1, dishwasher=1, hand dryer=1, charger=1.2, projector=0.5, "
        "water heater=0.5", 0.85, 40, 0.12),
    "Leak": _item(
        4, "thaw", "restroom=3, kitchen=2, cafe=0.8, canteen=1, office=0.3, server=0.4, "
        "storage=0.3, lift=0.2, locker=1", "dishwasher=1, water heater=1, air conditioner=0.4",
        0.25, 45, 0.08),
    "Blocked drain": _item(
        4, None, "restroom=3, kitchen=2, cafe=1, canteen=1, locker=1", "dishwasher=1",
        0.15, 35, 0.05),
    "Too hot or too cold": _item(
        9, "heat and cold", "office=2, meeting=2, server=0.5, lobby=0.5, reception=0.6, "
        "wh_office=1, canteen=0.5, zone=0.3", "air conditioner=1", 0.35, 25, 0.06),
    "Air conditioner fault": _item(
        5, "air conditioning", "office=1, meeting=1, server=2, wh_office=1",
        "air conditioner=1", 0.85, 75, 0.14),
    "Printer problem": _item(
        7, None, "print=2, office=1, reception=0.5, wh_office=1", "printer=1", 0.9, 20, 0.08),
    "Wi-Fi or network": _item(
        6, None, "office=2, meeting=2, cafe=1, lobby=0.4, reception=0.6, wh_office=1, "
        "zone=0.3, dock=0.3", "", 0, 30, 0.05),
    "Door or lock": _item(
        6, None, "office=1, restroom=0.6, storage=0.6, meeting=0.5, dock=1, server=0.4, "
        "lobby=0.5, locker=0.5, bike=0.5", "door=1, card reader=0.3", 0.6, 35, 0.1),
    "Access card": _item(
        5, None, "reception=3, security=3, office=0.8, lobby=1", "card reader=1",
        0.3, 10, 0.01),
}  # fmt: skip
WAREHOUSE_FACTORS = {  # an item's (or its group's) share in a warehouse, against an office
    "Printer problem": 0.3,
    "Wi-Fi or network": 0.5,
    "Security": 1.4,
    "Electrical": 1.5,
    "Cleaning": 1.2,
}
SOURCES = (("qr", 0.52), ("desk", 0.22), ("chat", 0.16), ("schedule", 0.09), ("api", 0.06))
SOURCE_NAMES = tuple(name for name, _w in SOURCES)
SCHEDULED = {"Wet cleaning", "Trash removal", "Air conditioner fault", "Bulb replacement",
             "Door or lock", "Socket or wiring check", "Too hot or too cold"}  # fmt: skip
API = {"Too hot or too cold", "Leak", "Air conditioner fault", "Wi-Fi or network",
       "Appliance fault"}  # fmt: skip
RESPONSE_MEDIAN = {"urgent": 3, "high": 6, "normal": 12, "low": 30}  # working minutes
CLASS_FACTOR = {"A": 0.7, "B": 1.0, "C": 1.35}
TRAVEL = {"urgent": 5, "high": 10, "normal": 20, "low": 45}  # minutes before work starts
COMMENTS = ((0, 45), (1, 30), (2, 14), (3, 6), (4, 3), (5, 1.3), (6, 0.7))  # per request
RATINGS = {False: (60, 22, 9, 4, 5), True: (30, 25, 20, 12, 13)}  # 5 … 1 stars: late or not
EMOJI = ("👍", "👌", "🙏", "✅", "🔥")

# =============================================================================== people
RU_MEN = _pairs("""Иван ivan, Алексей aleksei, Дмитрий dmitry, Сергей sergei, Андрей andrei,
    Михаил mikhail, Николай nikolai, Олег oleg, Павел pavel, Руслан ruslan, Тимур timur,
    Фарид farid, Артём artem, Владимир vladimir, Евгений evgeny, Константин konstantin""")
RU_WOMEN = _pairs("""Ольга olga, Мария maria, Елена elena, Наталья natalia, Татьяна tatiana,
    Анна anna, Гульнара gulnara, Светлана svetlana, Ирина irina, Дина dina,
    Екатерина ekaterina, Юлия yulia""")
RU_SURNAMES = _pairs("""Соколов sokolov, Петров petrov, Иванов ivanov, Смирнов smirnov,
    Кузнецов kuznetsov, Попов popov, Волков volkov, Морозов morozov, Новиков novikov,
    Фёдоров fedorov, Лебедев lebedev, Козлов kozlov, Орлов orlov, Захаров zakharov,
    Белов belov, Исмаилов ismailov, Гарипов garipov, Ахметов akhmetov, Никитин nikitin,
    Григорьев grigoriev""")
EN_FIRST = """Sam Tom Lena Maria Jonas Petra Ali Emma James Priya Lukas Anna Grete Oliver
    Chloe Marek Sophie Daniel Hannah Ravi Laura Ben Nina Felix""".split()
EN_LAST = """Okafor Berg Kim Garcia Weber Schulz Yilmaz Clarke Walsh Patel Becker Novak
    Hansen Brown Martin Kowalski Fischer Murphy Singh Wagner Evans Hughes Schmidt""".split()
RU_COMPANIES = _pairs("""Ромашка romashka, Северный_ветер severny-veter,
    ТехноСфера technosfera, Альфа-Логистик alfa-logistik, Вектор vektor, Гелиос gelios,
    Меридиан meridian, Квант kvant, Стройинвест stroyinvest, Орион orion, Лазурь lazur,
    Балтика-Трейд baltika-trade, Парус parus, Кедр kedr, Сигма sigma, Ладога ladoga,
    Восход voskhod, Прайм_Консалт prime-consult, Инфосистемы infosistemy,
    Эфир_Медиа efir-media, Арктика arktika, Зенит_Софт zenit-soft, Горизонт gorizont,
    Фарма_Плюс pharma-plus, Эко_Фуд eco-food, Траст_Аудит trust-audit,
    Нева_Дизайн neva-design, Урал_Инжиниринг ural-engineering,
    Волга_Финанс volga-finance, Кристалл kristall""")
RU_FORMS = ("ООО «{}»", "АО «{}»", "ГК «{}»", "ПАО «{}»")
EN_COMPANIES = """Nordlicht Brightway Helix Bluefin Oakridge Kestrel Quantum_Leaf
    Meridian_Health Atlas Pinecrest Silverline Northwind Redwood Lumen Copperfield
    Harbor_&_Finch Vantage Greenleaf Polaris Stonebridge Blue_Harbour Elbe Alster Tidewater
    Foxglove Ironbark Summit Wavecrest Marlow Kingsway""".split()
EN_FORMS = ("{} GmbH", "{} Ltd", "{} Labs", "{} LLP", "{} Group", "{} Analytics",
            "{} Design Studio", "{} Partners")  # fmt: skip


def person_parts(rng, lang: str) -> tuple[str, str, str]:
    """A first name, a surname, and 'first.last' in Latin letters."""
    if lang == "ru":
        woman = rng.random() < 0.45
        first, first_latin = rng.choice(RU_WOMEN if woman else RU_MEN)
        last, last_latin = rng.choice(RU_SURNAMES)
        if woman:
            last, last_latin = last + "а", last_latin + "a"
        return first, last, f"{first_latin}.{last_latin}"
    first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
    return first, last, f"{first.lower()}.{last.lower()}"


def full_name(rng, lang: str) -> tuple[str, str]:
    """A display name and a username like i.sokolov."""
    first, last, latin = person_parts(rng, lang)
    given, surname = latin.split(".")
    return f"{first} {last}", f"{given[0]}.{surname}"


def company_name(rng, lang: str) -> tuple[str, str]:
    """A tenant's name, and the first part of its e-mail domain."""
    if lang == "ru":
        name, slug = rng.choice(RU_COMPANIES)
        return rng.choice(RU_FORMS).format(name.replace("_", " ")), slug
    name = rng.choice(EN_COMPANIES).replace("_", " ")
    return rng.choice(EN_FORMS).format(name), "".join(c for c in name.lower() if c.isalnum())


def _digits(rng, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def staff_phone(rng, lang: str) -> str | None:
    if rng.random() < 0.2:
        return None
    d = lambda n: _digits(rng, n)  # noqa: E731
    return f"+7 9{d(2)} {d(3)}-{d(2)}-{d(2)}" if lang == "ru" else f"+49 15{d(1)} {d(7)}"


def requester_phone(rng, country: str) -> str:
    """A number as people type it into a form: the formats vary. The UK's come from Ofcom's
    ranges kept for drama (nobody's number)."""
    d = lambda n: _digits(rng, n)  # noqa: E731
    if country == "ru":
        number = rng.choice((
            f"+7 9{d(2)} {d(3)}-{d(2)}-{d(2)}", f"8 (9{d(2)}) {d(3)}-{d(2)}-{d(2)}",
            f"+79{d(9)}", f"89{d(9)}", f"+7 (495) {d(3)}-{d(2)}-{d(2)}",
            f"8 812 {d(3)} {d(2)} {d(2)}",
        ))  # fmt: skip
        return number + (f", доб. {d(3)}" if rng.random() < 0.05 else "")
    if country == "de":
        return rng.choice((f"+49 30 {d(7)}", f"+49 151 {d(8)}", f"030 {d(7)}", f"0176 {d(8)}"))
    return rng.choice((f"+44 20 7946 0{d(3)}", f"+44 7700 900{d(3)}", f"07700 900{d(3)}",
                       f"020 7946 0{d(3)}"))  # fmt: skip


def requester_email(rng, latin: str, org) -> str:
    """At the tenant's domain or a personal one, all under .example: never delivered."""
    if org is not None and rng.random() < 0.75:
        return f"{latin}@{org[2]}.example"
    given, surname = latin.split(".")
    if rng.random() < 0.5:
        return f"{given}{rng.randint(1, 99)}@mail.example"
    return f"{surname}.{given[0]}@inbox.example"


# =============================================================================== texts
# What requesters write, by category item. {place}: the room, {asset}: the equipment (or
# the room), {floor}, {n}: a small number, {t}: a temperature.
DESCRIPTIONS = _pools("""
[Trash removal]
en Bins are full in {place}.
en The recycling bin in {place} is overflowing.
en Please empty the paper bin by the printer, {place}.
en Trash bags left in the corridor next to {place}.
en Bins not emptied since yesterday, {place}.
en Lots of cardboard boxes after a delivery in {place}, please take them away.
ru Переполнены урны, {place}.
ru Не вынесен мусор, {place}, уже пахнет.
ru Заберите, пожалуйста, коробки после переезда — {place}.
ru Мусорные пакеты оставлены в коридоре у помещения {place}.
ru С утра не вынесли мусор, {place}.
ru Нужно вынести макулатуру, {place}.
[Wet cleaning]
en The floor in {place} is dirty after the rain, please mop.
en Muddy footprints all over {place}.
en Sticky floor in {place}.
en Please clean {place}, there was a party yesterday.
en Windows in {place} need washing.
en Dust on the shelves and desks in {place}.
ru Грязный пол после дождя, нужна влажная уборка — {place}.
ru Следы грязи по всему помещению, {place}.
ru Липкий пол, {place}.
ru Уберите, пожалуйста, после вчерашнего мероприятия — {place}.
ru Нужно помыть окна, {place}.
ru Пыль на полках и столах, {place}.
[Spill]
en Someone spilled coffee on the floor in {place}.
en Broken glass and juice on the floor, {place}.
en Water on the floor near {asset}, slippery!
en Spilled soup in {place}, please come quickly.
en Paint spilled in the corridor by {place}.
ru Разлили кофе на пол, {place}.
ru Разбитый стакан и сок на полу, {place}.
ru Вода на полу возле: {asset}. Скользко!
ru Пролили суп, срочно нужна уборка — {place}.
ru Разлита краска в коридоре у помещения {place}.
[Bulb replacement]
en Two ceiling lights are out in {place}.
en The light in {place} is flickering.
en Emergency exit sign not lit, {floor}.
en Lamp above the door in {place} does not work.
en Half of the LED panel in {place} is dark.
ru Не горят два светильника, {place}.
ru Мигает свет, {place}.
ru Не горит табличка «Выход», {floor}.
ru Не работает лампа над дверью, {place}.
ru Половина светодиодной панели не светит, {place}.
[Socket or wiring check]
en Socket by the window in {place} sparks when plugging in.
en No power on the sockets in {place}.
en Burning smell from a socket in {place}!
en The breaker trips every time the kettle is on, {place}.
en Loose socket hanging from the wall, {place}.
en {asset}: the power cable is damaged.
ru Искрит розетка у окна, {place}.
ru Нет электричества в розетках, {place}.
ru Пахнет гарью от розетки! {place}.
ru Выбивает автомат, когда включаем чайник, {place}.
ru Розетка вываливается из стены, {place}.
ru {asset}: повреждён кабель питания.
[Appliance fault]
en {asset} does not turn on.
en {asset} leaks water onto the counter.
en {asset} shows error E{n}.
en {asset} makes a loud noise.
en {asset} is not cooling.
en The microwave in {place} stopped working.
ru {asset}: не включается.
ru {asset}: протекает, вода на столешнице.
ru {asset}: выдаёт ошибку E{n}.
ru {asset}: сильно шумит.
ru {asset}: не охлаждает.
ru Не работает микроволновка, {place}.
[Leak]
en Water under the sink in {place}, the floor is wet.
en Water dripping from the ceiling in {place}!
en The toilet tank keeps running, {place}.
en {asset} is leaking.
en Wet stain spreading on the ceiling of {place}.
ru Под раковиной вода, пол мокрый — {place}.
ru С потолка капает вода! {place}.
ru Постоянно течёт бачок унитаза, {place}.
ru {asset}: протекает.
ru Расползается мокрое пятно на потолке, {place}.
[Blocked drain]
en Sink drains very slowly in {place}.
en Toilet blocked in {place}.
en Bad smell from the drain, {place}.
en {asset} does not drain.
ru Медленно уходит вода в раковине, {place}.
ru Засор унитаза, {place}.
ru Неприятный запах из слива, {place}.
ru {asset}: не сливает воду.
[Too hot or too cold]
en It is {t} °C in {place}, far too hot.
en Very cold in {place}, people work in coats.
en {asset} blows warm air.
en Stuffy in {place}, no fresh air.
en Radiator in {place} is cold.
ru Жарко, {t} °C — {place}.
ru Очень холодно, сидим в куртках — {place}.
ru {asset}: дует тёплым воздухом.
ru Душно, не работает вентиляция — {place}.
ru Холодная батарея, {place}.
[Air conditioner fault]
en {asset} makes a loud rattle.
en {asset} is dripping water.
en {asset} shows an error and switches off.
en {asset} does not react to the remote.
en {asset} smells musty.
ru {asset}: громко тарахтит.
ru {asset}: капает вода.
ru {asset}: показывает ошибку и отключается.
ru {asset}: не реагирует на пульт.
ru {asset}: неприятный запах.
[Printer problem]
en {asset}: paper jam, shows error E{n}.
en {asset} prints blank pages.
en {asset} is out of toner.
en Cannot connect to {asset} from laptops.
en {asset} prints with stripes.
ru {asset}: замятие бумаги, ошибка E{n}.
ru {asset}: печатает пустые листы.
ru {asset}: закончился тонер.
ru {asset}: не подключается с ноутбуков.
ru {asset}: печатает полосами.
[Wi-Fi or network]
en Wi-Fi drops every few minutes in {place}.
en No internet in {place}.
en Very slow network in {place} since the morning.
en The network socket at desk {n} in {place} is dead.
en Guest Wi-Fi password does not work, {place}.
ru Каждые несколько минут отваливается Wi-Fi, {place}.
ru Нет интернета, {place}.
ru С утра очень медленная сеть, {place}.
ru Не работает сетевая розетка у стола {n}, {place}.
ru Не подходит пароль гостевого Wi-Fi, {place}.
[Door or lock]
en {asset} does not close.
en The lock of {place} is jammed.
en {asset} slams hard, the closer is broken.
en Key broke in the lock, {place}.
en {asset} does not open with the card.
ru {asset}: не закрывается.
ru Заел замок, {place}.
ru {asset}: сильно хлопает, сломан доводчик.
ru Сломался ключ в замке, {place}.
ru {asset}: не открывается по карте.
[Access card]
en New employee needs an access card, {place}.
en My card stopped working at the turnstile.
en Lost my access card, please block it.
en Card does not open {floor}.
en Need guest passes for {n} visitors tomorrow.
en {asset} does not read cards.
ru Нужен пропуск для нового сотрудника, {place}.
ru Перестал работать пропуск на турникете.
ru Потерял пропуск, заблокируйте, пожалуйста.
ru Пропуск не открывает {floor}.
ru Нужны гостевые пропуска на {n} человек на завтра.
ru {asset}: не читает карты.
""")
# Raised by the schedule, and by the building's management system or network monitoring.
SCHEDULE_TEXT = _pools("""
[Wet cleaning]
en Scheduled: daily wet cleaning, {place}.
ru Плановая влажная уборка, {place}.
[Trash removal]
en Scheduled: waste collection round, {floor}.
ru Плановый вывоз мусора, {floor}.
[Air conditioner fault]
en Scheduled maintenance: filter cleaning, {asset}.
ru Плановое ТО: чистка фильтров, {asset}.
[Bulb replacement]
en Scheduled: lighting check, {floor}.
ru Плановый обход освещения, {floor}.
[Door or lock]
en Scheduled: door and closer inspection, {asset}.
ru Плановая проверка двери и доводчика: {asset}.
[Socket or wiring check]
en Scheduled: electrical safety inspection, {place}.
ru Плановая проверка электробезопасности, {place}.
[Too hot or too cold]
en Scheduled: heating and ventilation check, {floor}.
ru Плановая проверка отопления и вентиляции, {floor}.
""")
API_TEXT = _pools("""
[Too hot or too cold]
en BMS alarm: temperature {t} °C in {place} (setpoint 22 °C).
ru Диспетчеризация: температура {t} °C, {place} (уставка 22 °C).
[Leak]
en BMS alarm: leak sensor triggered, {place}.
ru Диспетчеризация: сработал датчик протечки, {place}.
[Air conditioner fault]
en BMS alarm: fault code F{n}, {asset}.
ru Диспетчеризация: авария, код F{n} — {asset}.
[Wi-Fi or network]
en Monitoring: access point AP-{n} is offline, {floor}.
ru Мониторинг: точка доступа AP-{n} недоступна, {floor}.
[Appliance fault]
en Monitoring: fault reported by {asset}.
ru Мониторинг: сообщение о неисправности — {asset}.
""")
# The staff's and the tenants' words along the way. {username}: the assignee's, {part},
# {model}, {n}, {name}: a colleague's first name.
SAYINGS = _pools("""
[take]
en On my way.
en Will be there in 10 minutes.
en Taking it, I'm on the floor already.
en I'll come after lunch.
en Mine.
en Going now, will call the tenant first.
ru Иду.
ru Буду через 10 минут.
ru Беру, я как раз на этаже.
ru Подойду после обеда.
ru Моя.
ru Выхожу, сначала позвоню арендатору.
[work]
en Need a ladder — who has the storage key?
en The part is in stock, replacing it now.
en The tenant is in a meeting, I'll come back at 3.
en Checked: the breaker had tripped.
en Replaced the {part}, testing now.
en Looks like the same problem as last week.
en Needs a second person, can anyone help for 15 minutes?
en Label says: model {model}.
en No access yet, waiting for security to open the room.
ru Нужна стремянка — у кого ключ от кладовой?
ru Запчасть есть на складе, меняю.
ru У арендатора совещание, зайду в 15:00.
ru Проверил: выбило автомат.
ru Заменил {part}, проверяю.
ru Похоже, та же проблема, что на прошлой неделе.
ru Нужен второй человек на 15 минут, кто может помочь?
ru Шильдик: модель {model}.
ru Пока нет доступа, жду охрану, чтобы открыли.
[desk]
en @{username} please have a look, the tenant called again.
en The tenant asks to call before coming.
en Any news? The client is asking.
en Raised the priority: the director's office.
en Please take photos before and after.
ru @{username} посмотри, пожалуйста, арендатор звонил повторно.
ru Арендатор просит позвонить перед приходом.
ru Есть новости? Клиент спрашивает.
ru Повысила приоритет: кабинет директора.
ru Сделайте, пожалуйста, фото до и после.
[done]
en Fixed, please check.
en Done. Replaced the {part}.
en All clean.
en Done, the tenant accepted it on the spot.
ru Готово, проверьте.
ru Сделано, заменил {part}.
ru Убрано.
ru Готово, арендатор принял на месте.
[reply]
en Thank you, we have your request. A technician will come within the hour.
en Our cleaner is on the way.
en We have ordered the part and will come back as soon as it arrives.
en Could you tell us when the room will be free?
en We are on it, sorry for the wait.
ru Спасибо, заявка принята. Мастер подойдёт в течение часа.
ru Уборщица уже идёт.
ru Заказали запчасть, придём, как только её привезут.
ru Подскажите, когда помещение будет свободно?
ru Занимаемся, извините за ожидание.
[hold]
en Waiting for a spare part
en No access to the room: the tenant is away
en The tenant asked to come tomorrow
en Waiting for the contractor
en Needs the landlord's approval
ru Ждём запчасть
ru Нет доступа в помещение
ru Арендатор попросил прийти завтра
ru Ждём подрядчика
ru Нужно согласование с управляющей компанией
[cancel]
en Duplicate of #{n}
en Not our job: the tenant's own equipment
en Could not reproduce; the tenant agreed
en Withdrawn by the requester
ru Дубликат заявки #{n}
ru Не наша зона: оборудование арендатора
ru Не подтвердилось, согласовано с арендатором
ru Заявитель отозвал заявку
[reopen]
en Still leaking.
en The light is flickering again.
en Still cold in here.
en It broke again after an hour.
en Not cleaned properly.
ru Всё ещё течёт.
ru Свет опять мигает.
ru По-прежнему холодно.
ru Через час снова сломалось.
ru Убрали плохо.
[thanks]
en Quick and friendly, thanks!
en Great job.
en Thank you, all works.
en Fast, as always.
ru Быстро и вежливо, спасибо!
ru Отличная работа.
ru Спасибо, всё работает.
ru Оперативно, как всегда.
[complaint]
en Took too long.
en Fixed only on the second try.
en Nobody called back.
en Left a mess behind.
ru Слишком долго.
ru Исправили только со второго раза.
ru Никто не перезвонил.
ru После работ осталась грязь.
[chatter]
en Hi all, I'm on floors 1 and 2 today.
en Who has the master key for floor {n}?
en Cleaning supplies delivery at 11.
en Lift 2 is out of service until noon.
en Anyone seen the wet vac?
en I'm off at 4 today, {name} covers for me.
en Reminder: fire drill on Thursday at 10.
en Good job today, everyone!
en The new ladder is in storage {n}.
ru Всем привет, я сегодня на 1 и 2 этажах.
ru У кого мастер-ключ от {n} этажа?
ru Поставка расходников в 11:00.
ru Лифт 2 не работает до обеда.
ru Кто видел моющий пылесос?
ru Сегодня ухожу в 16:00, меня подменит {name}.
ru Напоминаю: учебная пожарная тревога в четверг в 10:00.
ru Всем спасибо за работу сегодня!
ru Новая стремянка в кладовой {n}.
[extra]
en Thank you!
en Please hurry, we have clients at 2.
en Second time this week.
en Call me when you are here.
ru Спасибо!
ru Пожалуйста, побыстрее, в 14:00 клиенты.
ru Уже второй раз за неделю.
ru Позвоните, когда подойдёте.
[part]
en fan motor
en cartridge
en tap valve
en ballast
en lock cylinder
en LED driver
en door closer
en drain trap
en filter
en fuse
ru мотор вентилятора
ru картридж
ru кран-буксу
ru дроссель
ru личинку замка
ru драйвер светильника
ru доводчик
ru сифон
ru фильтр
ru предохранитель
""")


def say(rng, lang: str, pool: str, **fields) -> str:
    """One of a pool's sayings in the language, its blanks filled."""
    fields.setdefault("n", rng.randint(2, 9))
    fields.setdefault("name", "")
    fields.setdefault("username", "")
    fields.setdefault("part", rng.choice(SAYINGS["part"][lang]))
    fields.setdefault("model", rng.choice(MODELS))
    return rng.choice(SAYINGS[pool][lang]).format(**fields)


def describe(rng, lang: str, item: str, place, source: str) -> str:
    """What the requester wrote (or the schedule, or the building's systems)."""
    fields = {"place": place.name, "asset": place.asset_name or place.name, "floor": place.floor,
              "n": rng.randint(2, 9), "t": rng.randint(26, 31)}  # fmt: skip
    if source == "schedule" and item in SCHEDULE_TEXT:
        return SCHEDULE_TEXT[item][lang][0].format(**fields)
    if source == "api" and item in API_TEXT:
        return API_TEXT[item][lang][0].format(**fields)
    texts = DESCRIPTIONS[item][lang]
    if place.asset_name:  # the equipment's own texts first
        texts = [x for x in texts if "{asset}" in x] or texts
    text = rng.choice(texts).format(**fields)
    if source == "desk" and rng.random() < 0.3:
        return ("Звонок арендатора: " if lang == "ru" else "Tenant called: ") + text
    if rng.random() < 0.1:
        text += " " + rng.choice(SAYINGS["extra"][lang])
    return text


def chat_text(rng, lang: str, item: str, place) -> str:
    """A problem as a colleague writes it into the team's chat."""
    text = describe(rng, lang, item, place, "chat")
    r = rng.random()
    if r < 0.3:
        return ("Коллеги, " if lang == "ru" else "Guys, ") + text[0].lower() + text[1:]
    if r < 0.55:
        return text + (" Кто может посмотреть?" if lang == "ru" else " Can someone take it?")
    return text
