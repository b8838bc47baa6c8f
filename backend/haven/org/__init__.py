"""Organisation: the organisation's settings, its departments, and the admin API for people.

Owns departments (name and code unique, case-insensitively; deactivated, never deleted)
and the single organisation row (name, time zone, whether anonymous reports need an
account). User records belong to ``auth``; this domain validates the organisation side
(an active department; a department lead needs one) and calls ``auth.service``.

Who may call: admins manage everything here; every signed-in person may read the
organisation, the list of active departments (forms need them) and their own profile
(``/me``). A department is readable by id even when inactive: older records still name it.
People are deactivated, never deleted: they may have authored records.
"""
