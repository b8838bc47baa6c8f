"""The audit log over HTTP: auditors read it and check that it holds.

The log itself (the keyed chain, its anchors outside the database, verification, and
``record_event`` that every domain calls) is :mod:`haven.core.audit`, a leaf anyone may
call. This package is only its API: ``GET /audit`` lists rows (filtered by object, actor or
action, keyset-paginated) and ``GET /audit/verify`` checks the chain and its anchors.

Who may call: auditors only. Rows name the actor and the object, never content.
"""
