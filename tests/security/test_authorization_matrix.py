"""Every query and mutation against every kind of caller: allowed or denied, as the table says.

An operation is called with placeholder arguments built from its signature. A denied caller must
get a top-level FORBIDDEN or UNAUTHENTICATED error; an allowed caller must get past authorization
(its answer may still be a payload error or BAD_USER_INPUT about the placeholder values). A new
operation without a row in RULES fails the test, so nobody forgets to decide who may call it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
)

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import ROLE_RANK
from koc.graphql.schema import schema
from tests.conftest import gid, make_member


@dataclass(frozen=True)
class Rule:
    anonymous: bool = False
    member: bool = False
    staff: StaffRole | None = None  # lowest staff role allowed
    scopes: frozenset[PartnerScope] = field(
        default_factory=frozenset
    )  # any one of them admits a partner
    any_partner: bool = False


PUBLIC = Rule(anonymous=True, member=True, staff=StaffRole.ANALYST, any_partner=True)
SIGNED_IN = Rule(member=True, staff=StaffRole.ANALYST, any_partner=True)
MEMBER = Rule(member=True)
ANALYST = Rule(staff=StaffRole.ANALYST)
OPERATOR = Rule(staff=StaffRole.OPERATOR)
ADMIN = Rule(staff=StaffRole.ADMIN)


def scoped(*scopes: PartnerScope, staff: StaffRole | None = None, member: bool = False) -> Rule:
    return Rule(staff=staff, scopes=frozenset(scopes), member=member)


RULES: dict[str, Rule] = {
    # queries
    "Query.me": PUBLIC,  # null for non-members
    "Query.staffMe": PUBLIC,  # null for non-staff
    "Query.node": SIGNED_IN,  # each type then checks the object
    "Query.members": scoped(PartnerScope.MEMBERS_READ, staff=StaffRole.ANALYST),
    "Query.member": scoped(PartnerScope.MEMBERS_READ, staff=StaffRole.ANALYST, member=True),
    "Query.lifecycleStages": Rule(member=True, staff=StaffRole.ANALYST),
    "Query.tagGroups": ANALYST,
    "Query.staffUsers": ADMIN,
    "Query.partnerTokens": ADMIN,
    "Query.auditLog": ADMIN,
    # mutations
    "Mutation.memberLogin": PUBLIC,
    "Mutation.tokenRefresh": PUBLIC,
    "Mutation.staffLogin": PUBLIC,
    "Mutation.memberPhoneBind": MEMBER,
    "Mutation.memberProfileUpdate": Rule(member=True, staff=StaffRole.OPERATOR),
    "Mutation.staffCreate": ADMIN,
    "Mutation.staffDisable": ADMIN,
    "Mutation.staffEnable": ADMIN,
    "Mutation.staffRoleSet": ADMIN,
    "Mutation.staffPasswordReset": ADMIN,
    "Mutation.staffPasswordChange": ANALYST,
    "Mutation.partnerTokenCreate": ADMIN,
    "Mutation.partnerTokenRevoke": ADMIN,
    "Mutation.tagGroupCreate": OPERATOR,
    "Mutation.tagCreate": OPERATOR,
    "Mutation.memberTagsAdd": OPERATOR,
    "Mutation.memberTagsRemove": OPERATOR,
    "Mutation.memberStageSet": OPERATOR,
    "Mutation.orderRecord": scoped(PartnerScope.ORDERS_WRITE),
    "Mutation.orderRefund": scoped(PartnerScope.ORDERS_WRITE),
    "Mutation.memberEventRecord": scoped(PartnerScope.EVENTS_WRITE),
    "Mutation.ordersRecord": scoped(PartnerScope.ORDERS_WRITE),
    "Mutation.trustedDocumentsAdd": ADMIN,
    # creators
    "Query.kocCandidates": ANALYST,
    "Query.kocApplications": ANALYST,
    "Query.kocs": ANALYST,
    "Query.kocCampaigns": Rule(member=True, staff=StaffRole.ANALYST),
    "Query.kocCampaignSubmissions": ANALYST,
    "Query.kocScoringWeights": ANALYST,
    "Mutation.kocApply": MEMBER,
    "Mutation.kocNominate": OPERATOR,
    "Mutation.kocApplicationReview": OPERATOR,
    "Mutation.kocStatusSet": OPERATOR,
    "Mutation.kocRolesSet": OPERATOR,
    "Mutation.kocScoringWeightsSet": OPERATOR,
    "Mutation.kocCampaignCreate": OPERATOR,
    "Mutation.kocCampaignJoin": MEMBER,
    "Mutation.kocSubmissionCreate": MEMBER,
    "Mutation.kocSubmissionReview": OPERATOR,
    # badges
    "Query.badges": SIGNED_IN,
    "Query.badgeVerify": scoped(PartnerScope.BADGES_VERIFY, staff=StaffRole.ANALYST),
    "Mutation.badgeCreate": OPERATOR,
    # long work (koc.worker): whoever may call the mutation that started the job
    "Query.job": OPERATOR,
    "Mutation.badgeUpdate": OPERATOR,
    "Mutation.badgeAward": OPERATOR,
    "Mutation.badgeRevoke": OPERATOR,
    # privileges
    "Query.privileges": scoped(
        PartnerScope.PRIVILEGES_REDEEM, staff=StaffRole.ANALYST, member=True
    ),
    "Query.privilegeRedemptionVerify": scoped(
        PartnerScope.PRIVILEGES_REDEEM, staff=StaffRole.OPERATOR
    ),
    "Query.privilegeReport": ANALYST,
    "Mutation.privilegeCreate": OPERATOR,
    "Mutation.privilegeUpdate": OPERATOR,
    "Mutation.privilegeGrant": OPERATOR,
    "Mutation.privilegeRevoke": OPERATOR,
    "Mutation.privilegeRedeem": scoped(
        PartnerScope.PRIVILEGES_REDEEM, staff=StaffRole.OPERATOR, member=True
    ),
    "Mutation.privilegeRedemptionCode": MEMBER,
    "Mutation.privilegeRsvp": Rule(member=True, staff=StaffRole.OPERATOR),
    "Mutation.privilegeRsvpCancel": Rule(member=True, staff=StaffRole.OPERATOR),
    # referrals
    "Query.referralProgram": scoped(
        PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST, member=True
    ),
    "Query.referrals": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST, member=True),
    "Query.referralRewards": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST),
    "Query.referralAttempts": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST),
    "Query.referralReport": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST),
    "Query.referralLeaderboard": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST),
    "Query.referralTree": scoped(PartnerScope.REFERRALS_READ, staff=StaffRole.ANALYST),
    "Mutation.referralBind": MEMBER,
    "Mutation.referralCodeSet": OPERATOR,
    "Mutation.referralReattribute": OPERATOR,
    "Mutation.referralReview": OPERATOR,
    "Mutation.referralProgramUpdate": OPERATOR,
    "Mutation.referrerStatusSet": OPERATOR,
    "Mutation.rewardReview": OPERATOR,
    "Mutation.rewardsIssueDue": OPERATOR,
    # surveys
    "Query.surveys": ANALYST,
    "Query.survey": Rule(member=True, staff=StaffRole.ANALYST),
    "Query.surveyResults": ANALYST,
    "Query.surveyExport": ANALYST,
    "Mutation.surveyCreate": OPERATOR,
    "Mutation.surveyUpdate": OPERATOR,
    "Mutation.surveyPublish": OPERATOR,
    "Mutation.surveyClose": OPERATOR,
    "Mutation.surveyRespond": MEMBER,
    "Mutation.surveyDraftSave": MEMBER,
    "Mutation.surveyInterviewRecord": OPERATOR,
    # privacy
    "Query.privacyPolicy": PUBLIC,
    "Query.privacyPolicies": ANALYST,
    "Query.meDataExport": MEMBER,
    "Query.accessRecords": ADMIN,
    "Query.erasureRequests": ADMIN,
    "Mutation.privacyPolicyPublish": ADMIN,
    "Mutation.meConsentSet": MEMBER,
    "Mutation.meErasureRequest": MEMBER,
    "Mutation.meErasureCancel": MEMBER,
    "Mutation.memberErase": ADMIN,
    "Mutation.memberDataExport": ADMIN,
    # live codes
    "Query.liveCodes": ANALYST,
    "Query.liveCodeReport": ANALYST,
    "Mutation.liveCodeCreate": OPERATOR,
    "Mutation.liveCodeUpdate": OPERATOR,
    "Mutation.liveCodeAdvisorsSet": OPERATOR,
    "Mutation.liveCodeLinksRefresh": OPERATOR,
    "Mutation.liveCodeTargetAdd": OPERATOR,
    "Mutation.liveCodeTargetUpdate": OPERATOR,
    # notifications
    "Query.notificationTemplates": ANALYST,
    "Query.subscribeMessages": ANALYST,
    "Query.subscribeMessageCounts": ANALYST,
    "Mutation.meSubscribeResultsReport": MEMBER,
    "Mutation.notificationsMarkRead": MEMBER,
    "Mutation.notificationTemplateSet": OPERATOR,
    "Mutation.surveyInvitationSend": OPERATOR,
    # events out
    "Query.events": scoped(PartnerScope.EVENTS_READ, staff=StaffRole.ANALYST),
    "Query.webhookSubscriptions": scoped(PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN),
    "Query.webhookDeliveries": scoped(PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN),
    "Query.webhookAttempts": scoped(PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN),
    "Mutation.webhookSubscriptionCreate": scoped(
        PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN
    ),
    "Mutation.webhookSubscriptionUpdate": scoped(
        PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN
    ),
    "Mutation.webhookSubscriptionDelete": scoped(
        PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN
    ),
    "Mutation.webhookSubscriptionReplay": scoped(
        PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN
    ),
    "Mutation.webhookDeliveryRetry": scoped(PartnerScope.WEBHOOKS_MANAGE, staff=StaffRole.ADMIN),
    # segments (#18): staff read segments and rules; operators change them
    "Query.segments": ANALYST,
    "Query.segmentMembers": ANALYST,
    "Query.segmentSnapshots": ANALYST,
    "Query.tagRules": ANALYST,
    "Query.stageRules": ANALYST,
    "Mutation.segmentCreate": OPERATOR,
    "Mutation.segmentUpdate": OPERATOR,
    "Mutation.segmentDelete": OPERATOR,
    "Mutation.tagRuleCreate": OPERATOR,
    "Mutation.tagRuleDelete": OPERATOR,
    "Mutation.stageRuleCreate": OPERATOR,
    "Mutation.stageRuleDelete": OPERATOR,
    # advisory
    "Query.memberPool": ANALYST,
    "Query.advisorQueue": ANALYST,
    "Query.advisorRoutes": ANALYST,
    "Query.advisorReport": ANALYST,
    "Mutation.memberOwnerSet": OPERATOR,
    "Mutation.memberClaim": Rule(),  # ADVISOR only
    "Mutation.advisorHandover": OPERATOR,
    "Mutation.advisorRoutesSet": OPERATOR,
    "Mutation.followUpRecord": OPERATOR,
    "Mutation.followUpClose": OPERATOR,
}


# What an ADVISOR may call, decided for every operation (a missing row fails the test). An
# allowed ADVISOR is called with a member it owns; whose data it reaches is tested in
# tests/advisory/test_advisor_scope.py.
ADVISOR_RULES: dict[str, bool] = {
    # notifications: members' own, or staff set-up above an advisor
    "Query.notificationTemplates": False,
    "Query.subscribeMessages": False,
    "Query.subscribeMessageCounts": False,
    "Mutation.meSubscribeResultsReport": False,
    "Mutation.notificationsMarkRead": False,
    "Mutation.notificationTemplateSet": False,
    "Mutation.surveyInvitationSend": False,
    # webhooks are an admin's or a partner's
    "Query.webhookSubscriptions": False,
    "Query.webhookDeliveries": False,
    "Query.webhookAttempts": False,
    "Mutation.webhookSubscriptionCreate": False,
    "Mutation.webhookSubscriptionUpdate": False,
    "Mutation.webhookSubscriptionDelete": False,
    "Mutation.webhookSubscriptionReplay": False,
    "Mutation.webhookDeliveryRetry": False,
    # segments and layering rules are staff work above an advisor's own members
    "Query.segments": False,
    "Query.segmentMembers": False,
    "Query.segmentSnapshots": False,
    "Query.tagRules": False,
    "Query.stageRules": False,
    "Mutation.segmentCreate": False,
    "Mutation.segmentUpdate": False,
    "Mutation.segmentDelete": False,
    "Mutation.tagRuleCreate": False,
    "Mutation.tagRuleDelete": False,
    "Mutation.stageRuleCreate": False,
    "Mutation.stageRuleDelete": False,
    # live codes are set up by operators and read by analysts, not by advisors
    "Query.liveCodes": False,
    "Query.liveCodeReport": False,
    "Mutation.liveCodeCreate": False,
    "Mutation.liveCodeUpdate": False,
    "Mutation.liveCodeAdvisorsSet": False,
    "Mutation.liveCodeLinksRefresh": False,
    "Mutation.liveCodeTargetAdd": False,
    "Mutation.liveCodeTargetUpdate": False,
    "Query.me": True,
    "Query.staffMe": True,
    "Query.node": True,
    "Query.members": True,
    "Query.member": True,
    "Query.lifecycleStages": True,
    "Query.tagGroups": True,
    "Query.staffUsers": False,
    "Query.partnerTokens": False,
    "Query.auditLog": False,
    "Mutation.memberLogin": True,
    "Mutation.tokenRefresh": True,
    "Mutation.staffLogin": True,
    "Mutation.memberPhoneBind": False,
    "Mutation.memberProfileUpdate": True,
    "Mutation.staffCreate": False,
    "Mutation.staffDisable": False,
    "Mutation.staffEnable": False,
    "Mutation.staffRoleSet": False,
    "Mutation.staffPasswordReset": False,
    "Mutation.staffPasswordChange": True,
    "Mutation.partnerTokenCreate": False,
    "Mutation.partnerTokenRevoke": False,
    "Mutation.tagGroupCreate": False,
    "Mutation.tagCreate": False,
    "Mutation.memberTagsAdd": True,
    "Mutation.memberTagsRemove": True,
    "Mutation.memberStageSet": True,
    "Mutation.orderRecord": False,
    "Mutation.orderRefund": False,
    "Mutation.memberEventRecord": False,
    "Mutation.ordersRecord": False,
    "Mutation.trustedDocumentsAdd": False,
    "Query.kocCandidates": False,
    "Query.kocApplications": False,
    "Query.kocs": False,
    "Query.kocCampaigns": False,
    "Query.kocCampaignSubmissions": False,
    "Query.kocScoringWeights": False,
    "Mutation.kocApply": False,
    "Mutation.kocNominate": False,
    "Mutation.kocApplicationReview": False,
    "Mutation.kocStatusSet": False,
    "Mutation.kocRolesSet": False,
    "Mutation.kocScoringWeightsSet": False,
    "Mutation.kocCampaignCreate": False,
    "Mutation.kocCampaignJoin": False,
    "Mutation.kocSubmissionCreate": False,
    "Mutation.kocSubmissionReview": False,
    "Query.badges": True,  # the definitions members see too
    "Query.badgeVerify": False,
    "Mutation.badgeCreate": False,
    "Mutation.badgeUpdate": False,
    "Mutation.badgeAward": False,
    "Mutation.badgeRevoke": False,
    "Query.privileges": False,
    "Query.privilegeRedemptionVerify": False,
    "Query.privilegeReport": False,
    "Mutation.privilegeCreate": False,
    "Mutation.privilegeUpdate": False,
    "Mutation.privilegeGrant": False,
    "Mutation.privilegeRevoke": False,
    "Mutation.privilegeRedeem": False,
    "Mutation.privilegeRedemptionCode": False,
    "Mutation.privilegeRsvp": False,
    "Mutation.privilegeRsvpCancel": False,
    "Query.referralProgram": False,
    "Query.referrals": False,
    "Query.referralRewards": False,
    "Query.referralAttempts": False,
    "Query.referralReport": False,
    "Query.referralLeaderboard": False,
    "Query.referralTree": False,
    "Mutation.referralBind": False,
    "Mutation.referralCodeSet": False,
    "Mutation.referralReattribute": False,
    "Mutation.referralReview": False,
    "Mutation.referralProgramUpdate": False,
    "Mutation.referrerStatusSet": False,
    "Mutation.rewardReview": False,
    "Mutation.rewardsIssueDue": False,
    "Query.surveys": False,
    "Query.survey": False,
    "Query.surveyResults": False,
    "Query.surveyExport": False,
    "Mutation.surveyCreate": False,
    "Mutation.surveyUpdate": False,
    "Mutation.surveyPublish": False,
    "Mutation.surveyClose": False,
    "Mutation.surveyRespond": False,
    "Mutation.surveyDraftSave": False,
    "Mutation.surveyInterviewRecord": False,
    "Query.privacyPolicy": True,
    "Query.privacyPolicies": False,
    "Query.meDataExport": False,
    "Query.accessRecords": False,
    "Query.erasureRequests": False,
    "Mutation.privacyPolicyPublish": False,
    "Mutation.meConsentSet": False,
    "Mutation.meErasureRequest": False,
    "Mutation.meErasureCancel": False,
    "Mutation.memberErase": False,
    "Mutation.memberDataExport": False,
    "Query.memberPool": True,
    "Query.advisorQueue": True,
    "Query.advisorRoutes": False,
    "Query.advisorReport": True,
    "Mutation.memberOwnerSet": False,
    "Mutation.memberClaim": True,
    "Mutation.advisorHandover": False,
    "Mutation.advisorRoutesSet": False,
    "Mutation.followUpRecord": True,
    "Mutation.followUpClose": True,
    "Query.events": False,
    "Query.job": False,
}


def _operations() -> list[tuple[str, str, Any]]:
    found = []
    for kind, root in (
        ("Query", schema._schema.query_type),
        ("Mutation", schema._schema.mutation_type),
    ):
        for name, definition in root.fields.items():
            found.append((kind, name, definition))
    return found


def test_every_operation_has_a_rule():
    names = {f"{kind}.{name}" for kind, name, _ in _operations()}
    assert sorted(names - RULES.keys()) == [], "decide who may call these: add rows to RULES"
    assert sorted(RULES.keys() - names) == [], "rules for operations that no longer exist"


def test_every_operation_has_an_advisor_row():
    names = {f"{kind}.{name}" for kind, name, _ in _operations()}
    assert sorted(names - ADVISOR_RULES.keys()) == [], "decide whether an ADVISOR may call these"
    assert sorted(ADVISOR_RULES.keys() - names) == [], "advisor rows of operations that are gone"


def _placeholder(gql_type: Any, own_id: str) -> Any:
    """A value of the right shape for an argument; its content does not matter, except that IDs
    name the caller's own member, so a member is judged on the operation, not on whose data."""
    if isinstance(gql_type, GraphQLNonNull):
        return _placeholder(gql_type.of_type, own_id)
    if isinstance(gql_type, GraphQLList):
        return [_placeholder(gql_type.of_type, own_id)]
    if isinstance(gql_type, GraphQLEnumType):
        return next(iter(gql_type.values))
    if isinstance(gql_type, GraphQLInputObjectType):
        return {
            name: _placeholder(f.type, own_id)
            for name, f in gql_type.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    assert isinstance(gql_type, GraphQLScalarType)
    return {
        "ID": own_id,
        "String": "x",
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "DateTime": "2026-01-01T00:00:00+00:00",
        "Date": "2026-01-01",
        "JSON": {},
    }.get(gql_type.name, "x")


def _type_name(gql_type: Any) -> str:
    if isinstance(gql_type, GraphQLNonNull):
        return _type_name(gql_type.of_type) + "!"
    if isinstance(gql_type, GraphQLList):
        return f"[{_type_name(gql_type.of_type)}]"
    return gql_type.name


def _document(kind: str, name: str, definition: Any, own_id: str) -> tuple[str, dict[str, Any]]:
    required = {
        a: arg for a, arg in definition.args.items() if isinstance(arg.type, GraphQLNonNull)
    }
    variables = {a: _placeholder(arg.type, own_id) for a, arg in required.items()}
    declared = ", ".join(f"${a}: {_type_name(arg.type)}" for a, arg in required.items())
    passed = ", ".join(f"{a}: ${a}" for a in required)
    header = f"{kind.lower()}" + (f"({declared})" if declared else "")
    call = name + (f"({passed})" if passed else "")
    return f"{header} {{ {call} {{ __typename }} }}" if _is_composite(
        definition.type
    ) else f"{header} {{ {call} }}", variables


def _is_composite(gql_type: Any) -> bool:
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    return hasattr(gql_type, "fields") or hasattr(gql_type, "types")


CALLERS = [
    "anonymous",
    "member",
    "staff:ANALYST",
    "staff:OPERATOR",
    "staff:ADMIN",
    "staff:ADVISOR",
    "partner:in-scope",
    "partner:out-of-scope",
]


def _expected(rule: Rule, caller: str, name: str) -> bool:
    if caller == "staff:ADVISOR":
        return ADVISOR_RULES[name]
    if caller == "anonymous":
        return rule.anonymous
    if caller == "member":
        return rule.member
    if caller.startswith("staff:"):
        role = StaffRole(caller.split(":")[1])
        return rule.staff is not None and ROLE_RANK[role] >= ROLE_RANK[rule.staff]
    if caller == "partner:in-scope":
        return rule.any_partner or bool(rule.scopes)
    return rule.any_partner


@pytest.mark.parametrize("caller", CALLERS)
async def test_authorization_matrix(
    caller, anon_client, member_client, staff_client, partner_client
):
    if caller == "anonymous":
        clients = {None: anon_client}
    elif caller == "member":
        clients = {None: await member_client()}
    elif caller == "staff:ADVISOR":
        # an advisor is judged on the operation with a member it owns
        advisor = await staff_client(StaffRole.ADVISOR)
        owned = await make_member(owner_id=advisor.staff_id)
        clients = {None: dataclasses.replace(advisor, member_id=owned.id)}
    elif caller.startswith("staff:"):
        clients = {None: await staff_client(StaffRole(caller.split(":")[1]))}
    else:
        clients = {}
    mismatches = []
    for kind, name, definition in _operations():
        rule = RULES[f"{kind}.{name}"]
        if caller == "partner:in-scope":
            scopes = sorted(rule.scopes) or [PartnerScope.MEMBERS_READ]
            client = await partner_client(scopes)
        elif caller == "partner:out-of-scope":
            client = await partner_client(
                sorted(set(PartnerScope) - rule.scopes) or [PartnerScope.MEMBERS_READ]
            )
        else:
            client = clients[None]
        own_id = client.member_gid if client.member_id is not None else gid("Member", 1)
        query, variables = _document(kind, name, definition, own_id)
        response = await client.post(query, variables)
        body = response.json()
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
        denied = response.status_code == 401 or bool(codes & {"FORBIDDEN", "UNAUTHENTICATED"})
        assert response.status_code < 500, (name, body)
        assert "Internal server error." not in str(body), (name, caller, body)
        expected = _expected(rule, caller, f"{kind}.{name}")
        if denied == expected:
            mismatches.append(
                f"{kind}.{name}: expected {'allowed' if expected else 'denied'}, got {body}"
            )
    assert mismatches == []
