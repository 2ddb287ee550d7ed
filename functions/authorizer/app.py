"""API Gateway REQUEST authorizer: HTTP Basic against the credentials table, passes partner_id on."""

from partnerapi.handlers import AuthorizerHandler

handler = AuthorizerHandler()
