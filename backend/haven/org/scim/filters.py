"""SCIM ``filter`` (RFC 7644 §3.4.2.2), parsed by scim2-models and translated into the
look-ups :mod:`haven.auth.directory` runs in SQL.

Supported, because that is what identity providers send to match and link people: ``eq``
comparisons, joined by ``and`` / ``or`` (and parentheses), on

* Users: ``userName`` (without case), ``externalId`` (exactly), ``id``, ``displayName``
  (without case), ``emails`` / ``emails.value`` / ``emails[value eq "..."]``;
* Groups: ``displayName`` (without case), ``externalId``, ``id``, ``members.value`` /
  ``members[value eq "..."]``.

Attributes may carry their schema's URN. Anything else (``ne``, ``co``, ``sw``, ``ew``,
``gt``, ``ge``, ``lt``, ``le``, ``pr``, ``not``, other attributes, a value that is not a
string) is answered 400 ``invalidFilter``: an unsupported filter never silently matches
everything or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from scim2_models import SCIMException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from haven.auth import service as auth_service
from haven.org.scim.protocol import ScimError

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"

# (attribute, sub-attribute) as a client writes them (folded) -> what the look-up compares.
_USER: Mapping[tuple[str, str | None], auth_service.DirectoryAttribute] = {
    ("username", None): "userName",
    ("externalid", None): "externalId",
    ("id", None): "id",
    ("displayname", None): "displayName",
    ("emails", None): "email",
    ("emails", "value"): "email",
}
_GROUP: Mapping[tuple[str, str | None], auth_service.DirectoryAttribute] = {
    ("displayname", None): "displayName",
    ("externalid", None): "externalId",
    ("id", None): "id",
    ("members", "value"): "member",
}

SUPPORTED = (
    'Haven supports "eq" on userName, externalId, id, displayName and emails.value (Users) or '
    'displayName, externalId, id and members.value (Groups), joined with "and" / "or".'
)


def _refuse(detail: str = SUPPORTED) -> ScimError:
    return ScimError(400, detail, scim_type="invalidFilter")


def _attribute(
    path: AttrPath,
    urn: str,
    known: Mapping[tuple[str, str | None], auth_service.DirectoryAttribute],
) -> auth_service.DirectoryAttribute:
    if path.uri is not None and path.uri.casefold() != urn.casefold():
        raise _refuse()
    key = (path.attr.casefold(), path.sub_attr.casefold() if path.sub_attr else None)
    if key not in known:
        raise _refuse()
    return known[key]


def _translate(
    node: FilterNode,
    urn: str,
    known: Mapping[tuple[str, str | None], auth_service.DirectoryAttribute],
) -> auth_service.AccountFilter:
    if isinstance(node, LogicalExpr):
        terms = tuple(_translate(t, urn, known) for t in node.terms)
        if node.op == LogicalOperator.and_:
            return auth_service.AllOf(terms)
        return auth_service.AnyOf(terms)
    if isinstance(node, Comparison):
        if node.op != CompareOperator.eq or not isinstance(node.value, str):
            raise _refuse()
        return auth_service.Match(_attribute(node.attr_path, urn, known), node.value)
    if isinstance(node, ValuePath):
        inner = node.val_filter
        if (
            node.sub_attr is None
            and isinstance(inner, Comparison)
            and inner.op == CompareOperator.eq
            and isinstance(inner.value, str)
            and inner.attr_path.uri is None
            and inner.attr_path.sub_attr is None
        ):
            path = AttrPath(node.attr_path.attr, inner.attr_path.attr, node.attr_path.uri)
            return auth_service.Match(_attribute(path, urn, known), inner.value)
    raise _refuse()


def _parse(text: str) -> FilterNode:
    try:
        return ScimFilter(text).ast
    except (SCIMException, ValueError):
        raise _refuse("The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2).") from None


def user_filter(text: str | None) -> auth_service.AccountFilter | None:
    return _translate(_parse(text), USER_URN, _USER) if text else None


def group_filter(text: str | None) -> auth_service.AccountFilter | None:
    return _translate(_parse(text), GROUP_URN, _GROUP) if text else None
