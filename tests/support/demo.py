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
# services group
PUBLIC_CONSULTING, PUBLIC_TECHNICAL, PUBLIC_ARCHIVED = (item["service_type_id"] for item in FIXTURE["service_types"])
DEMO_VENDOR_LINE, DEMO_PRIVATE_LINE = (item["service_type_id"] for item in DEMO["service_types"])  # the first is exported to demo2
DEMO2_PRIVATE_LINE = DEMO2["service_types"][0]["service_type_id"]
DEMO_CONTRACT_FRANCHISEE, DEMO_CONTRACT_VENDOR = (contract["contract_id"] for contract in DEMO["contracts"])
DEMO2_CONTRACT = DEMO2["contracts"][0]["contract_id"]
# agents group
_partner_users = {user["partner_user_id"]: user for partner in FIXTURE["partners"] for user in partner["users"]}
_client_users = {user["client_user_id"]: user for partner in FIXTURE["partners"] for client in partner["clients"] for user in client["users"]}
DEMO_AGENT_IVAN, DEMO_AGENT_IVAN_INACTIVE = (agent["agent_partner_id"] for agent in _partner_users[DEMO_USER_IVAN]["agents"])
DEMO_AGENT_IVAN_PASSWORD = _partner_users[DEMO_USER_IVAN]["agents"][0]["agent_partner_password"]
DEMO_AGENT_ANNA = _partner_users[DEMO_USER_ANNA]["agents"][0]["agent_partner_id"]
DEMO2_AGENT = _partner_users[DEMO2_USER]["agents"][0]["agent_partner_id"]
DEMO_USER_AGENT_OLGA = _client_users[DEMO_CLIENT_USER_OLGA]["agents"][0]["agent_user_id"]
DEMO_USER_AGENT_OLGA_PASSWORD = _client_users[DEMO_CLIENT_USER_OLGA]["agents"][0]["agent_user_password"]
DEMO_USER_AGENT_SERGEY = _client_users[DEMO_CLIENT_USER_SERGEY]["agents"][0]["agent_user_id"]
DEMO_USER_AGENT_PAVEL_INACTIVE = _client_users[DEMO_CLIENT_USER_PAVEL]["agents"][0]["agent_user_id"]
DEMO2_USER_AGENT = _client_users[DEMO2_CLIENT_USER]["agents"][0]["agent_user_id"]
# services group: subscriptions (the first of demo's is active, the second stopped, the third ended)
DEMO_SUBSCRIPTION, DEMO_SUBSCRIPTION_STOPPED, DEMO_SUBSCRIPTION_ENDED = (service["service_id"] for service in DEMO["clients"][0]["services"])
DEMO2_SUBSCRIPTION = DEMO2["clients"][0]["services"][0]["service_id"]
