"""SCIM 2.0 provisioning (RFC 7643, RFC 7644): the hospital's identity provider (Entra ID,
Okta, ...) creates, changes, deactivates and deletes Haven's people, and keeps its groups
here, through ``/api/v1/scim/v2``.

Decisions (README, "Provisioning with SCIM" says how to set a client up):

* **Where.** Under the API's prefix, ``/api/v1/scim/v2`` (the issue's ``/scim/v2/...`` relative
  to it): every API answer's headers (``Cache-Control: no-store``), the body-size limit and the
  access log apply, and a reverse proxy that routes ``/api/`` to Haven routes SCIM too. SCIM is
  not in Haven's OpenAPI document: its contract is RFC 7644 and its own discovery endpoints
  (``/ServiceProviderConfig``, ``/ResourceTypes``, ``/Schemas``), which SCIM clients read.
* **Who.** An API key with the ``scim`` scope, nothing else (not even an administrator's
  session). The scope manages people (it can deactivate every administrator and propose
  privileged roles), so such a key waits for a second administrator like the keys that read
  content (:data:`haven.auth.policy.SECOND_ADMIN_SCOPES`).
* **Errors** are SCIM's (``application/scim+json``, RFC 7644 §3.12, with ``scimType``), not
  RFC 9457 problems: the one exception to the API's error format, because SCIM clients read
  ``scimType``. Every path under the prefix answers so, unknown ones included (404, 405).
* **Models** are scim2-models (:mod:`haven.org.scim.resources`), declaring exactly what Haven
  stores; what a client sends beyond that is ignored and never stored.
* **Features declared** in ``/ServiceProviderConfig``: PATCH (add, replace, remove, with
  Entra ID's dialect), filter (``eq`` on the key attributes, see
  :mod:`haven.org.scim.filters`; at most 200 results a page, ``startIndex``/``count``),
  ``attributes``/``excludedAttributes``. Not: bulk, sort, ETags, password change (people sign
  in through the identity provider), and ``/.search`` (501).
* **Users** are people (:mod:`haven.org.scim.users`); **Groups** are the directory's groups,
  some of which give roles by configuration (:mod:`haven.org.scim.groups`,
  :mod:`haven.auth.directory_groups`). The account rules (keys, the separation of roles and
  the two-administrator rule, deactivation ending sessions at once in every process, the
  soft delete) are :mod:`haven.auth.directory`'s.
"""
