"""SCIM discovery (RFC 7644 §4): ``/ServiceProviderConfig``, ``/ResourceTypes`` and
``/Schemas``, from the one description of what Haven serves
(:data:`haven.org.scim.resources.PROVIDER`). They change only with the code: no database."""

from __future__ import annotations

from typing import Any

from scim2_models import Context, ListResponse, Meta, ResourceType, Schema

from haven.org.scim.protocol import ScimAnswer, ScimError
from haven.org.scim.resources import CONFIG, PROVIDER


def service_provider_config(*, base: str) -> ScimAnswer:
    config = CONFIG.model_copy(
        update={
            "meta": Meta(
                resource_type="ServiceProviderConfig", location=f"{base}/ServiceProviderConfig"
            )
        }
    )
    return ScimAnswer(200, config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _resource_type(resource_type: ResourceType, base: str) -> ResourceType:
    meta = Meta(resource_type="ResourceType", location=f"{base}/ResourceTypes/{resource_type.id}")
    return resource_type.model_copy(update={"meta": meta})


def _schema(schema: Schema, base: str) -> Schema:
    meta = Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")
    return schema.model_copy(update={"meta": meta})


def _page(items: list[Any], kind: type[Any]) -> dict[str, Any]:
    page = ListResponse[kind](  # type: ignore[valid-type]
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return page.model_dump(scim_ctx=Context.SEARCH_RESPONSE)


def resource_types(*, base: str) -> ScimAnswer:
    return ScimAnswer(
        200, _page([_resource_type(t, base) for t in PROVIDER.resource_types], ResourceType)
    )


def resource_type(*, type_id: str, base: str) -> ScimAnswer:
    for found in PROVIDER.resource_types:
        if found.id == type_id:
            return ScimAnswer(
                200,
                _resource_type(found, base).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE),
            )
    raise ScimError(404, "No such resource type.")


def schemas(*, base: str) -> ScimAnswer:
    return ScimAnswer(200, _page([_schema(s, base) for s in PROVIDER.schemas], Schema))


def schema(*, schema_id: str, base: str) -> ScimAnswer:
    for found in PROVIDER.schemas:
        if found.id == schema_id:
            return ScimAnswer(
                200, _schema(found, base).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            )
    raise ScimError(404, "No such schema.")
