"""Organisation: the organisation's settings, its departments, and the admin API for people.

Owns departments (name and code unique, case-insensitively; deactivated, never deleted)
and the single organisation row (name, time zone, whether anonymous reports need an
account). User records belong to ``auth``; this domain validates the organisation side
(an active department; a department lead needs one) and calls ``auth.service``.

Role changes follow the separation of roles (see :mod:`haven.auth`): the admin API's user
create and update split a change into what applies at once and a pending grant, and
``/role-grants`` lists pending grants (admins) and confirms, rejects or cancels them
(If-Match on the grant's version). This domain adds its side of a confirmation: the
department a lead grant names must still be active. API keys are the admin's too, served by
the auth domain (``/api-keys``, see :mod:`haven.auth`).

Who may call: admins manage everything here; every signed-in person may read the
organisation, the list of active departments (forms need them) and their own profile
(``/me``). A department is readable by id even when inactive: older records still name it.
People are deactivated, never deleted: they may have authored records.

Provisioning: SCIM 2.0 at ``/api/v1/scim/v2`` (:mod:`haven.org.scim`, for API keys with the
``scim`` scope; SCIM's own error format) and the bulk import of people from a CSV file
(:mod:`haven.org.people_import`: ``/people-imports`` for admins, ``haven users import``).
They live here, not in ``auth``, because they speak the organisation's side (department codes
and names, the org checks); the rules for accounts are auth's (:mod:`haven.auth.directory`),
the same for both.
"""
