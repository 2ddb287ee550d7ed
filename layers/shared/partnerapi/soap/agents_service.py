"""SOAP declarations of the agents group: partner agents, user agents, competences, the access e-mail.

Parameters are the spec's names in the spec's order. Two deliberate widenings (docs/spec-notes.md):
agent_*_add take the password as a string (the spec's signature says int, its edits and results say
string), and the competence operations also take the agent under the spec's other name, as an extra
optional parameter at the end (competence_read: agent_partner_id; competence_add: agent_id).
"""

from spyne import Array, Boolean, Integer, Unicode, rpc

from partnerapi.logic import access_email, agents, competences
from partnerapi.soap.rows import AgentPartnerRow, AgentUserRow, CompetenceRow, StrictBoolean
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows

AgentPartners = Array(AgentPartnerRow)
AgentUsers = Array(AgentUserRow)
Competences = Array(CompetenceRow)


class AgentsService(PartnerApiService):
    @rpc(Unicode, StrictBoolean, Unicode, _returns=AgentPartners)
    def agent_partner_read(ctx, agent_partner_id, agent_partner_activity, partner_user_id):
        return rows(AgentPartnerRow, agents.agent_partner_read(current_partner(ctx), agent_partner_id, agent_partner_activity, partner_user_id))

    @rpc(Unicode, Unicode, _returns=AgentPartners)
    def agent_partner_add(ctx, agent_partner_password, partner_user_id):
        return rows(AgentPartnerRow, agents.agent_partner_add(current_partner(ctx), agent_partner_password, partner_user_id))

    @rpc(Unicode, Unicode, StrictBoolean, Unicode, _returns=AgentPartners)
    def agent_partner_edit(ctx, agent_partner_id, agent_partner_password, agent_partner_activity, partner_user_id):
        edited = agents.agent_partner_edit(current_partner(ctx), agent_partner_id, agent_partner_password, agent_partner_activity, partner_user_id)
        return rows(AgentPartnerRow, edited)

    @rpc(Unicode, _returns=AgentPartners)
    def agent_partner_delete(ctx, agent_partner_id):
        return rows(AgentPartnerRow, agents.agent_partner_delete(current_partner(ctx), agent_partner_id))

    @rpc(Unicode, Unicode, StrictBoolean, Unicode, _returns=AgentUsers)
    def agent_user_read(ctx, agent_user_id, client_id, agent_user_activity, client_user_id):
        return rows(AgentUserRow, agents.agent_user_read(current_partner(ctx), agent_user_id, client_id, agent_user_activity, client_user_id))

    @rpc(Unicode, Unicode, _returns=AgentUsers)
    def agent_user_add(ctx, agent_user_password, client_user_id):
        return rows(AgentUserRow, agents.agent_user_add(current_partner(ctx), agent_user_password, client_user_id))

    @rpc(Unicode, Unicode, StrictBoolean, Unicode, _returns=AgentUsers)
    def agent_user_edit(ctx, agent_user_id, agent_user_password, agent_user_activity, client_user_id):
        edited = agents.agent_user_edit(current_partner(ctx), agent_user_id, agent_user_password, agent_user_activity, client_user_id)
        return rows(AgentUserRow, edited)

    @rpc(Unicode, _returns=AgentUsers)
    def agent_user_delete(ctx, agent_user_id):
        return rows(AgentUserRow, agents.agent_user_delete(current_partner(ctx), agent_user_id))

    @rpc(Unicode, Unicode, Unicode, Integer, Unicode, _returns=Competences)
    def competence_read(ctx, competence_id, agent_id, service_type_id, prioritet, agent_partner_id):
        found = competences.competence_read(current_partner(ctx), competence_id, agent_id, service_type_id, prioritet, agent_partner_id)
        return rows(CompetenceRow, found)

    @rpc(Unicode, Unicode, Integer, Unicode, _returns=Competences)
    def competence_add(ctx, agent_partner_id, service_type_id, prioritet, agent_id):
        return rows(CompetenceRow, competences.competence_add(current_partner(ctx), agent_partner_id, service_type_id, prioritet, agent_id))

    @rpc(Unicode, _returns=Competences)
    def competence_stop(ctx, competence_id):
        return rows(CompetenceRow, competences.competence_stop(current_partner(ctx), competence_id))

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Integer, StrictBoolean, _returns=Boolean)
    def account_access_email_notify(ctx, client_user_id, sender_email_address, email_login, email_password, smtp_server, smtp_port, ssl_encryption):
        partner = current_partner(ctx)
        return access_email.account_access_email_notify(partner, client_user_id, sender_email_address, email_login, email_password, smtp_server, smtp_port, ssl_encryption)
