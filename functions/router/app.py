"""Lambda function of the single compatible URL /cus/ws/PartnerAPI: dispatches to the group functions."""

from partnerapi.handlers import RouterHandler

handler = RouterHandler()
