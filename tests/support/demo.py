"""IDs of the demo fixture (infra/fixtures/demo.json), read from the file so tests cannot drift from it."""

import json

from partnerapi_ops.sandbox import DEMO_FIXTURE

FIXTURE = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
DEMO, DEMO2 = FIXTURE["partners"]
DEMO_ID, DEMO2_ID = DEMO["partner_id"], DEMO2["partner_id"]
MOSCOW, SPB, NOVOSIBIRSK, EKATERINBURG = (region["region_id"] for region in FIXTURE["regions"])
CONTACT_TYPES = {(item["contact_type_code"], item["contact_type_name"]): item["contact_type_id"] for item in FIXTURE["contact_types"]}
CLIENT_ADDRESS = CONTACT_TYPES[(1, "Фактический адрес")]
PARTNER_NAME_IN_REGION = CONTACT_TYPES[(2, "Наименование в регионе")]
PARTNER_PHONE = CONTACT_TYPES[(2, "Телефон")]
PARTNER_SITE = CONTACT_TYPES[(2, "Сайт")]
USER_PHONE = CONTACT_TYPES[(3, "Телефон")]
USER_EMAIL = CONTACT_TYPES[(3, "E-mail")]
DEMO_USER_IVAN, DEMO_USER_ANNA = (user["partner_user_id"] for user in DEMO["users"])
DEMO2_USER = DEMO2["users"][0]["partner_user_id"]
# clients group
DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV = (client["client_id"] for client in DEMO["clients"])
DEMO2_CLIENT = DEMO2["clients"][0]["client_id"]
DEMO_CLIENT_USER_OLGA, DEMO_CLIENT_USER_SERGEY = (user["client_user_id"] for user in DEMO["clients"][0]["users"])
DEMO_CLIENT_USER_PAVEL = DEMO["clients"][1]["users"][0]["client_user_id"]
DEMO2_CLIENT_USER = DEMO2["clients"][0]["users"][0]["client_user_id"]
