"""SOAP declarations of the statistics group: calls, remote-access sessions, SIP calls, chat histories."""

from spyne import Array, ByteArray, Unicode, rpc

from partnerapi.logic import chat_history, statistics
from partnerapi.soap.rows import CallStatisticsRow, LenientDateTime, RemoteAccessStatisticsRow, SipCallStatisticsRow
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows


class StatisticsService(PartnerApiService):
    @rpc(LenientDateTime, LenientDateTime, Unicode, Unicode, Unicode, Unicode, Unicode, _returns=Array(CallStatisticsRow))
    def statistics_read(ctx, start_time, end_time, client_id, agent_id, src_agent_id, dst_agent_id, service_type_id):
        found = statistics.statistics_read(current_partner(ctx), start_time, end_time, client_id, agent_id, src_agent_id, dst_agent_id, service_type_id)
        return rows(CallStatisticsRow, found)

    # server_agent_id / client_agent_id: the names the spec's text gives src_agent_id / dst_agent_id
    # (spec-notes T3); last, so positional callers of the signature are unaffected.
    @rpc(LenientDateTime, LenientDateTime, Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, _returns=Array(RemoteAccessStatisticsRow))
    def remote_access_statistics_read(ctx, start_time, end_time, client_id, agent_id, src_agent_id, dst_agent_id, service_type_id, server_agent_id, client_agent_id):
        found = statistics.remote_access_statistics_read(
            current_partner(ctx), start_time, end_time, client_id, agent_id, src_agent_id, dst_agent_id, service_type_id, server_agent_id, client_agent_id
        )
        return rows(RemoteAccessStatisticsRow, found)

    @rpc(LenientDateTime, LenientDateTime, Unicode, Unicode, _returns=Array(SipCallStatisticsRow))
    def sip_calls_statistics_read(ctx, start_time, end_time, agent_id, abonent):
        return rows(SipCallStatisticsRow, statistics.sip_calls_statistics_read(current_partner(ctx), start_time, end_time, agent_id, abonent))

    @rpc(Unicode, Unicode, LenientDateTime, LenientDateTime, _returns=ByteArray)
    def chat_history_statistics_read(ctx, client_user_id, service_id, period_from, period_to):
        return [chat_history.chat_history_statistics_read(current_partner(ctx), client_user_id, service_id, period_from, period_to)]

    @rpc(Unicode, Unicode, LenientDateTime, LenientDateTime, _returns=ByteArray)
    def chat_history_colleagues_read(ctx, Colleague1_id, Colleague2_id, period_from, period_to):  # noqa: N803 - the spec's names
        return [chat_history.chat_history_colleagues_read(current_partner(ctx), Colleague1_id, Colleague2_id, period_from, period_to)]
