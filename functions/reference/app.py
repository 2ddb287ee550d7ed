"""Lambda function of the reference group: `handler` is the whole of it; the work is in the shared layer."""

from partnerapi.handlers import GroupHandler

handler = GroupHandler("reference")
