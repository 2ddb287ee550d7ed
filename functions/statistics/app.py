"""Lambda function of the statistics group: `handler` is the whole of it; the work is in the shared layer."""

from partnerapi.handlers import GroupHandler

handler = GroupHandler("statistics")
