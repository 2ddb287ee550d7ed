"""Lambda function of the agents group: `handler` is the whole of it; the work is in the shared layer."""

from partnerapi.handlers import GroupHandler

handler = GroupHandler("agents")
